import type { Reader, Store } from '../db.ts';

/**
 * The last run of each scheduled job and every backup, kept in the store so that /api/health and
 * /metrics show them whichever process (or Workers isolate) ran the job. Only names, times,
 * durations and the error's kind are kept: an error's message may quote data, so it stays out.
 */

export interface JobRun {
  job: string;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  /** The error's class or code (`SqliteError`, `SQLITE_FULL`, `ENOSPC`), never its message. */
  errorKind?: string;
}

export interface JobRunRecord {
  job: string;
  lastStatus: 'ok' | 'failed';
  lastStartedAt: string;
  lastDurationMs: number;
  lastOkAt: string | null;
  lastFailedAt: string | null;
  lastError: string | null;
}

/**
 * The kind of a thrown value, safe to store and log: a driver or system code when there is one,
 * else the class name. Never the message.
 *
 * @example errorKind(Object.assign(new Error('disk full at /x'), { code: 'ENOSPC' })) // 'ENOSPC'
 */
export function errorKind(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code)) return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(name)) return name;
  }
  return typeof error;
}

/** Records a job's run (one row per job, replaced). */
export async function recordJobRun(store: Store, run: JobRun): Promise<void> {
  const finishedAt = new Date(Date.parse(run.startedAt) + run.durationMs).toISOString();
  await store.write((tx) =>
    tx.execute({
      sql: `INSERT INTO job_runs (job, last_status, last_started_at, last_duration_ms, last_ok_at, last_failed_at, last_error)
            VALUES (?1, ?2, ?3, ?4, CASE WHEN ?2 = 'ok' THEN ?5 END, CASE WHEN ?2 = 'failed' THEN ?5 END, ?6)
            ON CONFLICT (job) DO UPDATE SET last_status = excluded.last_status, last_started_at = excluded.last_started_at,
              last_duration_ms = excluded.last_duration_ms,
              last_ok_at = coalesce(excluded.last_ok_at, job_runs.last_ok_at),
              last_failed_at = coalesce(excluded.last_failed_at, job_runs.last_failed_at),
              last_error = excluded.last_error`,
      args: [run.job, run.ok ? 'ok' : 'failed', run.startedAt, Math.round(run.durationMs), finishedAt, run.ok ? null : (run.errorKind ?? 'Error')],
    }),
  );
}

/** Every job's last run, by name. */
export async function listJobRuns(db: Reader): Promise<JobRunRecord[]> {
  const rows = await db.execute('SELECT * FROM job_runs ORDER BY job');
  return rows.rows.map((row) => ({
    job: String(row.job),
    lastStatus: row.last_status === 'ok' ? 'ok' : 'failed',
    lastStartedAt: String(row.last_started_at),
    lastDurationMs: Number(row.last_duration_ms),
    lastOkAt: row.last_ok_at === null ? null : String(row.last_ok_at),
    lastFailedAt: row.last_failed_at === null ? null : String(row.last_failed_at),
    lastError: row.last_error === null ? null : String(row.last_error),
  }));
}

export interface BackupRecord {
  origin: 'scheduled' | 'command';
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  /** The file's name, without its folder. */
  file?: string;
  bytes?: number;
  sha256?: string;
  schemaVersion?: number;
  errorKind?: string;
}

/** Records a backup attempt (after the copy is taken: a copy never holds its own row). */
export async function recordBackup(store: Store, backup: BackupRecord): Promise<void> {
  await store.write((tx) =>
    tx.execute({
      sql: `INSERT INTO backups (origin, status, started_at, finished_at, file, bytes, sha256, schema_version, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        backup.origin,
        backup.ok ? 'ok' : 'failed',
        backup.startedAt,
        backup.finishedAt,
        backup.file ?? null,
        backup.bytes ?? null,
        backup.sha256 ?? null,
        backup.schemaVersion ?? null,
        backup.ok ? null : (backup.errorKind ?? 'Error'),
      ],
    }),
  );
}

export interface BackupStatus {
  lastOk: { finishedAt: string; file: string | null; bytes: number | null; origin: string } | null;
  lastAttempt: { finishedAt: string; ok: boolean; error: string | null } | null;
}

/** The last successful backup and the last attempt, for health and metrics. */
export async function backupStatus(db: Reader): Promise<BackupStatus> {
  const ok = await db.execute("SELECT finished_at, file, bytes, origin FROM backups WHERE status = 'ok' ORDER BY finished_at DESC, id DESC LIMIT 1");
  const last = await db.execute('SELECT finished_at, status, error FROM backups ORDER BY finished_at DESC, id DESC LIMIT 1');
  const okRow = ok.rows[0];
  const lastRow = last.rows[0];
  return {
    lastOk: okRow
      ? {
          finishedAt: String(okRow.finished_at),
          file: okRow.file === null ? null : String(okRow.file),
          bytes: okRow.bytes === null ? null : Number(okRow.bytes),
          origin: String(okRow.origin),
        }
      : null,
    lastAttempt: lastRow
      ? { finishedAt: String(lastRow.finished_at), ok: lastRow.status === 'ok', error: lastRow.error === null ? null : String(lastRow.error) }
      : null,
  };
}
