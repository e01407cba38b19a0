import { Meilisearch, type Settings } from 'meilisearch';
import type { Clock } from '../store/clock.ts';
import type { Db, Store } from '../store/db.ts';
import { iterateSearchDocuments, loadSearchBatch, SEARCH_SYNC, type SearchDocument } from '../store/catalog/search-outbox.ts';
import { claimDue, countUndelivered, discardUndelivered, lastOutboxId, markFailedAttempt, markSent, recoverStaleClaims } from '../store/outbox/outbox.ts';
import { indexGeneration } from '../store/catalog/search-index.ts';
import { loadFacetNames } from '../store/catalog/search-queries.ts';
import type { FacetValue, SearchEngine, SearchHit, SearchRequest, SearchResult } from './engine.ts';
import synonymData from '../data/search/synonyms.json' with { type: 'json' };
import { foldText, MARK_CLOSE, MARK_OPEN, markHighlight, MAX_QUERY_CHARS } from './query.ts';
import { withSnippets } from './snippets.ts';
import { buildThesaurus, type Intent, type Thesaurus } from './synonyms.ts';

export const INDEX_UID = 'procedures';

export interface MeiliConfig {
  url: string;
  /** Server-side only: never sent to a browser. Pages and the API query Meilisearch on the server. */
  apiKey?: string;
  indexUid?: string;
}

export function createMeiliClient(config: MeiliConfig): Meilisearch {
  return new Meilisearch({ host: config.url, apiKey: config.apiKey, timeout: 2000 });
}

/**
 * Index settings equivalent to the embedded engine: the same fields in the same order of
 * importance, the same synonyms and stop words, Meilisearch's typo defaults, popularity last.
 */
export function indexSettings(thesaurus: Thesaurus = buildThesaurus()): Settings {
  // Meilisearch matches synonyms on its own normalised words, stop words included, so it gets the
  // phrases as written in data/search/synonyms.json rather than the embedded engine's compiled form.
  const synonyms: Record<string, string[]> = {};
  const add = (key: string, values: string[]) => {
    const folded = foldText(key).trim();
    const others = values.map((value) => foldText(value).trim()).filter((value) => value !== folded);
    synonyms[folded] = [...new Set([...(synonyms[folded] ?? []), ...others])];
  };
  for (const group of synonymData.equivalent) for (const phrase of group) add(phrase, group);
  for (const [word, targets] of Object.entries(synonymData.expansions)) add(word, targets);
  return {
    // `stems` last: another form of a word matches, below the words themselves (search/stems.ts).
    searchableAttributes: ['title', 'keywords', 'summary', 'requirements', 'institution_name', 'institution_acronym', 'category_name', 'stems'],
    filterableAttributes: ['category_slug', 'institution_slug', 'online'],
    sortableAttributes: ['popularity', 'title'],
    displayedAttributes: ['*'],
    rankingRules: ['words', 'typo', 'proximity', 'attribute', 'sort', 'exactness', 'popularity:desc'],
    stopWords: [...thesaurus.stopWords],
    synonyms,
    typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } },
    faceting: { maxValuesPerFacet: 200 },
    pagination: { maxTotalHits: 10_000 },
  };
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Meilisearch as the search engine, with the embedded engine behind it: when Meilisearch fails or
 * is unreachable, searches are answered by `fallback` and Meilisearch is left alone for a while.
 */
