import type { Db } from '../store/db.ts';
import {
  browseByPopularity,
  MARK_CLOSE,
  MARK_OPEN,
  searchFacets,
  searchIndex,
  type IndexFilters,
} from '../store/catalog/search-queries.ts';
import type { SearchEngine, SearchHit, SearchRequest, SearchResult } from './engine.ts';
import { ftsExpression, markHighlight, queryTerms } from './query.ts';

/**
 * The embedded engine: SQLite FTS5 in the same libSQL store. Every word must match (the last as a
 * prefix); when that finds nothing, any word may match.
 *
 * @example const search = createEmbeddedSearch(store.db); await search.search({ query: 'pasaporte', page: 1, limit: 10 })
 */
export function createEmbeddedSearch(db: Db): SearchEngine {
  return {
    name: 'fts5',
    async pending() {
      return 0;
    },
    async search(request: SearchRequest): Promise<SearchResult> {
      const started = performance.now();
      const filters: IndexFilters = { category: request.category, institution: request.institution, onlineOnly: request.onlineOnly };
      const page = { limit: request.limit, offset: (request.page - 1) * request.limit };
      const { terms, lastIsPrefix } = queryTerms(request.query);

      let match: string | null = null;
      let hits: SearchHit[];
      let facets;
      if (terms.length === 0) {
        facets = await searchFacets(db, null, filters);
        hits = (await browseByPopularity(db, filters, page)).map((summary) => ({
          ...hitFields(summary),
          highlight: { title: markHighlight(summary.title, MARK_OPEN, MARK_CLOSE), summary: markHighlight(summary.summary, MARK_OPEN, MARK_CLOSE) },
        }));
      } else {
        // Every word first; when that finds nothing, any word (decided on the totals so every page agrees).
        match = ftsExpression(terms, lastIsPrefix, 'AND');
        facets = await searchFacets(db, match, filters);
        if (facets.total === 0 && terms.length > 1) {
          match = ftsExpression(terms, lastIsPrefix, 'OR');
          facets = await searchFacets(db, match, filters);
        }
        const found = facets.total === 0 ? [] : await searchIndex(db, match, filters, page);
        hits = found.map((hit) => ({
          ...hitFields(hit),
          highlight: { title: markHighlight(hit.titleMarked, MARK_OPEN, MARK_CLOSE), summary: markHighlight(hit.summaryMarked, MARK_OPEN, MARK_CLOSE) },
        }));
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
        terms,
      };
    },
  };
}

function hitFields(summary: {
  slug: string;
  title: string;
  summary: string;
  institution: SearchHit['institution'];
  category: SearchHit['category'];
  online: boolean;
}): Omit<SearchHit, 'highlight'> {
  return {
    slug: summary.slug,
    title: summary.title,
    summary: summary.summary,
    institution: summary.institution,
    category: summary.category,
    online: summary.online,
  };
}
