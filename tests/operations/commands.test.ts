import { execFile } from 'node:child_process';
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupStatus } from '../../store/operations/job-runs.ts';
import { fileReport } from '../fixtures/reports.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
let t: TestStore;

/** `npm run db:backup|db:restore -- …` as npm runs it, against the test store. */
async function command(script: 'db-backup' | 'db-restore', ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/run.mjs', `scripts/${script}.node.ts`, ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: t.url, DATA_KEY: '' },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  t = await createTestStore('fixture');
  await fileReport(t, 'complaint');
});
afterAll(() => t.cleanup());

describe('npm run db:backup and db:restore', () => {
  it('backs up beside a running store, in Spanish, never writing the key into the copy, and records the attempt', async () => {
    const file = join(t.dir, 'copia.db');
    const backup = await command('db-backup', file);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(`Copia de seguridad lista: ${file}`);
    expect(backup.stdout).toContain('La DATA_KEY no va en la copia');
    const key = readFileSync(`${t.url.slice('file:'.length)}.key`, 'utf8').trim();
    expect(readFileSync(file).includes(Buffer.from(key))).toBe(false);
    expect(readFileSync(`${file}.manifest.json`, 'utf8')).not.toContain(key);
    expect((await backupStatus(t.store.db)).lastOk).toMatchObject({ file: 'copia.db', origin: 'command' });

    const again = await command('db-backup', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('una copia nunca se sobrescribe');
  });

  it('refuses a truncated copy with exit 1 and a clear message, and refuses to swap under the open store', async () => {
    const file = join(t.dir, 'copia-2.db');
    expect((await command('db-backup', file)).code).toBe(0);
    const open = await command('db-restore', file);
    expect(open.code).toBe(1);
    expect(open.stderr).toContain('detenga el portal');
    truncateSync(file, 4096);
    const truncated = await command('db-restore', file);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain('La copia está incompleta o dañada');
    expect(existsSync(`${t.url.slice('file:'.length)}.antes-`)).toBe(false);
  });
});
