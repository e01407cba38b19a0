import type { Db, Store } from '../db.ts';

/**
 * The outbox: what must reach another system after a commit (Meilisearch now; SMS, Telegram and
 * email to citizens next). Rows are written inside the transaction of the change they announce,
 * so nothing is announced that did not happen and nothing that happened goes unannounced.
 * Delivery state lives here, apart from the change: pending → sending → sent | failed.
 *
 * A kind says how to deliver safely:
 * - `atMostOnce`: a message to a person. A row found still `sending` after a crash may or may not
 *   have gone out, so it is marked failed for a person to look at, never sent again.
 * - otherwise (search sync): delivery is idempotent, so such a row simply goes back to pending.
 */
export interface OutboxKind {
  kind: string;
  atMostOnce: boolean;
  /** Attempts before a row is given up as failed. */
  maxAttempts: number;
  /** Milliseconds before the n-th retry (n from 0). */
  retryDelayMs(attempts: number): number;
}

export interface OutboxRow {
  id: number;
  kind: string;
  payload: unknown;
  dedupeKey: string | null;
  attempts: number;
}

/** Records, inside the caller's transaction, something to deliver after commit. */
export async function enqueueOutbox(tx: Db, entry: { kind: string; payload: unknown; dedupeKey?: string; at: string }): Promise<void> {
  await tx.execute({
    sql: `INSERT INTO outbox (kind, payload, dedupe_key, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (kind, dedupe_key) WHERE state = 'pending' AND dedupe_key IS NOT NULL DO NOTHING`,
    args: [entry.kind, JSON.stringify(entry.payload), entry.dedupeKey ?? null, entry.at, entry.at],
  });
}

/**
 * Claims up to `limit` due rows of a kind (oldest first) for delivery: they become `sending`, so
 * no other drain (another process, an overlapping run) takes them too.
 */
export async function claimDue(store: Store, kind: OutboxKind, limit = 500): Promise<OutboxRow[]> {
  const now = store.clock.now().toISOString();
  return store.write(async (tx) => {
    const rows = await tx.execute({
      sql: `UPDATE outbox SET state = 'sending', claimed_at = ?
             WHERE id IN (SELECT id FROM outbox WHERE kind = ? AND state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?)
         RETURNING id, kind, payload, dedupe_key, attempts`,
      args: [now, kind.kind, now, limit],
    });
    return rows.rows
      .map((row) => ({
        id: Number(row.id),
        kind: String(row.kind),
        payload: JSON.parse(String(row.payload)) as unknown,
        dedupeKey: row.dedupe_key === null ? null : String(row.dedupe_key),
        attempts: Number(row.attempts),
      }))
      .sort((a, b) => a.id - b.id);
  });
}

const placeholders = (ids: number[]) => ids.map(() => '?').join(', ');

/** The other system confirmed these rows: they are sent. */
export async function markSent(store: Store, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await store.batch([
    {
      sql: `UPDATE outbox SET state = 'sent', done_at = ?, last_error = NULL WHERE id IN (${placeholders(ids)})`,
      args: [store.clock.now().toISOString(), ...ids],
    },
  ]);
}

/**
 * Delivery failed: the rows are tried again after a growing delay, or given up as failed after
 * `maxAttempts`. A row whose dedupe key already has a newer pending row is superseded by it.
 * `error` is a short technical reason, never personal data.
 */
export async function markFailedAttempt(store: Store, kind: OutboxKind, rows: OutboxRow[], error: string): Promise<void> {
  if (rows.length === 0) return;
  const now = store.clock.now();
  const reason = error.slice(0, 500);
  await store.write(async (tx) => {
    for (const row of rows) {
      const superseded = await tx.execute({
        sql: `DELETE FROM outbox WHERE id = ? AND dedupe_key IS NOT NULL
                AND EXISTS (SELECT 1 FROM outbox newer WHERE newer.kind = outbox.kind AND newer.dedupe_key = outbox.dedupe_key AND newer.state = 'pending')
              RETURNING id`,
        args: [row.id],
      });
      if (superseded.rows.length > 0) continue;
      const attempts = row.attempts + 1;
      if (attempts >= kind.maxAttempts) {
        await tx.execute({
          sql: "UPDATE outbox SET state = 'failed', attempts = ?, last_error = ?, done_at = ? WHERE id = ?",
          args: [attempts, reason, now.toISOString(), row.id],
        });
      } else {
        const next = new Date(now.getTime() + kind.retryDelayMs(row.attempts)).toISOString();
        await tx.execute({
          sql: "UPDATE outbox SET state = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?, claimed_at = NULL WHERE id = ?",
          args: [attempts, next, reason, row.id],
        });
      }
    }
  });
}

