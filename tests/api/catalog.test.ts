import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import type { Log } from '../../api/errors.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
let api: ReturnType<typeof createApi>;
const logged: string[] = [];
const log: Log = { info: (m) => logged.push(m), error: (m) => logged.push(m) };

beforeAll(async () => {
  t = await createTestStore('fixture');
  api = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log });
});
afterAll(() => t.cleanup());

async function json(path: string, init?: RequestInit) {
  const response = await api.request(path, init);
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
}

describe('GET /api/health', () => {
  it('reports the database and the search engine', async () => {
    const { status, body } = await json('/api/health');
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok', db: 'ok', search: { engine: 'fts5', pending: 0 } });
  });
});

describe('GET /api/procedures/{slug}', () => {
  it('returns the published procedure in the exchange format', async () => {
    const { status, body } = await json('/api/procedures/prueba-pasaporte-renovacion');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      slug: 'prueba-pasaporte-renovacion',
      institution: 'dgme',
      institution_name: 'Dirección General de Migración y Extranjería',
      cost: { amount: 25, currency: 'USD' },
      updated_at: '2026-04-10',
    });
  });

  it('answers 304 to a repeat request with the same ETag', async () => {
    const first = await api.request('/api/procedures/prueba-emision-dui');
    const etag = first.headers.get('ETag');
    expect(etag).toBeTruthy();
    const second = await api.request('/api/procedures/prueba-emision-dui', { headers: { 'If-None-Match': etag! } });
    expect(second.status).toBe(304);
  });

  it('answers an unknown slug with a Spanish 404 in the shared error shape', async () => {
    const { status, body } = await json('/api/procedures/no-existe');
    expect(status).toBe(404);
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).toMatch(/No encontramos/);
  });

  it('answers a malformed slug with a 400 naming the field', async () => {
    const { status, body } = await json(`/api/procedures/${encodeURIComponent('<script>')}`);
    expect(status).toBe(400);
    expect(body.error.fields.slug).toMatch(/minúsculas/);
  });
});

describe('GET /api/search', () => {
  it('finds procedures without accents and with the last word as a prefix', async () => {
    const { status, body } = await json(`/api/search?q=${encodeURIComponent('emision dui')}`);
    expect(status).toBe(200);
    expect(body.hits[0].slug).toBe('prueba-emision-dui');
    expect(body.hits[0].highlight.title).toContain('<mark>');
    const prefix = await json('/api/search?q=pasap');
    expect(prefix.body.hits[0].slug).toBe('prueba-pasaporte-renovacion');
    expect(prefix.body).toMatchObject({ engine: 'fts5', total: 1 });
    expect(typeof prefix.body.took_ms).toBe('number');
  });

  it('counts facets and filters by theme, institution and online', async () => {
    const all = await json('/api/search');
    expect(all.body.total).toBe(3);
    expect(all.body.facets.category).toHaveLength(3);
    expect(all.body.facets.online[0].count).toBe(1);
    const online = await json('/api/search?en_linea=1');
    expect(online.body.hits.map((hit: { slug: string }) => hit.slug)).toEqual(['prueba-pasaporte-renovacion']);
    const unknown = await json('/api/search?q=dui&categoria=no-existe');
    expect(unknown.status).toBe(200);
    expect(unknown.body.total).toBe(0);
  });

  it('never reads user text as FTS5 syntax', async () => {
    for (const q of ['"', 'dui*', 'NEAR(dui pasaporte)', 'dui AND OR', '(((', 'title:dui', '^dui', '🙂 dui', 'dui\u0000\u0007']) {
      const { status, body } = await json(`/api/search?q=${encodeURIComponent(q)}`);
      expect(status, q).toBe(200);
      expect(Array.isArray(body.hits), q).toBe(true);
    }
  });

  it('searches the start of a 10,000-character query instead of failing', async () => {
    const { status, body } = await json(`/api/search?q=${'dui '.repeat(2500)}`);
    expect(status).toBe(200);
    expect(body.hits[0].slug).toBe('prueba-emision-dui');
  });

  it('answers absurd parameters with a Spanish 400 naming the field', async () => {
    for (const [query, field] of [
      ['page=abc', 'page'],
      ['page=0', 'page'],
      ['limit=5000', 'limit'],
      ['en_linea=si', 'en_linea'],
      [`categoria=${'x'.repeat(10000)}`, 'categoria'],
      ['institucion=%00%01', 'institucion'],
    ]) {
      const { status, body } = await json(`/api/search?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.code).toBe('invalid_request');
      expect(Object.keys(body.error.fields), query).toContain(field);
      expect(body.error.message, query).toMatch(/Revise/);
    }
  });
});

describe('the API surface', () => {
  it('publishes an OpenAPI 3.1 document generated from the validating schemas', async () => {
    const { status, body } = await json('/api/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/health', '/api/procedures/{slug}', '/api/search']));
    expect(body.components.schemas.Procedure.required).toEqual(expect.arrayContaining(['slug', 'title', 'summary', 'category', 'institution']));
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const { status, body } = await json('/api/nada');
    expect(status).toBe(404);
    expect(body.error.code).toBe('not_found');
  });

  it('hides unexpected failures behind a generic Spanish 500 and logs no request data', async () => {
    const broken = createApi({
      store: t.store,
      search: {
        name: 'broken',
        pending: async () => 0,
        search: async () => {
          throw new Error('boom');
        },
      },
      log,
    });
    const response = await broken.request('/api/search?q=mi%20nombre%20es%20Ana');
    expect(response.status).toBe(500);
    expect(((await response.json()) as any).error.message).toMatch(/Intente de nuevo/);
    expect(logged.join(' ')).not.toContain('Ana');
  });
});
