// npm run db:backup -- FILE — a consistent online copy of the local store (VACUUM INTO), taken
// while the server runs and writes, with its manifest beside it (FILE.manifest.json: time,
// schema version, rows per table, the audit log's head, SHA-256). DATA_KEY never goes into the
// copy: keep it apart (README, «Operations»). Exit 1 on failure.
import { resolve } from 'node:path';
import { parseConfig } from '../api/config.ts';
import { isoNow, systemClock } from '../store/clock.ts';
import { BackupError, localDatabasePath, takeBackup } from '../store/operations/backup.node.ts';
import { errorKind, recordBackup } from '../store/operations/job-runs.ts';
import { manifestPathOf } from '../store/operations/manifest.ts';
import { defaultDatabaseUrl, openConfiguredStore } from '../store/seed.node.ts';

const target = process.argv[2];
if (!target || target.startsWith('-')) {
  console.error('Indique el archivo de la copia: npm run db:backup -- /ruta/respaldo.db');
  process.exit(1);
}
let config;
try {
  config = parseConfig(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
const url = config.DATABASE_URL ?? defaultDatabaseUrl();
const databasePath = localDatabasePath(url);
if (!databasePath) {
  console.error(
    'DATABASE_URL no es un archivo local. Con Turso las copias son su restauración a un punto en el tiempo (turso db create NUEVA --from-db BASE --timestamp …); con sqld, use las copias del servidor.',
  );
  process.exit(1);
}
const file = resolve(target);
const startedAt = isoNow(systemClock);
try {
  const manifest = await takeBackup({ databasePath, file, createdAt: startedAt });
  console.log(`Copia de seguridad lista: ${file} (${(manifest.bytes / 1_048_576).toFixed(1)} MB, esquema ${manifest.schema_version}).`);
  console.log(`Manifiesto: ${manifestPathOf(file)}`);
  console.log(`SHA-256: ${manifest.sha256}`);
  if (manifest.audit) console.log(`Registro de auditoría: ${manifest.audit.count} registros hasta el número ${manifest.audit.head_id}.`);
  console.log('La DATA_KEY no va en la copia: guárdela aparte; sin ella los datos cifrados no se pueden leer (README, «Operations»).');
  await record({ ok: true, file: manifest.file, bytes: manifest.bytes, sha256: manifest.sha256, schemaVersion: manifest.schema_version });
} catch (error) {
  console.error(error instanceof BackupError ? error.message : `No se pudo hacer la copia: ${(error as Error).message}`);
  await record({ ok: false, errorKind: errorKind(error) });
  process.exitCode = 1;
}

/** The attempt, in the store's `backups` (for /api/health and /metrics); a store that cannot take it changes nothing. */
async function record(outcome: { ok: boolean; file?: string; bytes?: number; sha256?: string; schemaVersion?: number; errorKind?: string }) {
  try {
    const store = await openConfiguredStore(config!);
    try {
      await recordBackup(store, { origin: 'command', startedAt, finishedAt: isoNow(systemClock), ...outcome });
    } finally {
      store.close();
    }
  } catch {
    // An older schema without `backups`, or a store that does not open: the copy stands on its own.
  }
}
