import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMissingProcedures } from '../../store/catalog/missing-requests.ts';
import { systemActor } from '../../store/policy.ts';
import { createApi } from '../../api/app.ts';
import { consoleLog } from '../../api/errors.ts';
import { createWebApp } from '../../api/web-app.ts';
import { createMetrics } from '../../api/system/metrics.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { loadRenderPage } from '../../server.node.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
let api: ReturnType<typeof createApi>;
beforeAll(async () => {
  t = await createTestStore('seed');
  api = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, remoteAddress: () => '203.0.113.7' });
});
afterAll(() => t.cleanup());

async function search(query: string) {
  const response = await api.request(`/api/search?${query}`);
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
}

describe('search behaviour', () => {
  it('offers «¿Quiso decir…?» when nothing matches', async () => {
    const { body } = await search('q=pasprte');
    expect(body.total).toBe(0);
    expect(body.suggestion).toBe('pasaporte');
  });

  it('says which spelling it searched when it corrected a word', async () => {
    const { body } = await search(`q=${encodeURIComponent('partida de nacimieto')}`);
    expect(body.hits[0].slug).toBe('partida-nacimiento-certificada-alcaldia');
    expect(body.corrected).toBe('partida nacimiento');
  });

  it('echoes an unknown facet value with an empty list', async () => {
    const { status, body } = await search('q=dui&categoria=no-existe&institucion=tampoco');
    expect(status).toBe(200);
    expect(body).toMatchObject({ hits: [], total: 0, applied: { categoria: 'no-existe', institucion: 'tampoco' } });
  });

  it('browses by popularity on an empty query, most viewed first', async () => {
    await t.store.batch(["UPDATE procedures SET popularity = 500 WHERE slug = 'renovacion-pasaporte'"]);
    await t.store.batch(['UPDATE search_state SET generation = generation + 1']);
    const { body } = await search('q=');
    expect(body.hits[0].slug).toBe('renovacion-pasaporte');
    expect(body.total).toBeGreaterThanOrEqual(150);
  });

  it('pages through results without repeating them', async () => {
    const first = await search('q=licencia&limit=3&page=1');
    const second = await search('q=licencia&limit=3&page=2');
    const slugs = [...first.body.hits, ...second.body.hits].map((hit: { slug: string }) => hit.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    expect(first.body.total).toBe(second.body.total);
  });

  it('returns results or an empty list for hostile input, never an error', async () => {
    for (const q of ['\u0000\u0000', '🙂🙂🙂', '"*^:()', 'NEAR AND OR NOT', 'a'.repeat(10_000), '%00%ff', '\u202e dui']) {
      const { status, body } = await search(`q=${encodeURIComponent(q)}`);
      expect(status, JSON.stringify(q.slice(0, 20))).toBe(200);
      expect(Array.isArray(body.hits)).toBe(true);
    }
  });
});

describe('«¿No encuentra el trámite?»', () => {
  function post(fields: Record<string, string>, headers: Record<string, string> = {}) {
    return api.request('/buscar/falta', { method: 'POST', body: new URLSearchParams(fields), headers: { 'Sec-Fetch-Site': 'same-origin', ...headers } });
  }

  it('stores the report encrypted, without control characters, and redirects back with thanks (post/redirect/get)', async () => {
    const response = await post({ q: 'permiso para perro', detalle: 'Registro de mascotas\u0007 en la colonia Xochiquetzal-7731\u0000' });
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/buscar?q=permiso%20para%20perro&aviso=gracias#falta');
    await post({ q: 'Permiso para  PERRO' });
    const groups = await listMissingProcedures(t.store, systemActor('cli'));
    expect(groups).toContainEqual(
      expect.objectContaining({ query: 'permiso para perro', count: 2, details: ['Registro de mascotas en la colonia Xochiquetzal-7731'] }),
    );
    // Neither the database nor its write-ahead log holds the texts in clear.
    const files = ['portal.db', 'portal.db-wal'].map((name) => join(t.dir, name)).filter((path) => existsSync(path));
    for (const path of files) {
      const bytes = readFileSync(path).toString('latin1');
      expect(bytes, path).not.toContain('Xochiquetzal-7731');
      expect(bytes, path).not.toContain('permiso para perro');
    }
  });

  it('thanks bots that fill the hidden field but keeps nothing', async () => {
    const before = await t.store.db.execute('SELECT count(*) AS n FROM missing_procedure_requests');
    const response = await post({ q: 'spam', sitio_web: 'http://spam.example' });
    expect(response.headers.get('Location')).toContain('aviso=gracias');
    const after = await t.store.db.execute('SELECT count(*) AS n FROM missing_procedure_requests');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('refuses posts from other sites (even without Sec-Fetch-Site) and invalid input with a Spanish notice', async () => {
    const crossSite = await post({ q: 'algo' }, { 'Sec-Fetch-Site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toMatch(/desde el propio portal/);
    const foreign = await api.request('/buscar/falta', {
      method: 'POST',
      body: new URLSearchParams({ q: 'algo' }),
      headers: { Origin: 'https://otro-sitio.example' },
    });
    expect(foreign.status).toBe(403);
    expect((await post({ q: 'x' })).headers.get('Location')).toContain('aviso=error');
  });

  it('limits reports per client', async () => {
    const limited = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, remoteAddress: () => '198.51.100.9' });
    const locations: string[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await limited.request('/buscar/falta', {
        method: 'POST',
        body: new URLSearchParams({ q: `consulta ${i}` }),
        headers: { 'Sec-Fetch-Site': 'same-origin' },
      });
      locations.push(response.headers.get('Location') ?? '');
    }
    expect(locations.filter((l) => l.includes('aviso=gracias'))).toHaveLength(5);
    expect(locations.at(-1)).toContain('aviso=limite');
  });
});

describe('search pages and caching', () => {
  it('shows the suggestion and the missing-procedure form on /buscar', async () => {
    const app = createWebApp({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, renderPage: await loadRenderPage() });
    const html = await (await app.request('/buscar?q=pasprte')).text();
    expect(html).toContain('¿Quiso decir');
    expect(html).toContain('href="/buscar?q=pasaporte"');
    expect(html).toContain('action="/buscar/falta"');
    const thanks = await (await app.request('/buscar?q=perro&aviso=gracias')).text();
    expect(thanks).toContain('Gracias. Revisaremos su aviso');
  });

  it('answers a repeated search from the micro-cache', async () => {
    const app = createWebApp({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, renderPage: await loadRenderPage() });
    const first = await app.request('/api/search?q=dui');
    const second = await app.request('/api/search?q=dui');
    expect(first.headers.get('X-Cache')).toBeNull();
    expect(second.headers.get('X-Cache')).toBe('HIT');
    expect(await second.json()).toEqual(await first.json());
  });

  it('gives a cached answer its own request id, and counts it, without turning its headers into a Headers object', async () => {
    const metrics = createMetrics();
    const app = createWebApp({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, renderPage: await loadRenderPage(), metrics });
    const first = await app.request('/api/search?q=partida');
    const second = await app.request('/api/search?q=partida');
    const quoted = await app.request('/api/search?q=partida', { headers: { 'X-Request-Id': 'proxy-id-12345678' } });
    expect(second.headers.get('X-Cache')).toBe('HIT');
    expect(second.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers.get('X-Request-Id')).not.toBe(first.headers.get('X-Request-Id'));
    expect(quoted.headers.get('X-Request-Id')).toBe('proxy-id-12345678');
    const text = await metrics.render(t.store);
    expect(text).toContain('portal_http_requests_total{route="/api/search",method="GET",status="200"} 3');
  });

  it('never puts the Meilisearch key in what a browser receives', async () => {
    const secret = 'clave-maestra-secreta-123';
    process.env.MEILI_API_KEY = secret;
    try {
      const app = createWebApp({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, renderPage: await loadRenderPage() });
      for (const path of ['/', '/buscar?q=dui', '/api/health', '/api/openapi.json', '/api/search?q=dui']) {
        expect(await (await app.request(path)).text(), path).not.toContain(secret);
      }
    } finally {
      delete process.env.MEILI_API_KEY;
    }
  });
});
