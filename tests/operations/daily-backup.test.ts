import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDailyBackup } from '../../store/operations/daily-backup.node.ts';
import { backupStatus } from '../../store/operations/job-runs.ts';
import { manifestPathOf } from '../../store/operations/manifest.ts';
import { backupsToKeep, dayOfBackupName, weekOf } from '../../store/operations/retention.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

/** `count` consecutive days ending on `last` (YYYY-MM-DD), newest first. */
function daysBack(last: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => new Date(Date.parse(`${last}T00:00:00Z`) - i * 86_400_000).toISOString().slice(0, 10));
}

describe('retention of daily backups', () => {
  it('keeps the last 7 days and the newest copy of each of the 4 weeks before them', () => {
    // 2026-11-20 is a Friday; 60 days of daily copies.
    const { keep, remove } = backupsToKeep(daysBack('2026-11-20', 60));
    expect(keep.slice(0, 7)).toEqual(daysBack('2026-11-20', 7));
    // The daily copies reach back to Saturday 14th (week of Monday 9th): the weekly ones are the
    // Sundays that end the four weeks before it.
    expect(keep.slice(7)).toEqual(['2026-11-08', '2026-11-01', '2026-10-25', '2026-10-18']);
    expect(keep.length + remove.length).toBe(60);
    expect(keep.slice(7).map(weekOf)).toEqual(['2026-11-02', '2026-10-26', '2026-10-19', '2026-10-12']);
  });

  it('keeps everything while there are fewer copies than the policy holds, and takes the newest of a week with gaps', () => {
    expect(backupsToKeep(['2026-11-20', '2026-11-19']).remove).toEqual([]);
    const sparse = ['2026-11-20', '2026-11-02', '2026-11-04', '2026-10-01'];
    expect(backupsToKeep(sparse, { daily: 1, weekly: 1 }).keep).toEqual(['2026-11-20', '2026-11-04']);
  });

  it('reads only the daily backup names it writes', () => {
    expect(dayOfBackupName('portal-2026-11-20.db')).toBe('2026-11-20');
    expect(dayOfBackupName('portal-2026-11-20.db.manifest.json')).toBeNull();
    expect(dayOfBackupName('otra-cosa.db')).toBeNull();
  });
});

describe('the scheduled daily backup', () => {
  let t: TestStore;
  let backupDir: string;
  beforeEach(async () => {
    t = await createTestStore('fixture');
    backupDir = join(t.dir, 'respaldos');
  });
  afterEach(() => t.cleanup());
  const run = () => runDailyBackup({ store: t.store, databasePath: t.url.slice('file:'.length), backupDir });

  it("takes today's copy once (El Salvador's day), records it for health and metrics, and prunes past 7 daily and 4 weekly copies", async () => {
    mkdirSync(backupDir);
    // Copies of the 40 days before (only their names matter to the retention).
    for (const day of daysBack('2026-11-19', 40)) {
      writeFileSync(join(backupDir, `portal-${day}.db`), 'x');
      writeFileSync(join(backupDir, `portal-${day}.db.manifest.json`), '{}');
    }
    writeFileSync(join(backupDir, 'notas.txt'), 'un archivo de la persona que opera: no se toca');
    const first = await run();
    expect(first.taken).toBe(join(backupDir, 'portal-2026-11-20.db'));
    expect(existsSync(manifestPathOf(first.taken!))).toBe(true);
    const left = readdirSync(backupDir).filter((name) => name.endsWith('.db'));
    expect(left.length).toBe(11);
    expect(readdirSync(backupDir)).toContain('notas.txt');
    expect(readdirSync(backupDir).filter((name) => name.endsWith('.manifest.json')).length).toBe(11);

    const again = await run();
    expect(again).toEqual({ taken: null, removed: [] });
    const status = await backupStatus(t.store.db);
    expect(status.lastOk).toMatchObject({ finishedAt: '2026-11-20T15:00:00.000Z', file: 'portal-2026-11-20.db', origin: 'scheduled' });
    expect(status.lastAttempt?.ok).toBe(true);
  });

  it('records a failed attempt (the kind of error only) and throws, so the job run fails too', async () => {
    writeFileSync(join(t.dir, 'respaldos'), 'un archivo donde debía ir la carpeta');
    await expect(run()).rejects.toThrow();
    const status = await backupStatus(t.store.db);
    expect(status.lastOk).toBeNull();
    // mkdir fails before any attempt is recorded; a failing copy is recorded:
    backupDir = join(t.dir, 'respaldos-2');
    mkdirSync(backupDir);
    const failing = runDailyBackup({ store: t.store, databasePath: join(t.dir, 'no-existe.db'), backupDir });
    await expect(failing).rejects.toThrow();
    const after = await backupStatus(t.store.db);
    expect(after.lastAttempt).toEqual({ finishedAt: '2026-11-20T15:00:00.000Z', ok: false, error: 'missing' });
  });
});
