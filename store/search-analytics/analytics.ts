import type { InStatement } from '@libsql/client';
import { today, type Clock } from '../clock.ts';
import type { Reader, Store } from '../db.ts';
import { catalogScope, reportScope, type Actor } from '../policy.ts';
import { keyFromLink, OTHER_QUERY, searchKey } from './query-key.ts';

export { looksPersonal, OTHER_QUERY, searchKey } from './query-key.ts';

/**
 * Search analytics without personal data: per day (El Salvador) and query, how many searches,
 * how many found nothing, how many results were opened, and by which institution's procedures.
 * Nothing about who searched is read or kept: no address, session, cookie, browser or time of day.
 *
 * Counting happens in memory (a search never waits for a write) and is written in one batch
 * through the store's write queue by a scheduled job (api/scheduled-jobs.ts), like page views
 * (api/catalog/views.ts). A crash loses at most one interval of counts.
 */

/** Days kept: a year and a bit, so a year can be compared with the one before. */
export const KEEP_DAYS = 400;

/** Distinct (day, query) pairs held in memory between flushes; past it, searches count as «otra». */
const MAX_PENDING = 5_000;

interface PendingSearch {
  searches: number;
  zeroResult: number;
  lastResults: number | null;
  opened: number;
}

/** The in-memory tally of one store, flushed by `flushSearchCounts`. */
export interface SearchCounter {
  /** One search counted under `key` (from `searchKey`) with its number of results. */
  search(key: string, results: number): void;
  /** One result opened from a search counted under `key`, of a procedure of `institutionId`. */
  opened(key: string, institutionId: number): void;
  flush(): Promise<void>;
  /** Entries waiting for the next flush (tests, diagnostics). */
  pending(): number;
}

/**
 * A counter for `store`. Most code wants `searchCounter(store)`, the one the scheduled job flushes.
 *
 * @example const counter = createSearchCounter(store); counter.search('sacar dui', 3); await counter.flush()
 */
export function createSearchCounter(store: Store): SearchCounter {
  let searches = new Map<string, PendingSearch>();
  let opened = new Map<string, number>();
  const slot = (map: Map<string, unknown>, day: string, key: string, extra = '') => {
    const id = `${day}\n${extra}${key}`;
    return map.has(id) || map.size < MAX_PENDING ? id : `${day}\n${extra}${OTHER_QUERY}`;
  };
  const searchEntry = (id: string) => {
    let entry = searches.get(id);
    if (!entry) searches.set(id, (entry = { searches: 0, zeroResult: 0, lastResults: null, opened: 0 }));
    return entry;
  };
  return {
    search(key, results) {
      const entry = searchEntry(slot(searches, today(store.clock), key));
      entry.searches += 1;
      if (results === 0) entry.zeroResult += 1;
      entry.lastResults = results;
    },
    opened(key, institutionId) {
      const day = today(store.clock);
      searchEntry(slot(searches, day, key)).opened += 1;
      const id = slot(opened, day, key, `${institutionId}\n`);
      opened.set(id, (opened.get(id) ?? 0) + 1);
    },
    async flush() {
      if (searches.size === 0 && opened.size === 0) return;
      const batch = { searches, opened };
      searches = new Map();
      opened = new Map();
      const statements: InStatement[] = [];
      for (const [id, counts] of batch.searches) {
        const [day, query] = id.split('\n');
        statements.push({
          sql: `INSERT INTO search_daily (day, query, searches, zero_result_searches, last_results, opened) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (day, query) DO UPDATE SET
                  searches = searches + excluded.searches,
                  zero_result_searches = zero_result_searches + excluded.zero_result_searches,
                  last_results = coalesce(excluded.last_results, last_results),
                  opened = opened + excluded.opened`,
          args: [day, query, counts.searches, counts.zeroResult, counts.lastResults, counts.opened],
        });
      }
      for (const [id, count] of batch.opened) {
        const [day, institutionId, query] = id.split('\n');
        statements.push({
          sql: `INSERT INTO search_daily_opened (institution_id, day, query, opened) VALUES (?, ?, ?, ?)
                ON CONFLICT (institution_id, day, query) DO UPDATE SET opened = opened + excluded.opened`,
          args: [Number(institutionId), day, query, count],
        });
      }
      try {
        await store.batch(statements);
      } catch (error) {
        // Put them back for the next flush rather than lose them (newer counts win last_results).
        for (const [id, counts] of batch.searches) {
          const entry = searchEntry(id);
          entry.searches += counts.searches;
          entry.zeroResult += counts.zeroResult;
          entry.opened += counts.opened;
          entry.lastResults ??= counts.lastResults;
        }
        for (const [id, count] of batch.opened) opened.set(id, (opened.get(id) ?? 0) + count);
        throw error;
      }
    },
    pending: () => searches.size + opened.size,
  };
}