/**
 * A claimed row that must wait (outside the hours a person said are safe, or its channel is not
 * configured here): back to pending until `at`, without counting an attempt.
 */
export async function postponeClaimed(store: Store, rows: OutboxRow[], at: string): Promise<void> {
  if (rows.length === 0) return;
  const ids = rows.map((row) => row.id);
  await store.batch([
    {
      sql: `UPDATE outbox SET state = 'pending', next_attempt_at = ?, claimed_at = NULL WHERE state = 'sending' AND id IN (${placeholders(ids)})`,
      args: [at, ...ids],
    },
  ]);
}

/**
 * Rows claimed longer than `leaseMs` ago whose drain never finished (the process died): idempotent
 * kinds go back to pending; at-most-once kinds are marked failed, for a person to check.
 */
export async function recoverStaleClaims(store: Store, kind: OutboxKind, leaseMs = 5 * 60_000): Promise<number> {
  const now = store.clock.now();
  const before = new Date(now.getTime() - leaseMs).toISOString();
  return store.write(async (tx) => {
    const stale = await tx.execute({
      sql: "SELECT id, kind, payload, dedupe_key, attempts FROM outbox WHERE kind = ? AND state = 'sending' AND claimed_at < ?",
      args: [kind.kind, before],
    });
    for (const row of stale.rows) {
      if (kind.atMostOnce) {
        await tx.execute({
          sql: "UPDATE outbox SET state = 'failed', last_error = ?, done_at = ? WHERE id = ?",
          args: ['entrega interrumpida: no se reintenta para no enviar dos veces', now.toISOString(), Number(row.id)],
        });
        continue;
      }
      const duplicate = await tx.execute({
        sql: "SELECT 1 FROM outbox WHERE kind = ? AND dedupe_key = ? AND state = 'pending'",
        args: [kind.kind, row.dedupe_key],
      });
      if (row.dedupe_key !== null && duplicate.rows.length > 0) await tx.execute({ sql: 'DELETE FROM outbox WHERE id = ?', args: [Number(row.id)] });
      else await tx.execute({ sql: "UPDATE outbox SET state = 'pending', claimed_at = NULL WHERE id = ?", args: [Number(row.id)] });
    }
    return stale.rows.length;
  });
}

/** Rows not yet delivered (pending or being sent), of one kind or all. */
export async function countUndelivered(db: Db, kind?: string): Promise<number> {
  const rows = await db.execute({
    sql: `SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'sending')${kind ? ' AND kind = ?' : ''}`,
    args: kind ? [kind] : [],
  });
  return Number(rows.rows[0].n);
}

/** The highest row id of a kind (a full reindex makes older rows moot). */
export async function lastOutboxId(db: Db, kind: string): Promise<number> {
  const rows = await db.execute({ sql: 'SELECT coalesce(max(id), 0) AS id FROM outbox WHERE kind = ?', args: [kind] });
  return Number(rows.rows[0].id);
}

/**
 * Drops undelivered rows of a kind up to `upToId` (all when absent): nothing needs them (no
 * external engine is configured) or a full rebuild superseded them.
 */
export async function discardUndelivered(store: Store, kind: string, upToId?: number): Promise<void> {
  await store.batch([
    upToId === undefined
      ? { sql: "DELETE FROM outbox WHERE kind = ? AND state = 'pending'", args: [kind] }
      : { sql: "DELETE FROM outbox WHERE kind = ? AND state = 'pending' AND id <= ?", args: [kind, upToId] },
  ]);
}

/** Housekeeping: forgets delivered rows after `keepSentMs` and failed ones after `keepFailedMs`. */
export async function pruneOutbox(store: Store, options: { keepSentMs: number; keepFailedMs: number }): Promise<void> {
  const now = store.clock.now().getTime();
  await store.batch([
    { sql: "DELETE FROM outbox WHERE state = 'sent' AND done_at < ?", args: [new Date(now - options.keepSentMs).toISOString()] },
    { sql: "DELETE FROM outbox WHERE state = 'failed' AND done_at < ?", args: [new Date(now - options.keepFailedMs).toISOString()] },
  ]);
}
