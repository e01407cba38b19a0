// Online backups of a local libSQL file: `VACUUM INTO` a new file, then a manifest beside it.
//
// Why VACUUM INTO: it reads the database inside one read transaction, so the copy is one
// consistent snapshot (every write committed before it started, none half-applied, the audit log
// and its signed checkpoint from the same instant), and in WAL mode a reader never blocks the
// writers: the server keeps writing while the copy is taken. Copying the file with `cp` would not
// be consistent (the WAL holds recent commits, and pages change during the copy).
//
// Node only (files, hashes). The native driver runs synchronously, so the server takes its daily
// copy on a worker thread (`takeBackupOffThread`); the command runs in its own process.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, fsyncSync, openSync, closeSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'libsql';
import { manifestPathOf, type BackupManifest } from './manifest.ts';

/** The file a `file:` DATABASE_URL names; null for remote stores and `:memory:`. */
export function localDatabasePath(url: string): string | null {
  if (!url.startsWith('file:') || url.includes(':memory:')) return null;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url.slice('file:'.length);
  return path.split('?')[0];
}

/** SHA-256 of a file, streamed (a 1 GB store is never held in memory). */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * What a copy holds: its schema version, rows per table (ordinary tables; the FTS5 index's shadow
 * tables are rebuilt data and left out) and the audit log's signed head.
 */
export function describeDatabase(path: string): Pick<BackupManifest, 'schema_version' | 'tables' | 'audit'> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const all = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
      name: string;
      sql: string | null;
    }[];
    const virtual = all.filter((table) => /^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(table.sql ?? '')).map((table) => table.name);
    const ordinary = all.filter((table) => !virtual.includes(table.name) && !virtual.some((name) => table.name.startsWith(`${name}_`)));
    const tables: Record<string, number> = {};
    for (const { name } of ordinary) {
      const row = db.prepare(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`).get() as { n: number | bigint };
      tables[name] = Number(row.n);
    }
    const version =
      tables.schema_migrations === undefined
        ? 0
        : Number((db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as { v: number }).v);
    const head =
      tables.audit_checkpoint === undefined
        ? undefined
        : (db.prepare('SELECT head_id, head_hash, count FROM audit_checkpoint WHERE id = 1').get() as
            { head_id: number; head_hash: string; count: number } | undefined);
    return {
      schema_version: version,
      tables,
      audit: head ? { head_id: Number(head.head_id), head_hash: String(head.head_hash), count: Number(head.count) } : null,
    };
  } finally {
    db.close();
  }
}

export interface BackupOptions {
  /** The live database file. */
  databasePath: string;
  /** Where the copy goes; its manifest goes to `FILE.manifest.json`. Refused if it exists. */
  file: string;
  /** The snapshot's time, from the injected clock (ISO 8601). */
  createdAt: string;
}

/**
 * Takes a consistent copy of the live store while it keeps serving and writing, then writes its
 * manifest. The copy appears under its name only once complete and synced (written as
 * `FILE.partial` first), so a crash never leaves a half copy that looks whole. Never copies
 * DATA_KEY or its key file.
 *
 * @example const manifest = await takeBackup({ databasePath: 'data/portal.db', file: '/respaldos/portal.db', createdAt: isoNow(clock) })
 */
export async function takeBackup(options: BackupOptions): Promise<BackupManifest> {
  if (existsSync(options.file)) throw new BackupError('exists', `Ya existe ${options.file}: elija otro nombre (una copia nunca se sobrescribe).`);
  if (!existsSync(options.databasePath)) throw new BackupError('missing', `No existe la base de datos ${options.databasePath}.`);
  const partial = `${options.file}.partial`;
  rmSync(partial, { force: true });
  try {
    const source = new Database(options.databasePath, { fileMustExist: true, timeout: 5_000 });
    try {
      source.prepare('VACUUM INTO ?').run(partial);
    } finally {
      source.close();
    }
    fsyncFile(partial);
    const described = describeDatabase(partial);
    const sha256 = await sha256OfFile(partial);
    const bytes = statSync(partial).size;
    renameSync(partial, options.file);
    const manifest: BackupManifest = {
      format: 'portal-tramites-backup/1',
      created_at: options.createdAt,
      file: basename(options.file),
      bytes,
      sha256,
      ...described,
    };
    const manifestPath = manifestPathOf(options.file);
    writeFileSync(`${manifestPath}.partial`, `${JSON.stringify(manifest, null, 2)}\n`);
    fsyncFile(`${manifestPath}.partial`);
    renameSync(`${manifestPath}.partial`, manifestPath);
    return manifest;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/** A backup or restore refused for a reason a person can act on; `message` is Spanish. */
export class BackupError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'BackupError';
  }
}

/**
 * `takeBackup` on a worker thread: the server's event loop keeps answering requests while the
 * native driver copies (synchronously) on another thread.
 */
export function takeBackupOffThread(options: BackupOptions): Promise<BackupManifest> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./backup-thread.node.ts', import.meta.url), { workerData: options });
    let settled = false;
    type Outcome = { ok: true; manifest: BackupManifest } | { ok: false; code?: string; systemCode?: unknown; name: string; message: string };
    worker.once('message', (message: Outcome) => {
      settled = true;
      if (message.ok) resolve(message.manifest);
      else if (message.code) reject(new BackupError(message.code, message.message));
      else reject(Object.assign(new Error(message.message), { name: message.name, code: message.systemCode }));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`backup thread exited with code ${code}`));
    });
  });
}
