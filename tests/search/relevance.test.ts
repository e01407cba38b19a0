import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchEngine } from '../../search/engine.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { createMeiliClient, reindex } from '../../search/meilisearch.ts';
import { createSearch } from '../../search/select.ts';
import { RELEVANCE_CASES } from '../fixtures/relevance-queries.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

/** Runs every case and prints the hit rates; returns the misses for the failure message. */
async function measure(engine: SearchEngine, label: string) {
  const known = new Set<string>();
  let top1 = 0;
  let top3 = 0;
  const misses: string[] = [];
  for (const testCase of RELEVANCE_CASES) {
    const result = await engine.search({ query: testCase.query, page: 1, limit: 3 });
    const slugs = result.hits.map((hit) => hit.slug);
    slugs.forEach((slug) => known.add(slug));
    if (testCase.expect.includes(slugs[0])) top1++;
    if (slugs.some((slug) => testCase.expect.includes(slug))) top3++;
    else misses.push(`«${testCase.query}» (${testCase.kind}) → ${slugs.join(', ') || 'nada'}; se esperaba ${testCase.expect.join(' | ')}`);
  }
  const total = RELEVANCE_CASES.length;
  console.log(
    `[relevancia ${label}] ${total} búsquedas: top-1 ${((top1 / total) * 100).toFixed(1)}%, top-3 ${((top3 / total) * 100).toFixed(1)}%` +
      (misses.length > 0 ? `\n  fallos:\n  - ${misses.join('\n  - ')}` : ''),
  );
  return { top1: top1 / total, top3: top3 / total, misses };
}

describe('search relevance on the seed catalog', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await createTestStore('seed');
  });
  afterAll(() => t.cleanup());

  it('has at least 80 cases, each expecting a procedure that exists', async () => {
    expect(RELEVANCE_CASES.length).toBeGreaterThanOrEqual(80);
    const slugs = new Set((await t.store.db.execute('SELECT slug FROM procedures')).rows.map((row) => String(row.slug)));
    expect(RELEVANCE_CASES.flatMap((c) => c.expect).filter((slug) => !slugs.has(slug))).toEqual([]);
  });

  it('finds the procedure people mean in the top 3 for at least 90% of queries (embedded FTS5)', async () => {
    const { top3, misses } = await measure(createEmbeddedSearch(t.store.db), 'FTS5');
    expect(top3, misses.join('\n')).toBeGreaterThanOrEqual(0.9);
  });

  it.skipIf(!process.env.MEILI_URL)('does the same with Meilisearch (MEILI_URL)', async () => {
    const meili = {
      url: process.env.MEILI_URL ?? '',
      apiKey: process.env.MEILI_API_KEY,
      indexUid: `relevance_${process.pid}_${Math.random().toString(36).slice(2, 8)}`,
    };
    const client = createMeiliClient(meili);
    await reindex({ client, store: t.store, indexUid: meili.indexUid });
    try {
      const { top3, misses } = await measure(createSearch(t.store, meili).engine, 'Meilisearch');
      expect(top3, misses.join('\n')).toBeGreaterThanOrEqual(0.9);
    } finally {
      await client
        .deleteIndex(meili.indexUid)
        .waitTask()
        .catch(() => undefined);
    }
  });
});
