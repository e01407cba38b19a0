import type { Db } from '../db.ts';
import type { ProcedureDocument } from './exchange-format.ts';
import { toSummary, type ProcedureSummary } from './procedures.ts';
import type { Alternative, QueryPlan, TermGroup } from '../../search/plan.ts';
import { facetToken } from './search-index.ts';

/** Filters by id (see `loadFacetNames` to turn slugs into ids). */
export interface IndexFilters {
  categoryId?: number;
  institutionId?: number;
  onlineOnly?: boolean;
}

// title > keywords > summary > body, the stems of the title and of the rest after the words they
// stem (an exact word scores both, a stem-only match only the second); the facets column never scores.
const COLUMN_WEIGHTS = '10.0, 6.0, 2.0, 1.0, 0.0, 1.0, 0.2';
const TEXT_COLUMNS = '{title keywords summary body}';
const STEM_COLUMNS = '{title_stems stems}';
// Suggestions as you type: precision first, so a word counts only where it says what the entry is
// about (its title, keywords and summary), never in the body's requirements («sacar dui» must not
// suggest every entry that asks for a DUI).
const SUGGEST_COLUMNS = '{title keywords summary}';
const NOTHING = `${TEXT_COLUMNS} : "\u0001"`;

// The embedded engine's FTS5 in one place: search/plan.ts says what to look for (pure data), this
// module turns a plan into MATCH expressions, chooses between every-word and most-words matches,
// and ranks. Every expression is built from quoted words of the plan, never raw user text.

/** FTS5 text of one alternative: quoted words; several words must stand close together. */
function alternativeExpression(alternative: Alternative): string {
  const quoted = alternative.words.map((word, index) => {
    const q = `"${word.replace(/"/g, '""')}"`;
    return alternative.prefix && index === alternative.words.length - 1 && word.length >= 2 ? `${q}*` : q;
  });
  return quoted.length === 1 ? quoted[0] : `NEAR(${quoted.join(' ')}, ${quoted.length + 3})`;
}

/**
 * Any alternative of the group: its words (exact and synonyms; typos too with `all`) in the text
 * columns, its stems (unless `exact`) in the stem columns; `title` looks at the title and its stems only.
 */
export function groupExpression(group: TermGroup, include: 'all' | 'untyped' | 'exact' = 'all', scope: 'text' | 'title' | 'suggest' = 'text'): string | null {
  const words = include === 'all' ? [...group.exact, ...group.fuzzy] : group.exact;
  const stems = include === 'exact' ? [] : group.stems;
  const parts: string[] = [];
  const wordColumns = scope === 'text' ? TEXT_COLUMNS : scope === 'suggest' ? SUGGEST_COLUMNS : '{title}';
  if (words.length > 0) parts.push(`${wordColumns} : (${words.map(alternativeExpression).join(' OR ')})`);
  if (stems.length > 0) parts.push(`${scope === 'text' ? STEM_COLUMNS : '{title_stems}'} : (${stems.map(alternativeExpression).join(' OR ')})`);
  return parts.length === 0 ? null : `(${parts.join(' OR ')})`;
}

/** Every group must match (`AND`) or any may (`OR`); `suggest` looks only where suggestions do. */
export function planExpression(plan: QueryPlan, operator: 'AND' | 'OR', scope: 'text' | 'suggest' = 'text'): string {
  return plan.groups.map((group) => groupExpression(group, 'all', scope) ?? NOTHING).join(` ${operator} `);
}

/**
 * The full MATCH expression: the plan's expression (already limited to the text and stem columns),
 * filters as facet tokens (no join needed). `words` must come from `planExpression`.
 */
export function filteredMatch(words: string, filters: IndexFilters): string {
  const parts = [`(${words})`];
  if (filters.categoryId !== undefined) parts.push(`facets : "${facetToken.category(filters.categoryId)}"`);
  if (filters.institutionId !== undefined) parts.push(`facets : "${facetToken.institution(filters.institutionId)}"`);
  if (filters.onlineOnly) parts.push(`facets : "${facetToken.online}"`);
  return parts.join(' AND ');
}

/**
 * What to find and how to rank it. Every string is an FTS5 expression built here from a plan's
 * quoted words, never raw user text.
 */
