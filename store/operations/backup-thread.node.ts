// The worker thread of `takeBackupOffThread` (backup.node.ts): one backup, its result posted back.
import { parentPort, workerData } from 'node:worker_threads';
import { BackupError, takeBackup, type BackupOptions } from './backup.node.ts';

try {
  const manifest = await takeBackup(workerData as BackupOptions);
  parentPort!.postMessage({ ok: true, manifest });
} catch (error) {
  const failure = error instanceof Error ? error : new Error(String(error));
  parentPort!.postMessage({
    ok: false,
    code: error instanceof BackupError ? error.code : undefined,
    systemCode: (failure as { code?: unknown }).code,
    name: failure.name,
    message: failure.message,
  });
}
