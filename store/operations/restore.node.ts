// Restores a backup made by backup.node.ts into the store a `file:` DATABASE_URL names:
// verify the copy (manifest, size, SHA-256, schema version), restore it into a NEW file beside
// the store, check that file (PRAGMA integrity_check, migrations, the audit chain under this
// portal's DATA_KEY, the manifest's counts), and only then swap it in. The store it replaces is
// kept beside it (`….antes-<fecha>`). A copy that fails any check changes nothing.
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'libsql';
import type { Clock } from '../clock.ts';
import { openStore } from '../db.ts';
import { verifyAuditChain } from '../audit/audit.ts';
import { createLocalClient } from '../libsql-local.node.ts';
import { nativePrimitives } from '../native-crypto.node.ts';
import { migrate } from '../migrate.ts';
import { loadMigrations } from '../migrations.node.ts';
import { SCHEMA_VERSION } from '../schema-version.ts';
import { BackupError, describeDatabase, localDatabasePath, sha256OfFile } from './backup.node.ts';
import { manifestPathOf, manifestSchema, type BackupManifest } from './manifest.ts';

/**
 * Checks a backup file against its manifest without opening it as a store: present, whole (size
 * and SHA-256), and not from a newer schema than this code knows. Throws a BackupError whose
 * message says, in Spanish, what is wrong and what to do.
 */
export async function verifyBackupFile(file: string): Promise<BackupManifest> {
  if (!existsSync(file)) throw new BackupError('missing', `No existe el archivo ${file}.`);
  const manifestPath = manifestPathOf(file);
  if (!existsSync(manifestPath)) {
    throw new BackupError(
      'no_manifest',
      `Falta el manifiesto ${manifestPath}: sin él no se puede comprobar que la copia esté completa. Restaure solo copias hechas con npm run db:backup, con su manifiesto al lado.`,
    );
  }
  let manifest: BackupManifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(readFileSync(manifestPath, 'utf8')));
  } catch {
    throw new BackupError('bad_manifest', `El manifiesto ${manifestPath} está dañado o no es de una copia de este portal.`);
  }
  const bytes = statSync(file).size;
  if (bytes !== manifest.bytes) {
    throw new BackupError(
      'truncated',
      `La copia está incompleta o dañada: mide ${bytes} bytes y su manifiesto dice ${manifest.bytes}. No se restauró nada; use otra copia.`,
    );
  }
  if ((await sha256OfFile(file)) !== manifest.sha256) {
    throw new BackupError('corrupt', 'La copia está dañada: su huella SHA-256 no coincide con la de su manifiesto. No se restauró nada; use otra copia.');
  }
  if (manifest.schema_version > SCHEMA_VERSION) {
    throw new BackupError(
      'newer_schema',
      `La copia es de una versión más nueva del portal (esquema ${manifest.schema_version}; este código llega al ${SCHEMA_VERSION}). Restáurela con la versión del portal que la hizo.`,
    );
  }
  return manifest;
}