export interface RankedMatch {
  /** The set of procedures to return (filters included, see `filteredMatch`). */
  match: string;
  /**
   * Expressions whose matches count, in this order: concepts matched (what the person said
   * happened to them outranks incidental words), groups matched, groups matched without typos,
   * groups matched in the title, action words matched («saco», «renovar»: they decide the match
   * only past the title rule's limit), groups matched by the word itself rather than another form of it (Meilisearch's words,
   * typo, attribute and exactness rules).
   */
  rankBy: { concept: string[]; matched: string[]; exact: string[]; title: string[]; action: string[]; unstemmed: string[] };
}

/** Past a few thousand matches the title rule costs more than the 30 ms budget (7 ms of 12 at 100,000). */
const TITLE_RULE_LIMIT = 2000;

/**
 * Chooses the matches of a plan: every group must match; when that leaves fewer results than the
 * page needs, procedures matching most of the groups fill in after them (Meilisearch's «last»
 * matching strategy, by coverage) — unless `allWords` (suggestions as you type: precision first).
 * `countPublished` tells how many of a list of ids are published (facet attributes, in memory).
 *
 * @returns the ranking query and the ids it matches (unordered)
 */
export async function findMatches(
  db: Db,
  plan: QueryPlan,
  filters: IndexFilters,
  options: { needed: number; allWords?: boolean; countPublished: (ids: number[]) => number },
): Promise<{ query: RankedMatch; ids: number[] }> {
  const concept = plan.groups.filter((group) => group.concept).map((group) => groupExpression(group) ?? NOTHING);
  const typoRank = plan.groups.filter((group) => group.fuzzy.length > 0).map((group) => groupExpression(group, 'untyped') ?? NOTHING);
  const stemRank = plan.groups.filter((group) => group.stems.length > 0).map((group) => groupExpression(group, 'exact') ?? NOTHING);
  // Words in the title rank first (Meilisearch's attribute rule); past the limit the title weight
  // of the text score orders them nearly the same.
  const titleRank = (total: number) => (total <= TITLE_RULE_LIMIT ? plan.groups.map((group) => groupExpression(group, 'all', 'title') ?? NOTHING) : []);
  if (options.allWords) {
    // Suggestions: every group but the action words («sacar dui» needs «dui»; «sacar» ranks).
    const things = plan.groups.filter((group) => !group.action);
    const required = things.length > 0 ? { ...plan, groups: things } : plan;
    const match = filteredMatch(planExpression(required, 'AND', 'suggest'), filters);
    const ids = await matchIds(db, match);
    const matched = required === plan ? [] : plan.groups.map((group) => groupExpression(group) ?? NOTHING);
    return {
      query: { match, rankBy: { concept, matched, exact: typoRank, title: titleRank(options.countPublished(ids)), action: [], unstemmed: stemRank } },
      ids,
    };
  }
  // What the person does («saco», «pongo», «renovar») does not decide the match: the things she
  // names are required, and the action ranks among them, right after the things in the title.
  // «cómo saco los antecedentes penales» must find the certificate, not the entries whose steps say
  // «solicitud» and mention a criminal record. Past the title rule's limit the action is required
  // again: among thousands of matches it is precision, and ranking by it would cost too much (the
  // count stops at the limit, so finding out costs little).
  const things = plan.groups.filter((group) => !group.action);
  if (things.length > 0 && things.length < plan.groups.length) {
    const required = { ...plan, groups: things };
    const thingsMatch = filteredMatch(planExpression(required, 'AND'), filters);
    const thingsIds = await matchIds(db, thingsMatch, TITLE_RULE_LIMIT + 1);
    if (thingsIds.length <= TITLE_RULE_LIMIT) {
      const thingsTotal = options.countPublished(thingsIds);
      const title = things.map((group) => groupExpression(group, 'all', 'title') ?? NOTHING);
      // An action in the title counts twice (it is there, and in the title): «Renovación de
      // licencia» before a licence that mentions renewing in its steps.
      const action = plan.groups
        .filter((group) => group.action)
        .flatMap((group) => [groupExpression(group, 'all', 'title') ?? NOTHING, groupExpression(group) ?? NOTHING]);
      if (things.length === 1 || thingsTotal >= options.needed) {
        return { query: { match: thingsMatch, rankBy: { concept, matched: [], exact: typoRank, title, action, unstemmed: stemRank } }, ids: thingsIds };
      }
      const loose = filteredMatch(planExpression(required, 'OR'), filters);
      const looseIds = await matchIds(db, loose);
      const matched = things.map((group) => groupExpression(group) ?? NOTHING);
      const looseTitle = options.countPublished(looseIds) <= TITLE_RULE_LIMIT ? title : [];
      return { query: { match: loose, rankBy: { concept, matched, exact: typoRank, title: looseTitle, action, unstemmed: stemRank } }, ids: looseIds };
    }
  }
  const strict = filteredMatch(planExpression(plan, 'AND'), filters);
  const strictIds = await matchIds(db, strict);
  const strictTotal = options.countPublished(strictIds);
  if (plan.groups.length === 1 || strictTotal >= options.needed) {
    return {
      query: { match: strict, rankBy: { concept, matched: [], exact: typoRank, title: titleRank(strictTotal), action: [], unstemmed: stemRank } },
      ids: strictIds,
    };
  }
  const loose = filteredMatch(planExpression(plan, 'OR'), filters);
  const looseIds = await matchIds(db, loose);
  return {
    query: {
      match: loose,
      rankBy: {
        concept,
        matched: plan.groups.map((group) => groupExpression(group) ?? NOTHING),
        exact: typoRank,
        title: titleRank(options.countPublished(looseIds)),
        action: [],
        unstemmed: stemRank,
      },
    },
    ids: looseIds,
  };
}

