import type { Db } from '../store/db.ts';
import { indexGeneration, indexVocabulary } from '../store/catalog/search-index.ts';
import {
  browseByPopularity,
  MARK_CLOSE,
  MARK_OPEN,
  searchFacets,
  searchIndex,
  type FacetCounts,
  type IndexFilters,
  type RankedMatch,
} from '../store/catalog/search-queries.ts';
import type { ProcedureSummary } from '../store/catalog/procedures.ts';
import type { SearchEngine, SearchHit, SearchRequest, SearchResult } from './engine.ts';
import { Vocabulary } from './fuzzy.ts';
import { groupExpression, planExpression, planQuery, type QueryPlan } from './plan.ts';
import { markHighlight } from './query.ts';
import { buildThesaurus, type Thesaurus } from './synonyms.ts';

/**
 * The embedded engine: SQLite FTS5 in the same libSQL store, with Meilisearch's default behaviour —
 * typo tolerance, the last word as a prefix, synonyms and everyday words, every word required
 * unless that leaves too few results (then the best partial matches follow), ranking by words
 * matched, typos, field (title > keywords > summary > requirements) and popularity.
 *
 * @example const search = createEmbeddedSearch(store.db); await search.search({ query: 'sacar dui', page: 1, limit: 10 })
 */
export function createEmbeddedSearch(db: Db, thesaurus: Thesaurus = buildThesaurus()): SearchEngine {
  let cached: { generation: number; vocabulary: Vocabulary } | null = null;

  /** The index's words, rebuilt only when the index changed since the last search. */
  async function vocabulary(): Promise<Vocabulary> {
    const generation = await indexGeneration(db);
    if (!cached || cached.generation !== generation) {
      cached = { generation, vocabulary: new Vocabulary(await indexVocabulary(db)) };
    }
    return cached.vocabulary;
  }

  return {
    name: 'fts5',
    async pending() {
      return 0;
    },
    async search(request: SearchRequest): Promise<SearchResult> {
      const started = performance.now();
      const filters: IndexFilters = { category: request.category, institution: request.institution, onlineOnly: request.onlineOnly };
      const page = { limit: request.limit, offset: (request.page - 1) * request.limit };
      const words = await vocabulary();
      const plan = planQuery(request.query, thesaurus, words);

      let facets: FacetCounts;
      let hits: SearchHit[];
      let suggestion: string | undefined;
      if (plan.groups.length === 0) {
        facets = await searchFacets(db, null, filters);
        hits = (await browseByPopularity(db, filters, page)).map(plainHit);
      } else {
        const ranked = await chooseMatch(plan, filters, page.offset + page.limit);
        facets = ranked.facets;
        hits = facets.total === 0 ? [] : (await searchIndex(db, ranked.query, filters, page)).map(markedHit);
        if (facets.total === 0) suggestion = didYouMean(plan, words);
      }
      return {
        hits,
        facets: {
          category: facets.category,
          institution: facets.institution,
          online: [{ value: '1', label: 'Disponible en línea', count: facets.online }],
        },
        total: facets.total,
        engine: 'fts5',
        took_ms: Math.round((performance.now() - started) * 100) / 100,
        terms: plan.groups.map((group) => group.typed),
        ...(plan.corrected && facets.total > 0 ? { corrected: plan.corrected } : {}),
        ...(suggestion ? { suggestion } : {}),
      };
    },
  };

  /**
   * Every group must match; when that leaves fewer results than the page needs, procedures matching
   * most of the groups fill in after them (Meilisearch's «last» matching strategy, by coverage).
   */
  async function chooseMatch(plan: QueryPlan, filters: IndexFilters, needed: number): Promise<{ query: RankedMatch; facets: FacetCounts }> {
    const typoRank = plan.groups
      .filter((group) => group.fuzzy.length > 0)
      .map((group) => groupExpression(group, 'exact') ?? '"\u0001"');
    const titleRank = plan.groups.map((group) => `{title} : ${groupExpression(group) as string}`);
    const strict = planExpression(plan, 'AND');
    const strictFacets = await searchFacets(db, strict, filters);
    if (plan.groups.length === 1 || strictFacets.total >= needed) {
      return { query: { match: strict, rankBy: { matched: [], exact: typoRank, title: titleRank } }, facets: strictFacets };
    }
    const loose = planExpression(plan, 'OR');
    return {
      query: { match: loose, rankBy: { matched: plan.groups.map((group) => groupExpression(group) as string), exact: typoRank, title: titleRank } },
      facets: await searchFacets(db, loose, filters),
    };
  }
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

function plainHit(summary: ProcedureSummary): SearchHit {
  return {
    ...hitFields(summary),
    highlight: { title: markHighlight(summary.title, MARK_OPEN, MARK_CLOSE), summary: markHighlight(summary.summary, MARK_OPEN, MARK_CLOSE) },
  };
}

function markedHit(hit: ProcedureSummary & { titleMarked: string; summaryMarked: string }): SearchHit {
  return {
    ...hitFields(hit),
    highlight: { title: markHighlight(hit.titleMarked, MARK_OPEN, MARK_CLOSE), summary: markHighlight(hit.summaryMarked, MARK_OPEN, MARK_CLOSE) },
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