export function createMeiliSearch(deps: {
  client: Meilisearch;
  db: Db;
  clock: Clock;
  fallback: SearchEngine;
  /**
   * Reads the query the way the embedded engine does (question words and filler dropped, concepts
   * and English as catalog words, unknown forms as stems), so both engines search the same words.
   */
  rewrite?: (query: string) => Promise<{ text: string; intent: Intent | null }>;
  indexUid?: string;
  retryAfterMs?: number;
}): SearchEngine & {
  readonly healthy: boolean;
} {
  const index = deps.client.index<SearchDocument>(deps.indexUid ?? INDEX_UID);
  let downUntil = 0;
  let labels: { generation: number; categories: Map<string, string>; institutions: Map<string, string> } | null = null;
  const now = () => deps.clock.now().getTime();

  /** Theme and institution names by slug, for facet labels; reloaded when the index changes. */
  async function names() {
    const generation = await indexGeneration(deps.db);
    if (!labels || labels.generation !== generation) {
      const loaded = await loadFacetNames(deps.db);
      const bySlug = (list: { slug: string; name: string }[]) => new Map(list.map((entry) => [entry.slug, entry.name]));
      labels = { generation, categories: bySlug(loaded.categories), institutions: bySlug(loaded.institutions) };
    }
    return labels;
  }

  return {
    get name() {
      return now() < downUntil ? deps.fallback.name : 'meilisearch';
    },
    get healthy() {
      return now() >= downUntil;
    },
    pending: () => countUndelivered(deps.db, SEARCH_SYNC.kind),
    async search(request: SearchRequest): Promise<SearchResult> {
      if (now() < downUntil) return deps.fallback.search(request);
      const started = performance.now();
      const filter: string[] = [];
      if (request.category) filter.push(`category_slug = ${quote(request.category)}`);
      if (request.institution) filter.push(`institution_slug = ${quote(request.institution)}`);
      if (request.onlineOnly) filter.push('online = true');
      const typed = request.query.slice(0, MAX_QUERY_CHARS).replace(/[\p{Cc}\p{Cf}]/gu, ' ');
      try {
        const rewritten = deps.rewrite && typed.trim() !== '' ? await deps.rewrite(typed) : { text: typed, intent: null };
        // A query of filler only keeps its words (as the embedded engine does).
        const query = rewritten.text.trim() === '' ? typed : rewritten.text;
        const response = await index.search(query, {
          filter,
          facets: ['category_slug', 'institution_slug', 'online'],
          page: request.page,
          hitsPerPage: request.limit,
          attributesToHighlight: ['title', 'summary'],
          highlightPreTag: MARK_OPEN,
          highlightPostTag: MARK_CLOSE,
          ...(query.trim() === '' ? { sort: ['popularity:desc', 'title:asc'] } : {}),
          // Suggestions as you type: every word must match (the last as a prefix, Meilisearch's default).
          ...(request.allWords ? { matchingStrategy: 'all' as const } : {}),
        });
        const { categories, institutions } = await names();
        const distribution = response.facetDistribution ?? {};
        const facet = (values: Record<string, number> | undefined, label: (value: string) => string): FacetValue[] =>
          Object.entries(values ?? {})
            .map(([value, count]) => ({ value, label: label(value), count }))
            .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'es'));
        const total = response.totalHits ?? 0;
        const hits: SearchHit[] = response.hits.map((hit) => ({
          slug: hit.slug,
          title: hit.title,
          summary: hit.summary,
          institution: { slug: hit.institution_slug, name: hit.institution_name, acronym: hit.institution_acronym },
          category: { slug: hit.category_slug, name: hit.category_name },
          online: hit.online,
          highlight: {
            title: markHighlight(String(hit._formatted?.title ?? hit.title), MARK_OPEN, MARK_CLOSE),
            summary: markHighlight(String(hit._formatted?.summary ?? hit.summary), MARK_OPEN, MARK_CLOSE),
          },
        }));
        const result: SearchResult = {
          hits: await withSnippets(deps.db, hits, rewritten.intent),
          facets: {
            category: facet(distribution.category_slug, (slug) => categories.get(slug) ?? slug),
            institution: facet(distribution.institution_slug, (slug) => institutions.get(slug) ?? slug),
            online: [{ value: '1', label: 'Disponible en línea', count: distribution.online?.true ?? 0 }],
          },
          total,
          engine: 'meilisearch',
          took_ms: Math.round((performance.now() - started) * 100) / 100,
          terms: query.split(/\s+/).filter(Boolean),
          ...(rewritten.intent ? { intent: rewritten.intent } : {}),
        };
        if (total === 0 && query.trim() !== '') {
          // Suggestions come from the embedded vocabulary, which knows the same words.
          const embedded = await deps.fallback.search({ ...request, page: 1, limit: 1 });
          if (embedded.suggestion) result.suggestion = embedded.suggestion;
        }
        return result;
      } catch {
        downUntil = now() + (deps.retryAfterMs ?? 30_000);
        return deps.fallback.search(request);
      }
    },
  };
}

