import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient as createWebClient } from '@libsql/client/web';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store, type StoreConfig } from '../../store/db.ts';
import { createLocalClient } from '../../store/libsql-local.node.ts';
import { createFieldCipher, generateDataKey, purePrimitives } from '../../store/field-cipher.ts';
import { nativePrimitives } from '../../store/native-crypto.node.ts';
import { fromHex, toHex } from '../../store/crypto.ts';
import { startLibsqlHttpServer, type LibsqlHttpServer } from '../../scripts/libsql-http.node.ts';

let dir: string;
let store: Store;
let server: LibsqlHttpServer | undefined;

// Every client the store runs on: @libsql/client (remote stores), the local driver, and the
// Workers' @libsql/client/web over Hrana HTTP (against scripts/libsql-http.node.ts on the same file).
describe('hex, as the sealed fields and keys are written', () => {
  it("writes and reads what Node's own hex does, for every byte and any length, and refuses what is not hex", () => {
    const every = Uint8Array.from({ length: 256 }, (_, byte) => byte);
    expect(toHex(every)).toBe(Buffer.from(every).toString('hex'));
    expect(toHex(every.buffer)).toBe(Buffer.from(every).toString('hex'));
    for (const length of [0, 1, 2, 3, 12, 1000, 4099]) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const hex = toHex(bytes);
      expect(hex).toBe(Buffer.from(bytes).toString('hex'));
      expect(fromHex(hex)).toEqual(bytes);
      expect(fromHex(hex.toUpperCase())).toEqual(bytes);
    }
    // A view into a larger buffer is encoded alone.
    const larger = Uint8Array.from([1, 2, 3, 4, 5]);
    expect(toHex(larger.subarray(1, 3))).toBe('0203');
    for (const bad of ['zz', '0g', '-1', '  ', 'ñ1', 'abc']) expect(() => fromHex(bad)).toThrow(/hex/);
  });
});

describe.each([
  ['@libsql/client', 'file'],
  ['the local driver', 'local'],
  ['@libsql/client/web over HTTP', 'http'],
] as const)('store writes through %s', (_name, client) => {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portal-db-'));
    const path = join(dir, 'db.db');
    let connect: StoreConfig['connect'] = client === 'local' ? createLocalClient : undefined;
    if (client === 'http') {
      const { url } = (server = await startLibsqlHttpServer({ path }));
      connect = ({ authToken }) => createWebClient({ url, authToken });
    }
    store = await openStore({ url: `file:${path}`, busyTimeoutMs: 2000, dataKey: generateDataKey(), connect });
    await store.batch(['CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)']);
    await store.batch(['INSERT INTO counter (id, n) VALUES (1, 0)']);
  });
  afterEach(async () => {
    store.close();
    await server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues concurrent write transactions instead of deadlocking on the lock', async () => {
    const increments = Array.from({ length: 20 }, () =>
      store.write(async (tx) => {
        const { rows } = await tx.execute('SELECT n FROM counter WHERE id = 1');
        await new Promise((resolve) => setTimeout(resolve, 1));
        await tx.execute({ sql: 'UPDATE counter SET n = ? WHERE id = 1', args: [Number(rows[0].n) + 1] });
      }),
    );
    await Promise.all(increments);
    expect(Number((await store.db.execute('SELECT n FROM counter')).rows[0].n)).toBe(20);
  });

  it('rolls back everything a failed transaction wrote, and keeps working after', async () => {
    await expect(
      store.write(async (tx) => {
        await tx.execute('UPDATE counter SET n = 99 WHERE id = 1');
        throw new Error('half way');
      }),
    ).rejects.toThrow('half way');
    expect(Number((await store.db.execute('SELECT n FROM counter')).rows[0].n)).toBe(0);
    await store.write((tx) => tx.execute('UPDATE counter SET n = 1 WHERE id = 1'));
    expect(Number((await store.db.execute('SELECT n FROM counter')).rows[0].n)).toBe(1);
  });

  it('turns a unique-constraint violation into a 409 AppError', async () => {
    await expect(store.batch([{ sql: 'INSERT INTO counter (id, n) VALUES (1, 5)', args: [] }])).rejects.toMatchObject({ status: 409, code: 'conflict' });
  });
});

// Both sets of primitives: the pure ones (Workers, tests) and Node's native ones (the server).
describe.each([
  ['pure JavaScript', purePrimitives],
  ['Node native', nativePrimitives],
])('sensitive fields (%s)', (_name, primitives) => {
  it('are encrypted with AES-GCM: unreadable without the key, different each time, tamper-evident', async () => {
    const cipher = await createFieldCipher(generateDataKey(), primitives);
    const sealed = await cipher.encrypt('Mi vecino no me deja salir de la casa');
    expect(sealed).toMatch(/^v1:[0-9a-f]{24}:[0-9a-f]+$/);
    expect(sealed).not.toContain('vecino');
    expect(await cipher.encrypt('Mi vecino no me deja salir de la casa')).not.toBe(sealed);
    expect(await cipher.decrypt(sealed)).toBe('Mi vecino no me deja salir de la casa');
    const other = await createFieldCipher(generateDataKey(), primitives);
    await expect(other.decrypt(sealed)).rejects.toThrow();
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('00') ? '11' : '00');
    await expect(cipher.decrypt(tampered)).rejects.toThrow();
  });

  it('never uses an IV twice, across refills of its random pool, and each field still opens', async () => {
    const cipher = await createFieldCipher(generateDataKey(), primitives);
    const sealed = await Promise.all(Array.from({ length: 1_000 }, (_, i) => cipher.encrypt(`campo ${i}`)));
    const ivs = sealed.map((field) => field.split(':')[1]);
    expect(new Set(ivs).size).toBe(1_000);
    expect(ivs.every((iv) => /^[0-9a-f]{24}$/.test(iv) && iv !== '0'.repeat(24))).toBe(true);
    expect(await cipher.decrypt(sealed[999])).toBe('campo 999');
  });

  it("reads what Web Crypto's AES-GCM wrote under the same key, and writes what it reads (stored fields stay readable)", async () => {
    const keyHex = generateDataKey();
    const cipher = await createFieldCipher(keyHex, primitives);
    const key = await crypto.subtle.importKey('raw', fromHex(keyHex), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const text = 'Señora de 34 años, colonia Escalón: ¿quién me ayuda? 🙏';
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const byWebCrypto = `v1:${toHex(iv)}:${toHex(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(text)))}`;
    expect(await cipher.decrypt(byWebCrypto)).toBe(text);
    const [, ourIv, sealed] = (await cipher.encrypt(text)).split(':');
    const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromHex(ourIv) }, key, fromHex(sealed));
    expect(new TextDecoder().decode(opened)).toBe(text);
  });

  it('read what the other set of primitives wrote, both ways (a Worker and a Node server share one database)', async () => {
    const keyHex = generateDataKey();
    const ours = await createFieldCipher(keyHex, primitives);
    const theirs = await createFieldCipher(keyHex, primitives === nativePrimitives ? purePrimitives : nativePrimitives);
    for (const text of ['', 'a', 'Señora de 34 años: ¿quién me ayuda? 🙏'.repeat(40)]) {
      expect(await theirs.decrypt(await ours.encrypt(text))).toBe(text);
      expect(await ours.decrypt(await theirs.encrypt(text))).toBe(text);
    }
    await expect(ours.decrypt('v1:00:00')).rejects.toThrow();
  });

  it('refuses a malformed DATA_KEY, naming the variable', async () => {
    await expect(createFieldCipher('corta')).rejects.toThrow(/DATA_KEY/);
  });
});
