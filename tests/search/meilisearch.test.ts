import { systemActor } from '../../store/policy.ts';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import { consoleLog } from '../../api/errors.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { SEARCH_SYNC } from '../../store/catalog/search-outbox.ts';
import { claimDue, countUndelivered, markFailedAttempt, recoverStaleClaims } from '../../store/outbox/outbox.ts';
import { createMeiliClient, drainOutbox, indexSettings, reindex, retryDelayMs } from '../../search/meilisearch.ts';
import { createSearch } from '../../search/select.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { asRows, createTestStore, TEST_NOW, type TestStore } from '../fixtures/store.ts';

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

  it('writes an outbox row in the same transaction as each catalog change, one per procedure while pending', async () => {
    expect(await countUndelivered(t.store.db, SEARCH_SYNC.kind)).toBe(3);
    const changed = fixtureProcedures().slice(0, 1);
    changed[0].summary = 'Resumen nuevo del trámite de prueba del DUI, ya revisado.';
    await importCatalog(t.store, asRows(changed), { actor: systemActor('cli'), source: 'test' });
    // The procedure already waits to be sent: the drain sends its state at drain time, once.
    expect(await countUndelivered(t.store.db, SEARCH_SYNC.kind)).toBe(3);
    const rows = await t.store.db.execute('SELECT kind, payload, state, created_at FROM outbox ORDER BY id');
    expect(rows.rows.every((row) => row.kind === 'search.procedure' && row.state === 'pending' && row.created_at === TEST_NOW)).toBe(true);
  });

  it('answers from the embedded engine and reports it, with the pending count, in /api/health', async () => {
    const search = createSearch(t.store, { url: meiliUrl });
    const api = createApi({ store: t.store, search: search.engine, log: consoleLog });
    const result = (await (await api.request('/api/search?q=pasaporte')).json()) as { engine: string; hits: { slug: string }[] };
    expect(result.engine).toBe('fts5');
    expect(result.hits[0].slug).toBe('prueba-pasaporte-renovacion');
    const health = await (await api.request('/api/health')).json();
    expect(health).toEqual({ status: 'ok', db: 'ok', search: { engine: 'fts5', pending: 3 } });
  });

  it('keeps every outbox row after a failed drain and retries later with growing delays', async () => {
    const client = createMeiliClient({ url: meiliUrl });
    const outcome = await drainOutbox({ client, store: t.store });
    expect(outcome.failed).toBe(true);
    expect(await countUndelivered(t.store.db, SEARCH_SYNC.kind)).toBe(3);
    const rows = await t.store.db.execute('SELECT state, attempts, next_attempt_at, last_error FROM outbox');
    const retryAt = new Date(Date.parse(TEST_NOW) + 5_000).toISOString();
    expect(rows.rows.map((row) => [row.state, Number(row.attempts), row.next_attempt_at])).toEqual(Array(3).fill(['pending', 1, retryAt]));
    expect(String(rows.rows[0].last_error)).not.toBe('');
    // Not due yet: nothing is attempted.
    expect(await drainOutbox({ client, store: t.store })).toEqual({ sent: 0, deleted: 0, failed: false });
    // Due again five seconds later: a second failure waits ten.
    t.clock.advance(5_000);
    expect((await drainOutbox({ client, store: t.store })).failed).toBe(true);
    const again = await t.store.db.execute('SELECT attempts, next_attempt_at FROM outbox LIMIT 1');
    expect([Number(again.rows[0].attempts), again.rows[0].next_attempt_at]).toEqual([2, new Date(Date.parse(TEST_NOW) + 15_000).toISOString()]);
    expect([retryDelayMs(0), retryDelayMs(1), retryDelayMs(10)]).toEqual([5_000, 10_000, 600_000]);
  });

  it('puts a row a crashed drain left «sending» back in line, and gives up after too many attempts', async () => {
    await t.store.batch(["UPDATE outbox SET state = 'sending', claimed_at = '2026-11-20T14:00:00.000Z'"]);
    expect(await recoverStaleClaims(t.store, SEARCH_SYNC)).toBe(3);
    expect(Number((await t.store.db.execute("SELECT count(*) AS n FROM outbox WHERE state = 'pending'")).rows[0].n)).toBe(3);
    t.clock.advance(60 * 60_000);
    const claimed = await claimDue(t.store, SEARCH_SYNC, 1);
    expect(claimed).toHaveLength(1);
    await markFailedAttempt(t.store, { ...SEARCH_SYNC, maxAttempts: 3 }, claimed, 'Error: prueba');
    const failed = await t.store.db.execute({ sql: 'SELECT state, attempts FROM outbox WHERE id = ?', args: [claimed[0].id] });
    expect([failed.rows[0].state, Number(failed.rows[0].attempts)]).toEqual(['failed', 3]);
  });

  it('clears the outbox when no external engine is configured', async () => {
    await createSearch(t.store).sync();
    expect(await countUndelivered(t.store.db, SEARCH_SYNC.kind)).toBe(0);
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
  const indexUid = `procedures_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const meili = { url: MEILI_URL ?? '', apiKey: process.env.MEILI_API_KEY, indexUid };
  beforeAll(async () => {
    t = await createTestStore('fixture');
  });
  afterAll(async () => {
    await createMeiliClient(meili)
      .deleteIndex(indexUid)
      .waitTask()
      .catch(() => undefined);
    t.cleanup();
  });

  it('reindexes, then finds with typos, synonyms and facets', async () => {
    const client = createMeiliClient(meili);
    expect(await reindex({ client, store: t.store, indexUid })).toBe(3);
    const search = createSearch(t.store, meili);
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
    await importCatalog(t.store, asRows(changed), { actor: systemActor('cli'), source: 'test' });
    const search = createSearch(t.store, meili);
    await search.sync();
    expect(await countUndelivered(t.store.db, SEARCH_SYNC.kind)).toBe(0);
    const result = await search.engine.search({ query: 'renovada', page: 1, limit: 10 });
    expect(result.hits.map((hit) => hit.slug)).toContain('prueba-licencia-conducir');
  });
});
