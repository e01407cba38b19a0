import { AppError } from '../app-error.ts';
import type { Actor } from '../audit/audit.ts';
import type { Db, Store } from '../db.ts';
import { enqueueSearchSync } from './search-outbox.ts';

/**
 * Adds page views to procedures' popularity in one transaction, and tells external search engines
 * (popularity ranks results there too).
 */
export async function addViews(store: Store, views: Map<number, number>): Promise<void> {
  if (views.size === 0) return;
  await store.write(async (tx) => {
    for (const [procedureId, count] of views) {
      await tx.execute({ sql: 'UPDATE procedures SET popularity = popularity + ? WHERE id = ?', args: [count, procedureId] });
      await enqueueSearchSync(tx, procedureId);
    }
  });
}

/** Records what was looked for and not found. */
export async function recordMissingProcedure(store: Store, request: { query: string; details?: string }): Promise<void> {
  await store.batch([
    { sql: 'INSERT INTO missing_procedure_requests (query, details) VALUES (?, ?)', args: [request.query, request.details ?? null] },
  ]);
}

/** What people looked for and did not find, most asked first (admins only: texts may be personal). */
export async function listMissingProcedures(db: Db, actor: Actor, limit = 50): Promise<{ query: string; count: number; lastAt: string; details: string[] }[]> {
  if (actor.kind !== 'person' || actor.role !== 'admin') throw new AppError('forbidden', 'Solo la administración ve los trámites que faltan.', { status: 403 });
  const rows = await db.execute({
    sql: `SELECT lower(trim(query)) AS query, count(*) AS n, max(created_at) AS last_at,
                 group_concat(details, ' ␞ ') AS details
            FROM missing_procedure_requests GROUP BY lower(trim(query)) ORDER BY n DESC, last_at DESC LIMIT ?`,
    args: [limit],
  });
  return rows.rows.map((row) => ({
    query: String(row.query),
    count: Number(row.n),
    lastAt: String(row.last_at),
    details: row.details === null ? [] : String(row.details).split(' ␞ ').slice(0, 5),
  }));
}