/** A stamp for file names: `2026-11-20T150000Z`. */
function stamp(clock: Clock): string {
  return clock
    .now()
    .toISOString()
    .replace(/[:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Refuses when another process (a running server) has the store open: the swap would go unseen by it. */
function assertNotInUse(path: string): void {
  const db = new Database(path, { fileMustExist: true, timeout: 200 });
  try {
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    // Fold the WAL into the file, so the store set aside is whole on its own.
    db.exec('COMMIT');
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  } catch {
    throw new BackupError(
      'in_use',
      `La base de datos ${path} está abierta por otro proceso: detenga el portal (y todo comando que la use) antes de restaurar.`,
    );
  } finally {
    db.close();
  }
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** The restored store's file. */
  path: string;
  /** Where the store it replaced was kept, if there was one. */
  previous: string | null;
  /** Migrations applied to bring an older copy up to this code. */
  migrationsApplied: string[];
  auditRecords: number;
}

/**
 * Restores `file` into the local store at `databaseUrl`, checked end to end before the swap.
 *
 * @example await restoreBackup({ file: '/respaldos/portal-2026-11-20.db', databaseUrl: 'file:data/portal.db', dataKey, clock: systemClock })
 */
export async function restoreBackup(options: { file: string; databaseUrl: string; dataKey: string; clock: Clock }): Promise<RestoreResult> {
  const target = localDatabasePath(options.databaseUrl);
  if (!target) {
    throw new BackupError(
      'remote',
      'DATABASE_URL no es un archivo local: con Turso use su restauración a un punto en el tiempo (turso db create NUEVA --from-db BASE --timestamp …); con sqld, restaure con las herramientas del servidor.',
    );
  }
  const manifest = await verifyBackupFile(options.file);
  const staging = `${target}.restaurando-${stamp(options.clock)}`;
  const cleanStaging = () => ['', '-wal', '-shm', '-journal'].forEach((suffix) => rmSync(`${staging}${suffix}`, { force: true }));
  cleanStaging();
  copyFileSync(options.file, staging);
  try {
    let problems: string[];
    try {
      const raw = new Database(staging, { fileMustExist: true });
      try {
        problems = (raw.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]).map((row) => row.integrity_check);
      } finally {
        raw.close();
      }
    } catch (error) {
      // A file cut short often cannot even be read as a database.
      problems = [error instanceof Error ? error.message : String(error)];
    }
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new BackupError('integrity', `La copia no pasa la verificación de integridad de SQLite (${problems.slice(0, 3).join('; ')}). No se restauró nada.`);
    }
    let described: ReturnType<typeof describeDatabase>;
    try {
      described = describeDatabase(staging);
    } catch {
      throw new BackupError('integrity', 'La copia no se puede leer como base de datos del portal. No se restauró nada.');
    }
    if (described.schema_version !== manifest.schema_version || JSON.stringify(described.tables) !== JSON.stringify(manifest.tables)) {
      throw new BackupError('manifest_mismatch', 'La copia no contiene lo que dice su manifiesto (versión o filas por tabla). No se restauró nada.');
    }
    const store = await openStore({
      url: `file:${staging}`,
      dataKey: options.dataKey,
      clock: options.clock,
      connect: createLocalClient,
      primitives: nativePrimitives,
    });
    let migrationsApplied: string[];
    let auditRecords: number;
    try {
      migrationsApplied = await migrate(store, loadMigrations());
      const chain = await verifyAuditChain(store);
      if (!chain.ok) {
        const where = chain.firstBad ? `registro ${chain.firstBad.id}: ${chain.firstBad.reason}` : chain.problem;
        throw new BackupError(
          'audit',
          `El registro de auditoría de la copia no verifica (${where}). Si la copia es buena, la DATA_KEY no es la de este portal: use la que se guardó aparte. No se restauró nada.`,
        );
      }
      if (manifest.audit && (chain.checked !== manifest.audit.count || chain.head?.hash !== manifest.audit.head_hash)) {
        throw new BackupError('audit', 'El registro de auditoría de la copia no termina donde dice su manifiesto. No se restauró nada.');
      }
      auditRecords = chain.checked;
    } finally {
      store.close();
    }
    // The checked file, copied once more into a single file with no WAL beside it (the server sets
    // WAL again at start): the swap below then moves one file. A copy, not a journal-mode change,
    // because the connection just closed may linger until its statements are collected.
    const restored = `${target}.restaurada-${stamp(options.clock)}`;
    rmSync(restored, { force: true });
    const reader = new Database(staging, { fileMustExist: true });
    try {
      reader.prepare('VACUUM INTO ?').run(restored);
    } finally {
      reader.close();
    }
    cleanStaging();
    let previous: string | null = null;
    if (existsSync(target)) {
      assertNotInUse(target);
      previous = `${target}.antes-${stamp(options.clock)}`;
      renameSync(target, previous);
      for (const suffix of ['-wal', '-shm']) if (existsSync(`${target}${suffix}`)) renameSync(`${target}${suffix}`, `${previous}${suffix}`);
    }
    renameSync(restored, target);
    return { manifest, path: target, previous, migrationsApplied, auditRecords };
  } catch (error) {
    cleanStaging();
    rmSync(`${target}.restaurada-${stamp(options.clock)}`, { force: true });
    throw error;
  }
}