const MEMBER = '(rowid IN (SELECT rowid FROM procedure_search WHERE procedure_search MATCH ?))';

/** Every matching procedure id (the first `limit` when given), in one row: far cheaper than a row per match. */
export async function matchIds(db: Db, match: string, limit?: number): Promise<number[]> {
  const rows = await db.execute(
    limit === undefined
      ? { sql: 'SELECT group_concat(rowid) AS ids FROM procedure_search WHERE procedure_search MATCH ?', args: [match] }
      : { sql: 'SELECT group_concat(id) AS ids FROM (SELECT rowid AS id FROM procedure_search WHERE procedure_search MATCH ? LIMIT ?)', args: [match, limit] },
  );
  const text = rows.rows[0]?.ids;
  return text === null || text === undefined || text === '' ? [] : String(text).split(',').map(Number);
}

/** A match of one page, with the ranking keys it was ordered by (see `rankMatches`). */
export interface RankedId {
  id: number;
  /** The ranking keys joined: matches with equal keys are tied. */
  key: string;
}

/**
 * One page of matches, best first: concepts matched, more query words matched, then fewer typos,
 * then words in the title, then words as typed (not another form), then the weighted text score.
 * Exact ties are broken by popularity when the page is read (`pageOfProcedures`).
 * Ranking reads the index alone (4.6 ms instead of 17 ms joined to procedures, for 8,000 matches).
 */
export async function rankMatches(db: Db, query: RankedMatch, page: { limit: number; offset: number }): Promise<RankedId[]> {
  const sum = (list: string[]) => (list.length > 0 ? list.map(() => MEMBER).join(' + ') : '0');
  // Concepts one by one, in the plan's order (the one said with more words first).
  const concepts = query.rankBy.concept.map((_, index) => `${MEMBER} AS concept_${index}`);
  const conceptOrder = query.rankBy.concept.map((_, index) => `concept_${index} DESC, `).join('');
  // A rule with nothing to count is 0 for every row: left out of the sort, which then compares one
  // key less per row (a fifth of the time of a common word's thousands of matches at 100,000).
  const keys = (['matched', 'exact', 'title', 'action', 'unstemmed'] as const)
    .filter((rule) => query.rankBy[rule].length > 0)
    .map((rule) => `${rule}_groups DESC, `)
    .join('');
  const ranked = await db.execute({
    sql: `SELECT rowid AS id, bm25(procedure_search, ${COLUMN_WEIGHTS}) AS score, ${concepts.map((column) => `${column}, `).join('')}
                 ${sum(query.rankBy.matched)} AS matched_groups, ${sum(query.rankBy.exact)} AS exact_groups, ${sum(query.rankBy.title)} AS title_groups,
                 ${sum(query.rankBy.action)} AS action_groups, ${sum(query.rankBy.unstemmed)} AS unstemmed_groups
          FROM procedure_search WHERE procedure_search MATCH ?
          ORDER BY ${conceptOrder}${keys}score
          LIMIT ? OFFSET ?`,
    args: [
      ...query.rankBy.concept,
      ...query.rankBy.matched,
      ...query.rankBy.exact,
      ...query.rankBy.title,
      ...query.rankBy.action,
      ...query.rankBy.unstemmed,
      query.match,
      page.limit,
      page.offset,
    ],
  });
  return ranked.rows.map((row) => ({
    id: Number(row.id),
    key: `${query.rankBy.concept.map((_, index) => row[`concept_${index}`]).join(',')}|${row.matched_groups}|${row.exact_groups}|${row.title_groups}|${row.action_groups}|${row.unstemmed_groups}|${row.score}`,
  }));
}

