import type { Db } from '../store/db.ts';
import { indexGeneration, indexVocabulary } from '../store/catalog/search-index.ts';
import {
  browseByPopularity,
  filteredMatch,
  loadFacetAttributes,
  loadFacetNames,
  matchIds,
  proceduresById,
  rankMatches,
  type FacetAttributes,
  type FacetName,
  type IndexFilters,
  type RankedMatch,
} from '../store/catalog/search-queries.ts';
import type { ProcedureSummary } from '../store/catalog/procedures.ts';
import type { FacetValue, SearchEngine, SearchHit, SearchRequest, SearchResult } from './engine.ts';
import { Vocabulary } from './fuzzy.ts';
import { groupExpression, planExpression, planQuery, type QueryPlan } from './plan.ts';
import { escapeHtml } from '../api/edge/html.ts';
import { highlightTerms, markTerms, type HighlightTerms } from './highlight.ts';
import { buildThesaurus, type Thesaurus } from './synonyms.ts';

/** What the engine derives from the index, rebuilt whenever the index changes. */
interface IndexState {
  generation: number;
  vocabulary: Vocabulary;
  categories: { bySlug: Map<string, FacetName>; byId: Map<number, FacetName> };
  institutions: { bySlug: Map<string, FacetName>; byId: Map<number, FacetName> };
  attributes: FacetAttributes;
  /** Recent results; valid only for this generation of the index. */
  results: Map<string, SearchResult>;
}

const RESULT_CACHE_SIZE = 1000;
const TITLE_RULE_LIMIT = 2000;

/**
 * The embedded engine: SQLite FTS5 in the same libSQL store, with Meilisearch's default behaviour —
 * typo tolerance, the last word as a prefix, synonyms and everyday words, every word required
 * unless that leaves too few results (then the best partial matches follow), ranking by words
 * matched, typos, title, text score (title > keywords > summary > requirements) and popularity.
 *
 * @example const search = createEmbeddedSearch(store.db); await search.search({ query: 'sacar dui', page: 1, limit: 10 })
 */
export function createEmbeddedSearch(db: Db, options: { thesaurus?: Thesaurus; resultCacheSize?: number } = {}): SearchEngine {
  const thesaurus = options.thesaurus ?? buildThesaurus();
  const cacheSize = options.resultCacheSize ?? RESULT_CACHE_SIZE;
  let state: IndexState | null = null;

  /** The index's words and facet names, rebuilt only when the index changed since the last search. */
  async function current(): Promise<IndexState> {
    const generation = await indexGeneration(db);
    if (!state || state.generation !== generation) {
      const [words, names, attributes] = await Promise.all([indexVocabulary(db), loadFacetNames(db), loadFacetAttributes(db)]);
      const index = (list: FacetName[]) => ({ bySlug: new Map(list.map((n) => [n.slug, n])), byId: new Map(list.map((n) => [n.id, n])) });
      state = {
        generation,
        vocabulary: new Vocabulary(words),
        categories: index(names.categories),
        institutions: index(names.institutions),
        attributes,
        results: new Map(),
      };
    }
    return state;
  }

  return {
    name: 'fts5',
    async pending() {
      return 0;
    },
    async search(request: SearchRequest): Promise<SearchResult> {
      const started = performance.now();
      const index = await current();
      const plan = planQuery(request.query, thesaurus, index.vocabulary);
      // Popular searches repeat: the same plan on the same index gives the same answer.
      const key = JSON.stringify([plan.groups, request.category, request.institution, request.onlineOnly, request.page, request.limit]);
      const cached = index.results.get(key);
      if (cached) {
        index.results.delete(key);
        index.results.set(key, cached);
        return { ...cached, took_ms: Math.round((performance.now() - started) * 100) / 100 };
      }
      const result = await run(index, plan, request);
      result.took_ms = Math.round((performance.now() - started) * 100) / 100;
      if (cacheSize > 0) {
        if (index.results.size >= cacheSize) index.results.delete(index.results.keys().next().value as string);
        index.results.set(key, result);
      }
      return result;
    },
  };

  async function run(index: IndexState, plan: QueryPlan, request: SearchRequest): Promise<SearchResult> {
    const category = request.category ? index.categories.bySlug.get(request.category) : undefined;
    const institution = request.institution ? index.institutions.bySlug.get(request.institution) : undefined;
    const terms = plan.groups.map((group) => group.typed);
    if ((request.category && !category) || (request.institution && !institution)) {
      // An unknown facet value matches nothing; the API echoes the value back.
      return { hits: [], facets: { category: [], institution: [], online: [onlineFacet(0)] }, total: 0, engine: 'fts5', took_ms: 0, terms };
    }
    const filters: IndexFilters = { categoryId: category?.id, institutionId: institution?.id, onlineOnly: request.onlineOnly };
    const page = { limit: request.limit, offset: (request.page - 1) * request.limit };

    let counts: MatchCounts;
    let hits: SearchHit[];
    let suggestion: string | undefined;
    if (plan.groups.length === 0) {
      counts = countIds(index.attributes, index.attributes.ids, filters);
      hits = (await browseByPopularity(db, filters, page)).map((summary) => toHit(summary, null));
    } else {
      const chosen = await chooseMatch(index, plan, filters, page.offset + page.limit);
      counts = chosen.counts;
      const terms = highlightTerms(plan);
      const ids = counts.total === 0 || page.offset >= counts.total ? [] : await rankMatches(db, chosen.query, page);
      hits = (await proceduresById(db, ids)).map((summary) => toHit(summary, terms));
      if (counts.total === 0) suggestion = didYouMean(plan, index.vocabulary);
    }
    const facet = (byId: Map<number, number>, names: Map<number, FacetName>): FacetValue[] =>
      [...byId]
        .map(([id, count]) => ({ value: names.get(id)?.slug ?? String(id), label: names.get(id)?.name ?? String(id), count }))
        .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'es'));
    return {
      hits,
      facets: {
        category: facet(counts.byCategory, index.categories.byId),
        institution: facet(counts.byInstitution, index.institutions.byId),
        online: [onlineFacet(counts.online)],
      },
      total: counts.total,
      engine: 'fts5',
      took_ms: 0,
      terms,
      ...(plan.corrected && counts.total > 0 ? { corrected: plan.corrected } : {}),
      ...(suggestion ? { suggestion } : {}),
    };
  }

  /**
   * Every group must match; when that leaves fewer results than the page needs, procedures matching
   * most of the groups fill in after them (Meilisearch's «last» matching strategy, by coverage).
   */
  async function chooseMatch(index: IndexState, plan: QueryPlan, filters: IndexFilters, needed: number): Promise<{ query: RankedMatch; counts: MatchCounts }> {
    const typoRank = plan.groups
      .filter((group) => group.fuzzy.length > 0)
      .map((group) => `{title keywords summary body} : ${groupExpression(group, 'exact') ?? '"\u0001"'}`);
    // Words in the title rank first (Meilisearch's attribute rule). Past a few thousand matches the
    // exact rule costs more than the 30 ms budget (7 ms of 12 at 100,000), and the title weight
    // of the text score orders them nearly the same.
    const titleRank = (total: number) => (total <= TITLE_RULE_LIMIT ? plan.groups.map((group) => `{title} : ${groupExpression(group) as string}`) : []);
    const strict = filteredMatch(planExpression(plan, 'AND'), filters);
    const strictCounts = countIds(index.attributes, await matchIds(db, strict), {});
    if (plan.groups.length === 1 || strictCounts.total >= needed) {
      return { query: { match: strict, rankBy: { matched: [], exact: typoRank, title: titleRank(strictCounts.total) } }, counts: strictCounts };
    }
    const loose = filteredMatch(planExpression(plan, 'OR'), filters);
    const looseCounts = countIds(index.attributes, await matchIds(db, loose), {});
    return {
      query: {
        match: loose,
        rankBy: {
          matched: plan.groups.map((group) => `{title keywords summary body} : ${groupExpression(group) as string}`),
          exact: typoRank,
          title: titleRank(looseCounts.total),
        },
      },
      counts: looseCounts,
    };
  }
}

