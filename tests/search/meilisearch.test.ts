import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import { consoleLog } from '../../api/errors.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { countOutbox } from '../../store/catalog/search-outbox.ts';
import { createMeiliClient, drainOutbox, indexSettings, reindex, retryDelayMs } from '../../search/meilisearch.ts';
import { createSearch } from '../../search/select.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';

/** A loopback port with nothing listening: Meilisearch «down». */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('search sync when Meilisearch is unreachable', () => {
  let t: TestStore;
  let meiliUrl: string;
  beforeAll(async () => {
    t = await createTestStore('fixture');
    meiliUrl = `http://127.0.0.1:${await closedPort()}`;
  });
  afterAll(() => t.cleanup());

  it('writes an outbox row in the same transaction as each catalog change', async () => {
    expect(await countOutbox(t.store.db)).toBe(3);
    const changed = fixtureProcedures().slice(0, 1);
    changed[0].summary = 'Resumen nuevo del trámite de prueba del DUI, ya revisado.';
    await importCatalog(t.store, asRows(changed), { source: 'test' });
    expect(await countOutbox(t.store.db)).toBe(4);
  });

  it('answers from the embedded engine and reports it, with the pending count, in /api/health', async () => {
    const search = createSearch(t.store.db, { url: meiliUrl });
    const api = createApi({ store: t.store, search: search.engine, log: consoleLog });
    const result = (await (await api.request('/api/search?q=pasaporte')).json()) as { engine: string; hits: { slug: string }[] };
    expect(result.engine).toBe('fts5');
    expect(result.hits[0].slug).toBe('prueba-pasaporte-renovacion');
    const health = await (await api.request('/api/health')).json();
    expect(health).toEqual({ status: 'ok', db: 'ok', search: { engine: 'fts5', pending: 4 } });
  });

  it('keeps every outbox row after a failed drain and retries later with growing delays', async () => {
    const now = new Date('2026-11-21T10:00:00Z');
    const outcome = await drainOutbox({ client: createMeiliClient({ url: meiliUrl }), db: t.store.db, now: () => now });
    expect(outcome.failed).toBe(true);
    expect(await countOutbox(t.store.db)).toBe(4);
    const rows = await t.store.db.execute('SELECT attempts, next_attempt_at, last_error FROM search_outbox');
    expect(rows.rows.every((row) => Number(row.attempts) === 1 && String(row.next_attempt_at) === '2026-11-21T10:00:05.000Z')).toBe(true);
    // Not due yet: nothing is attempted.
    expect(await drainOutbox({ client: createMeiliClient({ url: meiliUrl }), db: t.store.db, now: () => now })).toEqual({ sent: 0, deleted: 0, failed: false });
    expect([retryDelayMs(0), retryDelayMs(1), retryDelayMs(10)]).toEqual([5_000, 10_000, 600_000]);
  });

  it('clears the outbox when no external engine is configured', async () => {
    await createSearch(t.store.db).sync();
    expect(await countOutbox(t.store.db)).toBe(0);
  });

  it('configures Meilisearch like the embedded engine', () => {
    const settings = indexSettings();
    expect(settings.searchableAttributes?.slice(0, 4)).toEqual(['title', 'keywords', 'summary', 'requirements']);
    expect(settings.rankingRules?.at(-1)).toBe('popularity:desc');
    expect(settings.typoTolerance).toMatchObject({ minWordSizeForTypos: { oneTypo: 5, twoTypos: 9 } });
    expect(settings.synonyms?.dui).toContain('documento unico de identidad');
    expect(settings.synonyms?.sacar).toContain('emision');
    expect(settings.filterableAttributes).toEqual(['category_slug', 'institution_slug', 'online']);
  });
});

const MEILI_URL = process.env.MEILI_URL;

describe.skipIf(!MEILI_URL)('against a real Meilisearch (MEILI_URL)', () => {
  let t: TestStore;
  const indexUid = `procedures_test_${Date.now()}`;
  const meili = { url: MEILI_URL ?? '', apiKey: process.env.MEILI_API_KEY, indexUid };
  beforeAll(async () => {
    t = await createTestStore('fixture');
  });
  afterAll(async () => {
    await createMeiliClient(meili).deleteIndex(indexUid).waitTask().catch(() => undefined);
    t.cleanup();
  });

  it('reindexes, then finds with typos, synonyms and facets', async () => {
    const client = createMeiliClient(meili);
    expect(await reindex({ client, db: t.store.db, indexUid })).toBe(3);
    const search = createSearch(t.store.db, meili);
    const result = await search.engine.search({ query: 'pasaprote', page: 1, limit: 10 });
    expect(result.engine).toBe('meilisearch');
    expect(result.hits[0].slug).toBe('prueba-pasaporte-renovacion');
    const dui = await search.engine.search({ query: 'documento unico de identidad', page: 1, limit: 10 });
    expect(dui.hits[0].slug).toBe('prueba-emision-dui');
    expect(dui.facets.category.length).toBeGreaterThan(0);
  });

  it('drains catalog changes through the outbox', async () => {
    const changed = fixtureProcedures().slice(2, 3);
    changed[0].title = 'Licencia de conducir liviana de prueba renovada';
    await importCatalog(t.store, asRows(changed), { source: 'test' });
    const search = createSearch(t.store.db, meili);
    await search.sync();
    expect(await countOutbox(t.store.db)).toBe(0);
    const result = await search.engine.search({ query: 'renovada', page: 1, limit: 10 });
    expect(result.hits.map((hit) => hit.slug)).toContain('prueba-licencia-conducir');
  });
});