/**
 * The ranked page with what a result shows, in one read: exact ties of the ranking keys (mostly
 * identical texts) go to the more consulted procedure; any other order stays as ranked.
 */
export async function pageOfProcedures(db: Db, ranked: RankedId[]): Promise<ProcedureSummary[]> {
  if (ranked.length === 0) return [];
  const rows = await db.execute({
    sql: `SELECT p.id, p.slug, p.title, p.summary, p.online, p.cost_amount, p.updated_at, p.popularity,
                 i.slug AS institution_slug, i.name AS institution_name, i.acronym AS institution_acronym,
                 c.slug AS category_slug, c.name AS category_name
            FROM procedures p JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id
           WHERE p.id IN (${ranked.map(() => '?').join(', ')})`,
    args: ranked.map((entry) => entry.id),
  });
  const byId = new Map(rows.rows.map((row) => [Number(row.id), { summary: toSummary(row), popularity: Number(row.popularity) }]));
  return ranked
    .map((entry, position) => ({ ...entry, position, views: byId.get(entry.id)?.popularity ?? 0 }))
    .sort((a, b) => (a.key === b.key ? b.views - a.views : a.position - b.position))
    .flatMap((entry) => byId.get(entry.id)?.summary ?? []);
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

/** Theme, institution and online flag of every published procedure, by id: facets are counted in memory. */
export interface FacetAttributes {
  ids: Int32Array;
  category: Int32Array;
  institution: Int32Array;
  online: Uint8Array;
}

export async function loadFacetAttributes(db: Db): Promise<FacetAttributes> {
  const rows = await db.execute(
    "SELECT group_concat(id) AS ids, group_concat(category_id) AS c, group_concat(institution_id) AS i, group_concat(online) AS o, max(id) AS top FROM procedures WHERE status = 'published'",
  );
  const row = rows.rows[0];
  const size = Number(row?.top ?? 0) + 1;
  const list = (value: unknown) => (value === null || value === undefined || value === '' ? [] : String(value).split(',').map(Number));
  const ids = list(row?.ids);
  const categories = list(row?.c);
  const institutions = list(row?.i);
  const onlines = list(row?.o);
  const attributes: FacetAttributes = {
    ids: Int32Array.from(ids),
    category: new Int32Array(size),
    institution: new Int32Array(size),
    online: new Uint8Array(size),
  };
  ids.forEach((id, index) => {
    attributes.category[id] = categories[index];
    attributes.institution[id] = institutions[index];
    attributes.online[id] = onlines[index];
  });
  return attributes;
}

/** The most consulted published procedures under the filters, for an empty query. */
export async function browseByPopularity(db: Db, filters: IndexFilters, page: { limit: number; offset: number }): Promise<ProcedureSummary[]> {
  const parts: string[] = [];
  const args: (string | number)[] = [];
  if (filters.categoryId !== undefined) {
    parts.push(' AND p.category_id = ?');
    args.push(filters.categoryId);
  }
  if (filters.institutionId !== undefined) {
    parts.push(' AND p.institution_id = ?');
    args.push(filters.institutionId);
  }
  if (filters.onlineOnly) parts.push(' AND p.online = 1');
  const rows = await db.execute({
    sql: `SELECT p.slug, p.title, p.summary, p.online, p.cost_amount, p.updated_at,
                 i.slug AS institution_slug, i.name AS institution_name, i.acronym AS institution_acronym,
                 c.slug AS category_slug, c.name AS category_name
            FROM procedures p JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id
           WHERE p.status = 'published'${parts.join('')}
           ORDER BY p.popularity DESC, p.title COLLATE NOCASE LIMIT ? OFFSET ?`,
    args: [...args, page.limit, page.offset],
  });
  return rows.rows.map((row) => toSummary(row));
}

/** The stored documents of the listed procedures, by slug (for what a question asks about them). */
export async function proceduresDocumentsBySlug(db: Db, slugs: string[]): Promise<Map<string, ProcedureDocument>> {
  if (slugs.length === 0) return new Map();
  const rows = await db.execute({ sql: `SELECT slug, document FROM procedures WHERE slug IN (${slugs.map(() => '?').join(', ')})`, args: slugs });
  // Stored documents were validated when written (store/catalog/procedures.ts).
  return new Map(rows.rows.map((row) => [String(row.slug), JSON.parse(String(row.document)) as ProcedureDocument]));
}
