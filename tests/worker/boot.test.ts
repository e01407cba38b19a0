// worker.ts's start-up rules, run on Node against a libSQL file served over HTTP: what it refuses
// to serve (and says so), and that it starts once the store is migrated. The same module runs in
// workerd in worker.test.ts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateDataKey } from '../../store/field-cipher.ts';
import { startLibsqlHttpServer } from '../../scripts/libsql-http.node.ts';

const root = new URL('../..', import.meta.url).pathname;
let dir: string;
let libsql: Awaited<ReturnType<typeof startLibsqlHttpServer>>;
const dataKey = generateDataKey();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portal-worker-boot-'));
  libsql = await startLibsqlHttpServer({ path: join(dir, 'vacia.db') });
});
afterAll(async () => {
  await libsql?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined, props: {} };

/** A fresh copy of worker.ts (its portal is made once per isolate, as on Workers). */
async function freshWorker() {
  vi.resetModules();
  return (await import('../../worker.ts')).default;
}

async function health(worker: Awaited<ReturnType<typeof freshWorker>>, env: Record<string, string>) {
  const response = await worker.fetch(new Request('https://tramites.example.gob.sv/api/health'), env, ctx);
  return { status: response.status, body: (await response.json()) as { error?: { message: string }; status?: string } };
}

/** `npm run db:migrate` against `env`, asynchronously: the libSQL server it talks to runs in this process. */
async function migrate(env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(root, 'bin/run.mjs'), 'scripts/db-migrate.node.ts'], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { status: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('the Worker at start', () => {
  it('answers 503, naming what to set, without DATABASE_URL or DATA_KEY, or with Telegram but no webhook', async () => {
    const worker = await freshWorker();
    expect(await health(worker, {})).toMatchObject({ status: 503, body: { error: { message: expect.stringMatching(/DATABASE_URL/) } } });
    expect(await health(worker, { DATABASE_URL: libsql.url })).toMatchObject({ status: 503, body: { error: { message: expect.stringMatching(/DATA_KEY/) } } });
    expect(
      await health(worker, { DATABASE_URL: libsql.url, DATA_KEY: dataKey, TELEGRAM_BOT_TOKEN: '123456789:AAHbootTOKENbootTOKENbootTOKEN12' }),
    ).toMatchObject({ status: 503, body: { error: { message: expect.stringMatching(/PUBLIC_BASE_URL y TELEGRAM_WEBHOOK_SECRET/) } } });
    const page = await worker.fetch(new Request('https://tramites.example.gob.sv/'), {}, ctx);
    expect(page.status).toBe(503);
    expect(page.headers.get('Content-Type')).toMatch(/text\/plain/);
  });

  it('never migrates at request time: an unmigrated store gets 503 naming npm run db:migrate, and after it runs, the Worker starts', async () => {
    const env = { DATABASE_URL: libsql.url, DATA_KEY: dataKey };
    const worker = await freshWorker();
    const before = await health(worker, env);
    expect(before.status).toBe(503);
    expect(before.body.error?.message).toMatch(/versión 0 .*npm run db:migrate/);

    const first = await migrate(env);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Migraciones aplicadas/);
    expect(first.stdout).toMatch(/Catálogo inicial cargado: \d+ trámites/);
    const again = await migrate(env);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/ya estaba al día/);

    // The same isolate tries again on its next request.
    expect(await health(worker, env)).toMatchObject({ status: 200, body: { status: 'ok' } });
  }, 120_000);

  it('refuses a store migrated past its code', async () => {
    const ahead = join(dir, 'adelantada.db');
    const server = await startLibsqlHttpServer({ path: ahead });
    try {
      const env = { DATABASE_URL: server.url, DATA_KEY: dataKey };
      expect((await migrate(env)).status).toBe(0);
      const { createClient } = await import('@libsql/client/web');
      await createClient({ url: server.url }).execute("INSERT INTO schema_migrations (version, name) VALUES (999, '0999-futura.sql')");
      const worker = await freshWorker();
      const answer = await health(worker, env);
      expect(answer.status).toBe(503);
      expect(answer.body.error?.message).toMatch(/más nueva que este código/);
    } finally {
      await server.close();
    }
  }, 120_000);
});
