import type { Db, Store } from '../db.ts';

// Upkeep of the embedded index (store/catalog/search-index.ts writes it): FTS5 keeps an index as
// segments, and a search reads each of them.

/**
 * How many segments the index is made of. Every write adds a small one and FTS5 merges them only
 * level by level (automerge), so a bulk import leaves 10–20; each search then looks up every word
 * in every segment (the seed catalog's searches ran 3–5 times slower with 19 than with one).
 */
export async function searchIndexSegments(db: Db): Promise<number> {
  const rows = await db.execute('SELECT count(DISTINCT segid) AS n FROM procedure_search_idx');
  return Number(rows.rows[0]?.n ?? 0);
}

/** Past this many segments the scheduled job merges the index again (one edit at a time, 60 edits left 2–17). */
export const SEGMENTS_BEFORE_COMPACTION = 10;

/**
 * Merges the index into one segment, `pagesPerStep` pages of merged data per write transaction,
 * so other writes (reports, opinions) wait at most one step for the queue: FTS5's incremental
 * «merge» with a negative page count, which treats every segment as one level, as «optimize» does
 * at once. The results never change, only how fast they are found; the generation stays the same.
 * 100,000 procedures take about 65 steps of 500 pages (3.6 s of work); the seed catalog one or two.
 *
 * @returns the steps taken, and whether the index is now one segment (false when `maxSteps` ran out)
 */
export async function compactSearchIndex(store: Store, options: { pagesPerStep?: number; maxSteps?: number } = {}): Promise<{ steps: number; done: boolean }> {
  const pages = options.pagesPerStep ?? 200;
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  let steps = 0;
  while (steps < maxSteps) {
    steps++;
    // FTS5 says whether a merge did any work only through the changes it counts (fewer than two: none).
    // Group commit runs each write's work alone, so no other write counts in between.
    const worked = await store.write(async (tx) => {
      const before = Number((await tx.execute('SELECT total_changes() AS n')).rows[0].n);
      await tx.execute({ sql: "INSERT INTO procedure_search (procedure_search, rank) VALUES ('merge', ?)", args: [-pages] });
      const after = Number((await tx.execute('SELECT total_changes() AS n')).rows[0].n);
      return after - before >= 2;
    });
    if (!worked) return { steps, done: true };
  }
  return { steps, done: false };
}

/** The scheduled job: compacts only an index that has come apart (see SEGMENTS_BEFORE_COMPACTION); null when it had not. */
export async function compactSearchIndexIfFragmented(
  store: Store,
  options: { maxSteps?: number; pagesPerStep?: number; threshold?: number } = {},
): Promise<{ steps: number; done: boolean } | null> {
  if ((await searchIndexSegments(store.db)) <= (options.threshold ?? SEGMENTS_BEFORE_COMPACTION)) return null;
  return compactSearchIndex(store, options);
}
