import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { addViews } from '../../store/catalog/popularity.ts';
import { systemActor } from '../../store/policy.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';

let current: TestStore | undefined;
afterEach(() => {
  current?.cleanup();
  current = undefined;
});

describe('ties in the embedded ranking', () => {
  it('puts the more consulted of two entries with the same text first, and follows the views when they change', async () => {
    current = await createTestStore('none');
    const [base] = fixtureProcedures();
    const twins = ['a', 'b', 'c'].map((suffix) => ({ ...base, slug: `${base.slug}-${suffix}` }));
    const report = await importCatalog(current.store, asRows(twins), { actor: systemActor('cli'), source: 'test' });
    expect(report.written).toBe(true);
    const ids = new Map(
      (await current.store.db.execute("SELECT id, slug FROM procedures WHERE slug LIKE 'prueba-emision-dui-%'")).rows.map((row) => [
        String(row.slug),
        Number(row.id),
      ]),
    );
    const engine = createEmbeddedSearch(current.store.db, { resultCacheSize: 0 });
    const order = async () => (await engine.search({ query: 'emision dui', page: 1, limit: 10 })).hits.map((hit) => hit.slug);

    await addViews(
      current.store,
      new Map([
        [ids.get('prueba-emision-dui-b')!, 5],
        [ids.get('prueba-emision-dui-c')!, 2],
      ]),
    );
    expect(await order()).toEqual(['prueba-emision-dui-b', 'prueba-emision-dui-c', 'prueba-emision-dui-a']);
    await addViews(current.store, new Map([[ids.get('prueba-emision-dui-a')!, 10]]));
    expect(await order()).toEqual(['prueba-emision-dui-a', 'prueba-emision-dui-b', 'prueba-emision-dui-c']);
  });
});
