// npm run db:restore -- FILE — restores a copy made by db:backup into the local store DATABASE_URL
// names. Refuses a damaged, truncated or newer-schema copy; restores into a new file, runs
// PRAGMA integrity_check, the migrations and the audit chain check (audit:verify) under this
// portal's DATA_KEY, then swaps it in and keeps the previous store beside it. Stop the server first.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig } from '../api/config.ts';
import { systemClock } from '../store/clock.ts';
import { BackupError, localDatabasePath } from '../store/operations/backup.node.ts';
import { restoreBackup } from '../store/operations/restore.node.ts';
import { defaultDatabaseUrl, resolveDataKey } from '../store/seed.node.ts';

const source = process.argv[2];
if (!source || source.startsWith('-')) {
  console.error('Indique el archivo de la copia: npm run db:restore -- /ruta/respaldo.db');
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
const path = localDatabasePath(url);
// The key is never in the copy: it must come from DATA_KEY or the key file kept beside the store.
// A new key generated here would make every encrypted field unreadable, so none is.
if (path && !config.DATA_KEY && !existsSync(`${path}.key`)) {
  console.error(
    `Falta la DATA_KEY de este portal: defínala (DATA_KEY=…) o ponga su archivo en ${path}.key. La copia no la contiene; es la que se guardó aparte.`,
  );
  process.exit(1);
}
try {
  const dataKey = resolveDataKey(url, { DATA_KEY: config.DATA_KEY, NODE_ENV: process.env.NODE_ENV });
  const result = await restoreBackup({ file: resolve(source), databaseUrl: url, dataKey, clock: systemClock });
  console.log(
    `Copia verificada: integridad de SQLite correcta, ${result.auditRecords} registros de auditoría íntegros, esquema ${result.manifest.schema_version}.`,
  );
  if (result.migrationsApplied.length > 0) console.log(`Migraciones aplicadas a la copia: ${result.migrationsApplied.join(', ')}.`);
  console.log(`Base de datos restaurada en ${result.path} (copia del ${result.manifest.created_at}).`);
  if (result.previous) console.log(`La base anterior quedó en ${result.previous}: bórrela cuando ya no la necesite.`);
} catch (error) {
  console.error(error instanceof BackupError ? `No se restauró: ${error.message}` : `No se pudo restaurar: ${(error as Error).message}`);
  process.exitCode = 1;
}