interface MatchCounts {
  total: number;
  online: number;
  byCategory: Map<number, number>;
  byInstitution: Map<number, number>;
}

/** Facet counts of a set of procedure ids, from the in-memory attributes (filters optional). */
function countIds(attributes: FacetAttributes, ids: ArrayLike<number>, filters: IndexFilters): MatchCounts {
  const byCategory = new Map<number, number>();
  const byInstitution = new Map<number, number>();
  let total = 0;
  let online = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id >= attributes.category.length) continue;
    const category = attributes.category[id];
    const institution = attributes.institution[id];
    const isOnline = attributes.online[id] === 1;
    if (category === 0) continue; // not published (or added after the attributes were read)
    if (filters.categoryId !== undefined && category !== filters.categoryId) continue;
    if (filters.institutionId !== undefined && institution !== filters.institutionId) continue;
    if (filters.onlineOnly && !isOnline) continue;
    total++;
    if (isOnline) online++;
    byCategory.set(category, (byCategory.get(category) ?? 0) + 1);
    byInstitution.set(institution, (byInstitution.get(institution) ?? 0) + 1);
  }
  return { total, online, byCategory, byInstitution };
}

function onlineFacet(count: number): FacetValue {
  return { value: '1', label: 'Disponible en línea', count };
}

/**
 * «¿Quisiste decir…?»: each unknown word replaced by the closest indexed word. Looser than search
 * itself (short words may have a typo too), since it only proposes.
 */
function didYouMean(plan: QueryPlan, vocabulary: Vocabulary): string | undefined {
  let changed = false;
  const words = plan.groups.map((group) => {
    const word = group.typed;
    if (word.includes(' ') || word.length < 3 || vocabulary.documents(word) > 0) return word;
    const best = vocabulary.similar(word, { limit: 1, maxTypos: word.length >= 7 ? 2 : 1 })[0];
    if (!best) return word;
    changed = true;
    return best.word;
  });
  return changed ? words.join(' ') : undefined;
}

/** A result with its title and summary escaped and the searched words marked (none when browsing). */
function toHit(summary: ProcedureSummary, terms: HighlightTerms | null): SearchHit {
  return {
    ...hitFields(summary),
    highlight: terms
      ? { title: markTerms(summary.title, terms), summary: markTerms(summary.summary, terms) }
      : { title: escapeHtml(summary.title), summary: escapeHtml(summary.summary) },
  };
}

function hitFields(summary: ProcedureSummary): Omit<SearchHit, 'highlight'> {
  return {
    slug: summary.slug,
    title: summary.title,
    summary: summary.summary,
    institution: summary.institution,
    category: summary.category,
    online: summary.online,
  };
}
