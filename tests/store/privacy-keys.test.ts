import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import { consoleLog } from '../../api/errors.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { clientSubnet } from '../../store/client-address.ts';
import { openStore } from '../../store/db.ts';
import { authenticate, createPerson } from '../../store/people/people.ts';
import { hashIterations, hashPassword, PBKDF2_ITERATIONS } from '../../store/people/passwords.ts';
import { createRateLimiter } from '../../store/rate-limits.ts';
import { createTestStore, TEST_NOW, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
beforeAll(async () => {
  t = await createTestStore('fixture');
});
afterAll(() => t.cleanup());

function feedbackFrom(address: string) {
  const api = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, remoteAddress: () => address });
  return api.request('/api/procedures/prueba-emision-dui/feedback', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'want_online' }),
  });
}

/** Every value in the database that could be a 256-bit key written as hex. */
async function hexValuesInDatabase(): Promise<string[]> {
  const tables = (
    await t.store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'procedure_search%'")
  ).rows.map((row) => String(row.name));
  const found = new Set<string>();
  for (const table of tables) {
    const rows = await t.store.db.execute(`SELECT * FROM "${table}"`);
    for (const row of rows.rows) for (const value of Object.values(row)) if (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)) found.add(value);
  }
  return [...found];
}

describe('client hashes', () => {
  it('keep no key in the database: one «quiero en línea» per client cannot be traced back to an address', async () => {
    expect((await feedbackFrom('192.0.2.77')).status).toBe(201);
    const stored = String((await t.store.db.execute('SELECT client FROM feedback_once')).rows[0].client);
    expect((await t.store.db.execute("SELECT count(*) AS n FROM sqlite_master WHERE name = 'app_secrets'")).rows[0].n).toBe(0);
    // The attack that used to work: take a key from the database and try every address of a /24.
    const day = TEST_NOW.slice(0, 10);
    for (const key of await hexValuesInDatabase()) {
      for (let last = 0; last < 256; last++) {
        const address = `192.0.2.${last}`;
        for (const text of [`${day}|${address}`, `feedback\n${address}`]) {
          expect(createHmac('sha256', Buffer.from(key, 'hex')).update(text).digest('hex').slice(0, 32)).not.toBe(stored);
        }
      }
    }
    // The same address and day give the same hash (the count stays honest), another day another one.
    expect(await t.store.keys.clientHash('feedback\n192.0.2.77', day)).toBe(stored);
    expect(await t.store.keys.clientHash('feedback\n192.0.2.77', '2026-11-21')).not.toBe(stored);
  });

  it('count one IPv6 subscriber by its /64, so rotating addresses inside it does not count twice', async () => {
    expect(clientSubnet('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientSubnet('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientSubnet('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientSubnet('192.0.2.1')).toBe('192.0.2.1');
    expect((await feedbackFrom('2001:db8:5:6::1')).status).toBe(201);
    const second = (await (await feedbackFrom('2001:db8:5:6:dead:beef:0:1')).json()) as { counted: boolean };
    expect(second.counted).toBe(false);
    const otherHome = (await (await feedbackFrom('2001:db8:5:7::1')).json()) as { counted: boolean };
    expect(otherHome.counted).toBe(true);
  });
});

describe('rate limits kept in the store', () => {
  it('are shared by two processes on one database and survive a restart', async () => {
    const rule = { bucket: 'prueba', limit: 3, windowMs: 60_000 };
    const dataKey = (await import('node:fs')).readFileSync(`${t.url.slice('file:'.length)}.key`, 'utf8').trim();
    const other = await openStore({ url: t.url, dataKey, clock: t.clock });
    try {
      const here = createRateLimiter(t.store, rule);
      const there = createRateLimiter(other, rule);
      expect(await here.allow('198.51.100.1')).toBe(true);
      expect(await there.allow('198.51.100.1')).toBe(true);
      expect(await here.allow('198.51.100.1')).toBe(true);
      expect(await there.allow('198.51.100.1')).toBe(false);
    } finally {
      other.close();
    }
    const restarted = await openStore({ url: t.url, dataKey, clock: t.clock });
    try {
      expect(await createRateLimiter(restarted, rule).exhausted('198.51.100.1')).toBe(true);
      t.clock.advance(60_000);
      expect(await createRateLimiter(restarted, rule).allow('198.51.100.1')).toBe(true);
    } finally {
      t.clock.advance(-60_000);
      restarted.close();
    }
  });

  it('store no address: the client column is a keyed hash', async () => {
    await feedbackFrom('203.0.113.45');
    const rows = await t.store.db.execute('SELECT client FROM rate_limits');
    expect(rows.rows.length).toBeGreaterThan(0);
    for (const row of rows.rows) expect(String(row.client)).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(rows.rows)).not.toContain('203.0.113');
  });
});

describe('passwords', () => {
  it('use an iteration count Workers accept, kept with each hash, and are rehashed with it at sign-in', async () => {
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
    const { person, oneTimePassword } = await createPerson(t.store, { email: 'antigua@portal.test', role: 'admin' }, null, { iterations: 1000 });
    const old = await hashPassword(oneTimePassword, 600_000);
    await t.store.batch([{ sql: 'UPDATE people SET password_hash = ? WHERE id = ?', args: [old, person.id] }]);
    expect(await authenticate(t.store, 'antigua@portal.test', oneTimePassword)).not.toBeNull();
    const stored = String((await t.store.db.execute({ sql: 'SELECT password_hash FROM people WHERE id = ?', args: [person.id] })).rows[0].password_hash);
    expect(hashIterations(stored)).toBe(PBKDF2_ITERATIONS);
    expect(await authenticate(t.store, 'antigua@portal.test', oneTimePassword)).not.toBeNull();
    expect(await authenticate(t.store, 'antigua@portal.test', 'otra-cosa-cualquiera')).toBeNull();
  });
});
