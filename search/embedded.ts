import type { Db } from '../store/db.ts';
import { indexGeneration, indexStems, indexVocabulary } from '../store/catalog/search-index.ts';
import {
  browseByPopularity,
  findMatches,
  loadFacetAttributes,
  loadFacetNames,
  pageOfProcedures,
  rankMatches,
  type FacetAttributes,
  type FacetName,
  type IndexFilters,
} from '../store/catalog/search-queries.ts';
import type { ProcedureSummary } from '../store/catalog/procedures.ts';
import type { FacetValue, SearchEngine, SearchHit, SearchRequest, SearchResult } from './engine.ts';
import { Vocabulary } from './fuzzy.ts';
import { plainQuery, planQuery, type QueryPlan } from './plan.ts';
import { escapeHtml } from '../api/edge/html.ts';
import { buildConcepts, type ConceptBook } from './concepts.ts';
import { highlightTerms, markTerms, type HighlightTerms } from './highlight.ts';
import { withSnippets } from './snippets.ts';
import { buildThesaurus, type Intent, type Thesaurus } from './synonyms.ts';

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

/** The embedded engine, which also plans queries for engines without a planner (Meilisearch). */
export interface EmbeddedSearch extends SearchEngine {
  /**
   * The query as plain words, the way this engine reads it: question words and filler dropped,
   * concepts and English replaced by catalog words, unknown forms by their stems.
   */
  rewrite(query: string): Promise<{ text: string; intent: Intent | null }>;
}

/**
 * The embedded engine: SQLite FTS5 in the same libSQL store, with Meilisearch's default behaviour —
 * typo tolerance, the last word as a prefix, synonyms and everyday words, every word required
 * unless that leaves too few results (then the best partial matches follow), ranking by words
 * matched, typos, title, text score (title > keywords > summary > requirements) and popularity.
 *
 * @example const search = createEmbeddedSearch(store.db); await search.search({ query: 'sacar dui', page: 1, limit: 10 })
 */
export function createEmbeddedSearch(db: Db, options: { thesaurus?: Thesaurus; concepts?: ConceptBook; resultCacheSize?: number } = {}): EmbeddedSearch {
  const thesaurus = options.thesaurus ?? buildThesaurus();
  const concepts = options.concepts ?? buildConcepts(new Set([...thesaurus.stopWords, ...thesaurus.filler]));
  const cacheSize = options.resultCacheSize ?? RESULT_CACHE_SIZE;
  let state: IndexState | null = null;

  /** The index's words and facet names, rebuilt only when the index changed since the last search. */
  async function current(): Promise<IndexState> {
    const generation = await indexGeneration(db);
    if (!state || state.generation !== generation) {
      const [words, stems, names, attributes] = await Promise.all([indexVocabulary(db), indexStems(db), loadFacetNames(db), loadFacetAttributes(db)]);
      const index = (list: FacetName[]) => ({ bySlug: new Map(list.map((n) => [n.slug, n])), byId: new Map(list.map((n) => [n.id, n])) });
      state = {
        generation,
        vocabulary: new Vocabulary(words, stems),
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
    async rewrite(query: string) {
      const index = await current();
      const plan = planQuery(query, thesaurus, index.vocabulary, concepts);
      return { text: plainQuery(plan, index.vocabulary), intent: plan.intent };
    },
    async search(request: SearchRequest): Promise<SearchResult> {
      const started = performance.now();
      const index = await current();
      const plan = planQuery(request.query, thesaurus, index.vocabulary, concepts);
      // Popular searches repeat: the same plan on the same index gives the same answer.
      const key = JSON.stringify([
        plan.groups,
        plan.intent,
        request.category,
        request.institution,
        request.onlineOnly,
        request.allWords,
        request.page,
        request.limit,
      ]);
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
      // The chosen list is counted once: findMatches asks for its total, facets reuse the count.
      const counted = new Map<number[], MatchCounts>();
      const count = (ids: number[]) => counted.get(ids) ?? counted.set(ids, countIds(index.attributes, ids, {})).get(ids)!;
      const chosen = await findMatches(db, plan, filters, {
        needed: page.offset + page.limit,
        allWords: request.allWords,
        countPublished: (ids) => count(ids).total,
      });
      counts = count(chosen.ids);
      const terms = highlightTerms(plan);
      const ranked = counts.total === 0 || page.offset >= counts.total ? [] : await rankMatches(db, chosen.query, page);
      hits = await withSnippets(
        db,
        (await pageOfProcedures(db, ranked)).map((summary) => toHit(summary, terms)),
        plan.intent,
      );
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
      ...(plan.intent ? { intent: plan.intent } : {}),
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
 * «¿Quiso decir…?»: each unknown word replaced by the closest indexed word. Looser than search
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