const REGISTRY = Symbol.for('portal-tramites-sv.search-counters');

// One counter per store, shared by the search page, the API route and the scheduled job that
// flushes it. The pages run from the Astro build (dist/server/entry.mjs), which bundles its own copy
// of this module: a registry under a Symbol.for key on globalThis is the one both copies find.
// (Keyed by the store object, so two stores in one process — tests — never mix their counts.)
const shared = globalThis as { [REGISTRY]?: WeakMap<Store, SearchCounter> };
const counters = (shared[REGISTRY] ??= new WeakMap());

/** The counter of `store`, made on first use. */
export function searchCounter(store: Store): SearchCounter {
  let counter = counters.get(store);
  if (!counter) counters.set(store, (counter = createSearchCounter(store)));
  return counter;
}

/**
 * Counts a search people made (/buscar, GET /api/search): once, on its first page, and only when
 * words were searched (an empty or all-stopword query browses). Returns the key it counted under,
 * or null when it counted nothing. Never waits for the store.
 *
 * @example recordSearch(store, { query: 'Sacar DUI', page: 1, terms: ['sacar', 'dui'], results: 4 }) // 'sacar dui'
 */
export function recordSearch(store: Store, search: { query: string; page: number; terms: readonly string[]; results: number }): string | null {
  if (search.page !== 1 || search.terms.length === 0) return null;
  const key = searchKey(search.query);
  if (key !== null) searchCounter(store).search(key, search.results);
  return key;
}

/**
 * Counts a result opened from a search: `query` is the key the result link carried. Counted for
 * the published procedure's institution; nothing when there is no such procedure or no key.
 */
export async function recordOpened(store: Store, opening: { query: string; slug: string }): Promise<boolean> {
  const key = keyFromLink(opening.query);
  if (key === null) return false;
  const row = await store.db.execute({ sql: "SELECT institution_id FROM procedures WHERE slug = ? AND status = 'published'", args: [opening.slug] });
  if (row.rows.length === 0) return false;
  searchCounter(store).opened(key, Number(row.rows[0].institution_id));
  return true;
}

/** Writes what the store's counter holds. The scheduled job «search analytics» calls it every minute. */
export function flushSearchCounts(store: Store): Promise<void> {
  return counters.get(store)?.flush() ?? Promise.resolve();
}

/** Deletes counts older than `keepDays` days (housekeeping). */
export async function pruneSearchAnalytics(store: Store, keepDays = KEEP_DAYS): Promise<void> {
  const oldest = addDays(today(store.clock), -keepDays);
  await store.batch([
    { sql: 'DELETE FROM search_daily WHERE day < ?', args: [oldest] },
    { sql: 'DELETE FROM search_daily_opened WHERE day < ?', args: [oldest] },
  ]);
}

// --- Reading ----------------------------------------------------------------------------------

/** Days as 'YYYY-MM-DD' (El Salvador), both included. */
export interface Period {
  from: string;
  to: string;
}

