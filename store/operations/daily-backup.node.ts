// The scheduled daily backup (Node, local file store): today's copy into BACKUP_DIR unless it is
// there already, then the retention of 7 daily and 4 weekly copies. Each attempt, good or bad, is
// recorded in `backups`, which /api/health and /metrics read.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isoNow, today } from '../clock.ts';
import type { Store } from '../db.ts';
import { takeBackupOffThread } from './backup.node.ts';
import { errorKind, recordBackup } from './job-runs.ts';
import { manifestPathOf } from './manifest.ts';
import { BACKUP_RETENTION, backupsToKeep, dailyBackupName, dayOfBackupName } from './retention.ts';

export interface DailyBackupResult {
  /** The copy taken now, or null when today's was already there. */
  taken: string | null;
  removed: string[];
}

/**
 * One run of the daily backup. The day is El Salvador's (the store's clock), so the copy of
 * «20 de noviembre» is the one taken that day there.
 *
 * @example await runDailyBackup({ store, databasePath: 'data/portal.db', backupDir: '/var/respaldos/portal' })
 */
export async function runDailyBackup(deps: { store: Store; databasePath: string; backupDir: string }): Promise<DailyBackupResult> {
  mkdirSync(deps.backupDir, { recursive: true });
  const day = today(deps.store.clock);
  const file = join(deps.backupDir, dailyBackupName(day));
  let taken: string | null = null;
  // A copy without its manifest is one a crash interrupted: it is taken again.
  if (existsSync(file) && !existsSync(manifestPathOf(file))) rmSync(file, { force: true });
  if (!existsSync(file)) {
    const startedAt = isoNow(deps.store.clock);
    try {
      const manifest = await takeBackupOffThread({ databasePath: deps.databasePath, file, createdAt: startedAt });
      await recordBackup(deps.store, {
        origin: 'scheduled',
        ok: true,
        startedAt,
        finishedAt: isoNow(deps.store.clock),
        file: manifest.file,
        bytes: manifest.bytes,
        sha256: manifest.sha256,
        schemaVersion: manifest.schema_version,
      });
      taken = file;
    } catch (error) {
      await recordBackup(deps.store, { origin: 'scheduled', ok: false, startedAt, finishedAt: isoNow(deps.store.clock), errorKind: errorKind(error) }).catch(
        () => undefined,
      );
      throw error;
    }
  }
  const days = readdirSync(deps.backupDir)
    .map((name) => dayOfBackupName(name))
    .filter((found): found is string => found !== null);
  const { remove } = backupsToKeep(days, BACKUP_RETENTION);
  const removed: string[] = [];
  for (const old of remove) {
    const path = join(deps.backupDir, dailyBackupName(old));
    rmSync(path, { force: true });
    rmSync(manifestPathOf(path), { force: true });
    removed.push(path);
  }
  return { taken, removed };
}
