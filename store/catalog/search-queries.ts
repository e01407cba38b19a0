import type { Db } from '../db.ts';
import { toSummary, type ProcedureSummary } from './procedures.ts';

/** Markers the full-text engine puts around matches; private-use characters never typed by people. */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';

export interface IndexFilters {
  category?: string;
  institution?: string;
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
  if (filters.category) {
    parts.push('c.slug = ?');
    args.push(filters.category);
  }
  if (filters.institution) {
    parts.push('i.slug = ?');
    args.push(filters.institution);
  }
  if (filters.onlineOnly) parts.push('p.online = 1');
  return { sql: parts.map((part) => ` AND ${part}`).join(''), args };
}

const FROM_MATCH = `FROM procedure_search s
  JOIN procedures p ON p.id = s.rowid
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
  const matched = query.rankBy.matched.length > 0 ? query.rankBy.matched.map(() => MEMBER).join(' + ') : '0';
  const exact = query.rankBy.exact.length > 0 ? query.rankBy.exact.map(() => MEMBER).join(' + ') : '0';
  const title = query.rankBy.title.length > 0 ? query.rankBy.title.map(() => MEMBER).join(' + ') : '0';
  const rows = await db.execute({
    sql: `SELECT p.slug, p.title, p.summary, p.online, p.cost_amount, p.updated_at,
                 i.slug AS institution_slug, i.name AS institution_name, i.acronym AS institution_acronym,
                 c.slug AS category_slug, c.name AS category_name,
                 highlight(procedure_search, 0, '${MARK_OPEN}', '${MARK_CLOSE}') AS title_marked,
                 snippet(procedure_search, 2, '${MARK_OPEN}', '${MARK_CLOSE}', '…', 40) AS summary_marked,
                 ${matched} AS matched_groups, ${exact} AS exact_groups, ${title} AS title_groups
          ${FROM_MATCH}${filter.sql}
          ORDER BY matched_groups DESC, exact_groups DESC, title_groups DESC, bm25(procedure_search, ${COLUMN_WEIGHTS}), p.popularity DESC
          LIMIT ? OFFSET ?`,
    args: [...query.rankBy.matched, ...query.rankBy.exact, ...query.rankBy.title, query.match, ...filter.args, page.limit, page.offset],
  });
  return rows.rows.map((row) => ({ ...toSummary(row), titleMarked: String(row.title_marked), summaryMarked: String(row.summary_marked) }));
}

export interface FacetCounts {
  total: number;
  category: { value: string; label: string; count: number }[];
  institution: { value: string; label: string; count: number }[];
  online: number;
}

/** Counts of all matches by theme, institution and online availability (filters applied). */
export async function searchFacets(db: Db, match: string | null, filters: IndexFilters): Promise<FacetCounts> {
  const filter = filterSql(filters);
  const from = match
    ? `${FROM_MATCH}${filter.sql}`
    : `FROM procedures p JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id
       WHERE p.status = 'published'${filter.sql}`;
  const args = match ? [match, ...filter.args] : filter.args;
  const [categories, institutions, totals] = await Promise.all([
    db.execute({ sql: `SELECT c.slug AS value, c.name AS label, count(*) AS n ${from} GROUP BY c.id ORDER BY n DESC, c.name`, args }),
    db.execute({ sql: `SELECT i.slug AS value, i.name AS label, count(*) AS n ${from} GROUP BY i.id ORDER BY n DESC, i.name`, args }),
    db.execute({ sql: `SELECT count(*) AS n, coalesce(sum(p.online), 0) AS online ${from}`, args }),
  ]);
  const facet = (rows: { rows: Record<string, unknown>[] }) =>
    rows.rows.map((row) => ({ value: String(row.value), label: String(row.label), count: Number(row.n) }));
  return {
    total: Number(totals.rows[0].n),
    category: facet(categories),
    institution: facet(institutions),
    online: Number(totals.rows[0].online),
  };
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