export interface QueryCount {
  query: string;
  /** Searches in the period (for zeroResultQueries: those that found nothing). */
  searches: number;
  /** Results opened from it in the period (for an institution: of its procedures). */
  opened?: number;
}

/** 'YYYY-MM-DD' moved by `days`. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The last `days` days up to today in El Salvador. @example periodEnding(clock, 7) // { from: '2026-11-14', to: '2026-11-20' } */
export function periodEnding(clock: Clock, days: number): Period {
  const to = today(clock);
  return { from: addDays(to, 1 - days), to };
}

/**
 * The most frequent searches of a period. With `institutionId`: the searches from which people
 * opened that institution's procedures, most opened first (`opened` counts those openings,
 * `searches` every search of the query); without: every search, most searched first. Searches
 * kept as «otra» are never listed. `minSearches` hides rarer queries (small cells: a query typed
 * by one person may name that person).
 *
 * @example await topQueries(store.db, { from: '2026-11-01', to: '2026-11-30', institutionId: 3, limit: 10 })
 */
export async function topQueries(
  db: Reader,
  options: Period & { institutionId?: number; limit: number; minSearches?: number },
): Promise<(QueryCount & { opened: number })[]> {
  const min = options.minSearches ?? 1;
  const result =
    options.institutionId === undefined
      ? await db.execute({
          sql: `SELECT query, sum(searches) AS searches, sum(opened) AS opened FROM search_daily
                 WHERE day BETWEEN ? AND ? AND query <> ?
                 GROUP BY query HAVING sum(searches) >= ?
                 ORDER BY searches DESC, opened DESC, query LIMIT ?`,
          args: [options.from, options.to, OTHER_QUERY, min, options.limit],
        })
      : await db.execute({
          sql: `WITH opened AS (
                  SELECT query, sum(opened) AS opened FROM search_daily_opened
                   WHERE institution_id = ? AND day BETWEEN ? AND ? AND query <> ? GROUP BY query)
                SELECT o.query, coalesce(s.searches, 0) AS searches, o.opened FROM opened o
                  LEFT JOIN (SELECT query, sum(searches) AS searches FROM search_daily
                              WHERE day BETWEEN ? AND ? AND query IN (SELECT query FROM opened) GROUP BY query) s ON s.query = o.query
                 WHERE coalesce(s.searches, 0) >= ?
                 ORDER BY o.opened DESC, searches DESC, o.query LIMIT ?`,
          args: [options.institutionId, options.from, options.to, OTHER_QUERY, options.from, options.to, min, options.limit],
        });
  return result.rows.map((row) => ({ query: String(row.query), searches: Number(row.searches), opened: Number(row.opened) }));
}

/**
 * What people looked for and did not find: queries by their searches with no result in the
 * period, most first (not attributable to an institution). `searches` counts those searches.
 *
 * @example await zeroResultQueries(store.db, { from: '2026-11-01', to: '2026-11-30', limit: 20 })
 */
export async function zeroResultQueries(db: Reader, options: Period & { limit: number; minSearches?: number }): Promise<QueryCount[]> {
  const result = await db.execute({
    sql: `SELECT query, sum(zero_result_searches) AS searches FROM search_daily
           WHERE day BETWEEN ? AND ? AND query <> ?
           GROUP BY query HAVING sum(zero_result_searches) > 0 AND sum(zero_result_searches) >= ?
           ORDER BY searches DESC, query LIMIT ?`,
    args: [options.from, options.to, OTHER_QUERY, options.minSearches ?? 1, options.limit],
  });
  return result.rows.map((row) => ({ query: String(row.query), searches: Number(row.searches) }));
}

export interface SearchTotals {
  searches: number;
  zeroResult: number;
  opened: number;
  /** Of `searches`, those kept as «otra» (they looked like personal data). */
  withheld: number;
}

