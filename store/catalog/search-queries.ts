import type { Db } from '../db.ts';
import { toSummary, type ProcedureSummary } from './procedures.ts';

/** Markers the full-text engine puts around matches; private-use characters never typed by people. */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';

/** Filters by id (see `loadFacetNames` to turn slugs into ids). */
export interface IndexFilters {
  categoryId?: number;
  institutionId?: number;
  onlineOnly?: boolean;
}

export interface IndexHit extends ProcedureSummary {
  titleMarked: string;
  summaryMarked: string;
}

const COLUMN_WEIGHTS = '10.0, 6.0, 2.0, 1.0'; // title > keywords > summary > body

function filterSql(filters: IndexFilters): { sql: string; args: (string | number)[] } {
  const parts: string[] = [];
  const args: (string | number)[] = [];
  if (filters.categoryId !== undefined) {
    parts.push('p.category_id = ?');
    args.push(filters.categoryId);
  }
  if (filters.institutionId !== undefined) {
    parts.push('p.institution_id = ?');
    args.push(filters.institutionId);
  }
  if (filters.onlineOnly) parts.push('p.online = 1');
  return { sql: parts.map((part) => ` AND ${part}`).join(''), args };
}

// CROSS JOIN keeps the full-text match as the outer loop: SQLite cannot price MATCH and would
// otherwise scan procedures and run the match once per row (measured: 150 ms instead of 1.5 ms).
const FROM_MATCH = `FROM procedure_search s
  CROSS JOIN procedures p ON p.id = s.rowid
  JOIN institutions i ON i.id = p.institution_id
  JOIN categories c ON c.id = p.category_id
  WHERE procedure_search MATCH ? AND p.status = 'published'`;

/**
 * What to find and how to rank it. Every string is an FTS5 expression built by search/plan.ts
 * from quoted words, never raw user text.
 */
export interface RankedMatch {
  /** The set of procedures to return. */
  match: string;
  /**
   * Expressions whose matches count, in this order: groups matched, groups matched without typos,
   * groups matched in the title (Meilisearch's words, typo and attribute rules).
   */
  rankBy: { matched: string[]; exact: string[]; title: string[] };
}

const MEMBER = '(s.rowid IN (SELECT rowid FROM procedure_search WHERE procedure_search MATCH ?))';

/**
 * One page of full-text matches, best first: more query words matched, then fewer typos, then the
 * weighted text score (title > keywords > summary > body), then popularity.
 */