export interface DrainOutcome {
  sent: number;
  deleted: number;
  failed: boolean;
  error?: string;
}

/** Waits before the n-th retry: 5 s, 10 s, 20 s … up to 10 minutes. */
export const retryDelayMs = SEARCH_SYNC.retryDelayMs;

/**
 * Sends due outbox rows to Meilisearch and marks them sent only once Meilisearch reports the tasks
 * succeeded; on any failure the rows stay, to be retried with growing delays.
 */
export async function drainOutbox(deps: { client: Meilisearch; store: Store; indexUid?: string }): Promise<DrainOutcome> {
  await recoverStaleClaims(deps.store, SEARCH_SYNC);
  const rows = await claimDue(deps.store, SEARCH_SYNC);
  if (rows.length === 0) return { sent: 0, deleted: 0, failed: false };
  const index = deps.client.index<SearchDocument>(deps.indexUid ?? INDEX_UID);
  try {
    const batch = await loadSearchBatch(deps.store.db, rows);
    const tasks = [];
    if (batch.upserts.length > 0) tasks.push(await index.addDocuments(batch.upserts, { primaryKey: 'id' }));
    if (batch.deletes.length > 0) tasks.push(await index.deleteDocuments(batch.deletes));
    for (const task of await deps.client.tasks.waitForTasks(tasks, { timeout: 30_000 })) {
      if (task.status !== 'succeeded') throw new Error(`tarea ${task.uid} de Meilisearch: ${task.status} ${task.error?.code ?? ''}`.trim());
    }
    await markSent(
      deps.store,
      rows.map((row) => row.id),
    );
    return { sent: batch.upserts.length, deleted: batch.deletes.length, failed: false };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await markFailedAttempt(deps.store, SEARCH_SYNC, rows, message);
    return { sent: 0, deleted: 0, failed: true, error: message };
  }
}

/** Deletes Meilisearch's finished tasks older than `days`, so its task list does not grow forever. */
export async function pruneTasks(client: Meilisearch, clock: Clock, days = 7): Promise<void> {
  const before = new Date(clock.now().getTime() - days * 86_400_000);
  await client.tasks.deleteTasks({ statuses: ['succeeded', 'failed', 'canceled'], beforeEnqueuedAt: before.toISOString() }).waitTask({ timeout: 30_000 });
}

/**
 * Rebuilds the index from the store: a fresh index with the current settings and every published
 * procedure, swapped in atomically; outbox rows older than the rebuild become moot.
 */
export async function reindex(deps: { client: Meilisearch; store: Store; indexUid?: string; onProgress?: (done: number) => void }): Promise<number> {
  const uid = deps.indexUid ?? INDEX_UID;
  const staging = `${uid}_reindex`;
  const upToOutboxId = await lastOutboxId(deps.store.db, SEARCH_SYNC.kind);
  await deps.client
    .deleteIndex(staging)
    .waitTask({ timeout: 60_000 })
    .catch(() => undefined);
  await deps.client.createIndex(staging, { primaryKey: 'id' }).waitTask({ timeout: 60_000 });
  const index = deps.client.index<SearchDocument>(staging);
  await index.updateSettings(indexSettings()).waitTask({ timeout: 120_000 });
  let done = 0;
  for await (const documents of iterateSearchDocuments(deps.store.db)) {
    const task = await index.addDocuments(documents).waitTask({ timeout: 300_000 });
    if (task.status !== 'succeeded') throw new Error(`Meilisearch rechazó documentos: ${task.error?.message ?? task.status}`);
    done += documents.length;
    deps.onProgress?.(done);
  }
  const existing = await deps.client.getIndex(uid).then(
    () => true,
    () => false,
  );
  if (!existing) await deps.client.createIndex(uid, { primaryKey: 'id' }).waitTask({ timeout: 60_000 });
  const swap = await deps.client.swapIndexes([{ indexes: [uid, staging], rename: false }]).waitTask({ timeout: 120_000 });
  if (swap.status !== 'succeeded') throw new Error(`No se pudo activar el índice nuevo: ${swap.error?.message ?? swap.status}`);
  await deps.client.deleteIndex(staging).waitTask({ timeout: 60_000 });
  await discardUndelivered(deps.store, SEARCH_SYNC.kind, upToOutboxId);
  return done;
}
