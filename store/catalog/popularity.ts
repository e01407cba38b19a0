import type { Store } from '../db.ts';
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
