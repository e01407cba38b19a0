import type { Meilisearch } from 'meilisearch';
import type { Store } from '../store/db.ts';
import { SEARCH_SYNC } from '../store/catalog/search-outbox.ts';
import { discardUndelivered } from '../store/outbox/outbox.ts';
import { createEmbeddedSearch } from './embedded.ts';
import type { SearchEngine } from './engine.ts';
import { createMeiliClient, createMeiliSearch, drainOutbox, pruneTasks, type MeiliConfig } from './meilisearch.ts';

export interface SearchSetup {
  engine: SearchEngine;
  /** The scheduled part of search: drain the outbox into Meilisearch, or clear it when there is none. */
  sync(): Promise<void>;
  /** Daily housekeeping: Meilisearch's old tasks. */
  prune(): Promise<void>;
}

/**
 * The embedded engine by default; Meilisearch (falling back to the embedded one) when configured.
 *
 * @example const search = createSearch(store, config.MEILI_URL ? { url: config.MEILI_URL, apiKey: config.MEILI_API_KEY } : undefined)
 */
export function createSearch(store: Store, meili?: MeiliConfig): SearchSetup {
  const embedded = createEmbeddedSearch(store.db);
  if (!meili) {
    return {
      engine: embedded,
      // The embedded index is written in the catalog transaction itself: nothing waits outside.
      sync: () => discardUndelivered(store, SEARCH_SYNC.kind),
      prune: async () => undefined,
    };
  }
  const client: Meilisearch = createMeiliClient(meili);
  return {
    engine: createMeiliSearch({ client, db: store.db, clock: store.clock, fallback: embedded, rewrite: embedded.rewrite, indexUid: meili.indexUid }),
    sync: async () => {
      // Drain until empty or failing; failures leave rows for a later, delayed try.
      for (let round = 0; round < 20; round++) {
        const outcome = await drainOutbox({ client, store, indexUid: meili.indexUid });
        if (outcome.failed || outcome.sent + outcome.deleted === 0) return;
      }
    },
    prune: () => pruneTasks(client, store.clock),
  };
}
