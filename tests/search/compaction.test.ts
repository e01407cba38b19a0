import { afterEach, describe, expect, it } from 'vitest';
import { scheduledJobs } from '../../api/scheduled-jobs.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { readSeedInstitutions } from '../../store/seed.node.ts';
import { compactSearchIndex, compactSearchIndexIfFragmented, SEGMENTS_BEFORE_COMPACTION, searchIndexSegments } from '../../store/catalog/search-compaction.ts';
import { indexGeneration } from '../../store/catalog/search-index.ts';
import { generateSyntheticCatalog } from '../../store/catalog/synthetic.ts';
import { systemActor } from '../../store/policy.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';

const QUERIES = ['tramite sintetico', 'constancia', 'licencia de funcionamiento', 'permiso', 'renovacion de carne'];

let current: TestStore | undefined;
afterEach(() => {
  current?.cleanup();
  current = undefined;
});

/** A store whose index was written one procedure per transaction, as officers' edits write it. */
async function fragmentedStore(count: number): Promise<TestStore> {
  current = await createTestStore('none');
  const institutions = readSeedInstitutions().map((institution) => ({ slug: institution.slug, name: institution.name }));
  const documents = generateSyntheticCatalog({ count, institutions, categories: ['identidad', 'empresa-y-comercio', 'salud'], today: '2026-11-01', seed: 7 });
  for (const document of documents) {
    const report = await importCatalog(current.store, asRows([document]), { actor: systemActor('cli'), source: 'test' });
    if (!report.written) throw new Error(JSON.stringify(report.issues));
  }
  return current;
}

async function answers(test: TestStore): Promise<string[][]> {
  const engine = createEmbeddedSearch(test.store.db, { resultCacheSize: 0 });
  const lists: string[][] = [];
  for (const query of QUERIES) lists.push((await engine.search({ query, page: 1, limit: 10 })).hits.map((hit) => hit.slug));
  return lists;
}

describe('compacting the embedded search index', () => {
  it('merges a split index into one segment without changing a single result or the generation', async () => {
    const test = await fragmentedStore(40);
    const before = await searchIndexSegments(test.store.db);
    expect(before).toBeGreaterThan(1);
    const results = await answers(test);
    expect(results.some((list) => list.length > 0)).toBe(true);
    const generation = await indexGeneration(test.store.db);

    const run = await compactSearchIndex(test.store);
    expect(run.done).toBe(true);
    expect(await searchIndexSegments(test.store.db)).toBe(1);
    expect(await answers(test)).toEqual(results);
    expect(await indexGeneration(test.store.db)).toBe(generation);
    const integrity = test.store.write((tx) => tx.execute("INSERT INTO procedure_search (procedure_search) VALUES ('integrity-check')"));
    await expect(integrity).resolves.toBeDefined();

    // Already one segment: one step that finds nothing to do.
    expect(await compactSearchIndex(test.store)).toEqual({ steps: 1, done: true });
  });

  it('stops after maxSteps and goes on from there the next time', async () => {
    const test = await fragmentedStore(40);
    const results = await answers(test);
    const first = await compactSearchIndex(test.store, { pagesPerStep: 1, maxSteps: 1 });
    expect(first).toEqual({ steps: 1, done: false });
    // Half-merged, the index still answers the same.
    expect(await answers(test)).toEqual(results);
    const rest = await compactSearchIndex(test.store, { pagesPerStep: 1 });
    expect(rest.done).toBe(true);
    expect(rest.steps).toBeGreaterThan(1);
    expect(await searchIndexSegments(test.store.db)).toBe(1);
  });

  it('is left alone by the scheduled job while the index has few segments', async () => {
    const test = await fragmentedStore(40);
    const segments = await searchIndexSegments(test.store.db);
    expect(await compactSearchIndexIfFragmented(test.store, { threshold: segments })).toBeNull();
    expect(await searchIndexSegments(test.store.db)).toBe(segments);
    const run = await compactSearchIndexIfFragmented(test.store, { threshold: segments - 1 });
    expect(run?.done).toBe(true);
    expect(await searchIndexSegments(test.store.db)).toBe(1);
    expect(SEGMENTS_BEFORE_COMPACTION).toBeGreaterThan(1);
  });

  it('starts the seed catalog in one segment', async () => {
    current = await createTestStore('seed');
    expect(await searchIndexSegments(current.store.db)).toBe(1);
  });

  it('runs as a scheduled job that merges an index split by many edits', async () => {
    const test = await fragmentedStore(60);
    expect(await searchIndexSegments(test.store.db)).toBeGreaterThan(SEGMENTS_BEFORE_COMPACTION);
    const search = { engine: createEmbeddedSearch(test.store.db), sync: async () => undefined, prune: async () => undefined };
    const job = scheduledJobs({ store: test.store, search }).find((candidate) => candidate.name === 'search compaction');
    expect(job).toBeDefined();
    await job!.run();
    expect(await searchIndexSegments(test.store.db)).toBe(1);
  });
});
