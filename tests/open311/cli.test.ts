import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import { consoleLog } from '../../api/errors.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { readOpen311Client } from '../../store/reports/open311.ts';
import { openConfiguredStore } from '../../store/seed.node.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
let dir: string;
let env: NodeJS.ProcessEnv;

/** Runs `node bin/run.mjs scripts/open311-key.node.ts …` as `npm run open311:key -- …` would. */
async function open311Key(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/run.mjs', 'scripts/open311-key.node.ts', ...args], { cwd: root, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portal-open311-cli-'));
  env = { ...process.env, DATABASE_URL: `file:${join(dir, 'cli.db')}` };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('open311:key', () => {
  it('prints a working api_key alone on the last line; --revoke ends it', async () => {
    const issued = await open311Key('--name', 'App ciudadana de San Miguel');
    expect(issued.code, issued.stderr).toBe(0);
    const lines = issued.stdout.trim().split('\n');
    expect(lines[0]).toContain('App ciudadana de San Miguel');
    const apiKey = lines.at(-1) ?? '';
    expect(apiKey).toMatch(/^o311_[A-Za-z0-9_-]{43}$/);

    const listed = await open311Key('--list');
    expect(listed.stdout).toMatch(/^1\t.+\tactiva\tApp ciudadana de San Miguel$/m);

    const store = await openConfiguredStore({ DATABASE_URL: env.DATABASE_URL });
    try {
      expect(await readOpen311Client(store.db, apiKey)).toEqual({ id: 1, name: 'App ciudadana de San Miguel' });
      // The key works: the API takes a service request with it.
      const api = createApi({ store, search: createEmbeddedSearch(store.db), log: consoleLog });
      const posted = await api.request('http://portal.test/open311/v2/requests.json', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          api_key: apiKey,
          service_code: 'complaint',
          address_id: '12',
          description: 'No me atendieron en la oficina de San Miguel.',
        }),
      });
      expect(posted.status, await posted.clone().text()).toBe(200);
      expect((await open311Key('--revoke', '1')).code).toBe(0);
      expect(await readOpen311Client(store.db, apiKey)).toBeNull();
    } finally {
      store.close();
    }
  });

  it('explains a bad name or missing arguments in Spanish and exits 1', async () => {
    const short = await open311Key('--name', 'x');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/de 3 a 120 caracteres/);
    const none = await open311Key();
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/Uso: npm run open311:key/);
  });
});