/** Every search of the period, «otra» included. @example await searchTotals(store.db, { from: '2026-11-01', to: '2026-11-30' }) */
export async function searchTotals(db: Reader, period: Period): Promise<SearchTotals> {
  const result = await db.execute({
    sql: `SELECT coalesce(sum(searches), 0) AS searches, coalesce(sum(zero_result_searches), 0) AS zero_result, coalesce(sum(opened), 0) AS opened,
                 coalesce(sum(CASE WHEN query = ? THEN searches END), 0) AS withheld
            FROM search_daily WHERE day BETWEEN ? AND ?`,
    args: [OTHER_QUERY, period.from, period.to],
  });
  const row = result.rows[0];
  return { searches: Number(row.searches), zeroResult: Number(row.zero_result), opened: Number(row.opened), withheld: Number(row.withheld) };
}

// --- The officers' view -----------------------------------------------------------------------

/** The workspace lists only queries searched at least this often in the period (small cells). */
export const WORKSPACE_MIN_SEARCHES = 2;

export interface SearchStatsView {
  period: Period;
  /** The institution the top queries are of; null: all (admins). */
  institution: { id: number; name: string } | null;
  totals: SearchTotals;
  top: (QueryCount & { opened: number })[];
  zeroResult: QueryCount[];
  /** «Me pidieron un requisito que no está en el catálogo» cases received in the period, in the actor's scope. */
  missingRequirementReports: number;
  /** «¿No encuentra el trámite?» requests of the period (all of them: not attributable). */
  missingProcedureRequests: number;
}

/** A day's start in El Salvador (UTC-6 all year, no daylight saving) as a stored timestamp. */
function dayStart(day: string): string {
  return `${day}T06:00:00.000Z`;
}

/**
 * /admin/busquedas: the actor's institution's top queries (officers; admins see all), the
 * zero-result queries and the counts beside them. Scope comes from the policy (403 for operators).
 */
export async function searchStatsFor(store: Pick<Store, 'db'>, actor: Actor, options: Period & { limit: number }): Promise<SearchStatsView> {
  const institutionId = catalogScope(actor);
  const reports = reportScope(actor);
  const period = { from: options.from, to: options.to };
  const created = [dayStart(options.from), dayStart(addDays(options.to, 1))];
  const reportWhere = ["kind = 'missing_requirement'", 'created_at >= ?', 'created_at < ?'];
  const reportArgs: (string | number)[] = [...created];
  if (reports.institutionId !== null) {
    reportWhere.push('institution_id = ?');
    reportArgs.push(reports.institutionId);
  }
  if (reports.queues !== 'all') {
    reportWhere.push(`queue IN (${reports.queues.map(() => '?').join(', ')})`);
    reportArgs.push(...reports.queues);
  }
  const [institution, totals, top, zeroResult, missingReports, missingRequests] = await Promise.all([
    institutionId === null ? null : store.db.execute({ sql: 'SELECT id, name FROM institutions WHERE id = ?', args: [institutionId] }),
    searchTotals(store.db, period),
    topQueries(store.db, { ...period, institutionId: institutionId ?? undefined, limit: options.limit, minSearches: WORKSPACE_MIN_SEARCHES }),
    zeroResultQueries(store.db, { ...period, limit: options.limit, minSearches: WORKSPACE_MIN_SEARCHES }),
    store.db.execute({ sql: `SELECT count(*) AS n FROM reports WHERE ${reportWhere.join(' AND ')}`, args: reportArgs }),
    store.db.execute({ sql: 'SELECT count(*) AS n FROM missing_procedure_requests WHERE created_at >= ? AND created_at < ?', args: created }),
  ]);
  const row = institution?.rows[0];
  return {
    period,
    institution: row ? { id: Number(row.id), name: String(row.name) } : null,
    totals,
    top,
    zeroResult,
    missingRequirementReports: Number(missingReports.rows[0].n),
    missingProcedureRequests: Number(missingRequests.rows[0].n),
  };
}