export async function searchIndex(db: Db, query: RankedMatch, filters: IndexFilters, page: { limit: number; offset: number }): Promise<IndexHit[]> {
  const filter = filterSql(filters);
  const sum = (list: string[]) => (list.length > 0 ? list.map(() => MEMBER).join(' + ') : '0');
  // Rank first, then highlight only the page: SQLite computes every selected column before it
  // sorts, and highlight()/snippet() on all matches would cost more than the ranking itself.
  const ranked = await db.execute({
    sql: `SELECT s.rowid AS id, ${sum(query.rankBy.matched)} AS matched_groups, ${sum(query.rankBy.exact)} AS exact_groups,
                 ${sum(query.rankBy.title)} AS title_groups
          FROM procedure_search s CROSS JOIN procedures p ON p.id = s.rowid
          WHERE procedure_search MATCH ? AND p.status = 'published'${filter.sql}
          ORDER BY matched_groups DESC, exact_groups DESC, title_groups DESC, bm25(procedure_search, ${COLUMN_WEIGHTS}), p.popularity DESC
          LIMIT ? OFFSET ?`,
    args: [...query.rankBy.matched, ...query.rankBy.exact, ...query.rankBy.title, query.match, ...filter.args, page.limit, page.offset],
  });
  const ids = ranked.rows.map((row) => Number(row.id));
  if (ids.length === 0) return [];
  const rows = await db.execute({
    sql: `SELECT s.rowid AS id, p.slug, p.title, p.summary, p.online, p.cost_amount, p.updated_at,
                 i.slug AS institution_slug, i.name AS institution_name, i.acronym AS institution_acronym,
                 c.slug AS category_slug, c.name AS category_name,
                 highlight(procedure_search, 0, '${MARK_OPEN}', '${MARK_CLOSE}') AS title_marked,
                 snippet(procedure_search, 2, '${MARK_OPEN}', '${MARK_CLOSE}', '…', 40) AS summary_marked
          ${FROM_MATCH} AND s.rowid IN (${ids.map(() => '?').join(', ')})`,
    args: [query.match, ...ids],
  });
  const byId = new Map(rows.rows.map((row) => [Number(row.id), row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [{ ...toSummary(row), titleMarked: String(row.title_marked), summaryMarked: String(row.summary_marked) }] : [];
  });
}

/** Matches counted by theme, institution and online availability, as ids. */
export interface MatchCounts {
  total: number;
  online: number;
  byCategory: Map<number, number>;
  byInstitution: Map<number, number>;
}

/**
 * Counts every match (or every published procedure when `match` is null) under the filters, in one
 * pass grouped by (theme, institution, online): the facets and the total together.
 */
export async function countMatches(db: Db, match: string | null, filters: IndexFilters): Promise<MatchCounts> {
  const filter = filterSql(filters);
  const from = match
    ? `FROM procedure_search s CROSS JOIN procedures p ON p.id = s.rowid WHERE procedure_search MATCH ? AND p.status = 'published'${filter.sql}`
    : `FROM procedures p WHERE p.status = 'published'${filter.sql}`;
  const rows = await db.execute({
    sql: `SELECT p.category_id, p.institution_id, p.online, count(*) AS n ${from} GROUP BY p.category_id, p.institution_id, p.online`,
    args: match ? [match, ...filter.args] : filter.args,
  });
  const counts: MatchCounts = { total: 0, online: 0, byCategory: new Map(), byInstitution: new Map() };
  for (const row of rows.rows) {
    const n = Number(row.n);
    const category = Number(row.category_id);
    const institution = Number(row.institution_id);
    counts.total += n;
    if (Number(row.online) === 1) counts.online += n;
    counts.byCategory.set(category, (counts.byCategory.get(category) ?? 0) + n);
    counts.byInstitution.set(institution, (counts.byInstitution.get(institution) ?? 0) + n);
  }
  return counts;
}

export interface FacetName {
  id: number;
  slug: string;
  name: string;
}

/** Themes and institutions by id and by slug, for facet labels and filters. */
export async function loadFacetNames(db: Db): Promise<{ categories: FacetName[]; institutions: FacetName[] }> {
  const [categories, institutions] = await Promise.all([
    db.execute('SELECT id, slug, name FROM categories'),
    db.execute('SELECT id, slug, name FROM institutions'),
  ]);
  const read = (rows: { rows: Record<string, unknown>[] }) => rows.rows.map((row) => ({ id: Number(row.id), slug: String(row.slug), name: String(row.name) }));
  return { categories: read(categories), institutions: read(institutions) };
}

/** The most consulted published procedures under the filters, for an empty query. */
export async function browseByPopularity(db: Db, filters: IndexFilters, page: { limit: number; offset: number }): Promise<ProcedureSummary[]> {
  const filter = filterSql(filters);
  const rows = await db.execute({
    sql: `SELECT p.slug, p.title, p.summary, p.online, p.cost_amount, p.updated_at,
                 i.slug AS institution_slug, i.name AS institution_name, i.acronym AS institution_acronym,
                 c.slug AS category_slug, c.name AS category_name
            FROM procedures p JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id
           WHERE p.status = 'published'${filter.sql}
           ORDER BY p.popularity DESC, p.title COLLATE NOCASE LIMIT ? OFFSET ?`,
    args: [...filter.args, page.limit, page.offset],
  });
  return rows.rows.map((row) => toSummary(row));
}
