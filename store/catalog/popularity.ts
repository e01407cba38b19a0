import homeOrder from '../../data/catalog-home.json' with { type: 'json' };
import type { Db, Store } from '../db.ts';
import { listPopularProcedures, listProceduresBySlugs, type ProcedureSummary } from './procedures.ts';
import { enqueueSearchSync } from './search-outbox.ts';

/**
 * Adds page views to procedures' popularity in one transaction, and tells external search engines
 * (popularity ranks results there too).
 */
export async function addViews(store: Store, views: Map<number, number>): Promise<void> {
  if (views.size === 0) return;
  const at = store.clock.now().toISOString();
  await store.write(async (tx) => {
    for (const [procedureId, count] of views) {
      await tx.execute({ sql: 'UPDATE procedures SET popularity = popularity + ? WHERE id = ?', args: [count, procedureId] });
      await enqueueSearchSync(tx, procedureId, at);
    }
  });
}

/**
 * The starting order of «Trámites más consultados», chosen by hand (data/catalog-home.json): on a
 * fresh install nobody has opened a page yet, and an alphabetical list would put «Apostillar
 * documentos» before the DUI.
 */
export const HOME_STARTING_ORDER: readonly string[] = homeOrder.procedures;

/**
 * The procedures the home page shows as the most consulted: those with page views first, by
 * views; then the hand-picked starting order; then the rest alphabetically (a catalog without
 * those slugs). Synthetic (benchmark) procedures never show.
 *
 * @example await listHomeProcedures(db, 8) // on a fresh install: the DUI, the passport, …
 */
export async function listHomeProcedures(db: Db, limit: number, startingOrder: readonly string[] = HOME_STARTING_ORDER): Promise<ProcedureSummary[]> {
  // Walks the (status, popularity DESC, title) index and stops at the first unviewed procedure.
  const viewed = await db.execute({
    sql: `SELECT slug FROM procedures
           WHERE status = 'published' AND synthetic = 0 AND popularity > 0
           ORDER BY popularity DESC, title COLLATE NOCASE LIMIT ?`,
    args: [limit],
  });
  const chosen = viewed.rows.map((row) => String(row.slug));
  const candidates = [...chosen, ...startingOrder.filter((slug) => !chosen.includes(slug))];
  const items = (await listProceduresBySlugs(db, candidates)).slice(0, limit);
  if (items.length === limit) return items;
  const shown = new Set(items.map((item) => item.slug));
  const rest = await listPopularProcedures(db, limit + shown.size);
  return [...items, ...rest.filter((item) => !shown.has(item.slug))].slice(0, limit);
}
