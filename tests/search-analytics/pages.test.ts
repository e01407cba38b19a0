import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { searchResultHref } from '../../api/catalog/routes.ts';
import { SENSITIVE_PROCEDURE_SLUGS } from '../../api/edge/sensitive.ts';
import type { createWebApp } from '../../api/web-app.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { flushSearchCounts, OTHER_QUERY } from '../../store/search-analytics/analytics.ts';
import { createTestStore, TEST_NOW, type TestStore } from '../fixtures/store.ts';
import { createTestWebApp, FAST_ITERATIONS } from '../fixtures/web.ts';

/**
 * Search analytics through the web app: what /buscar and GET /api/search count (and what they do
 * not), result links that count an opening on their way to the procedure page, and the officers'
 * page /admin/busquedas with its scope.
 */

const ORIGIN = 'http://portal.test';
type App = ReturnType<typeof createWebApp>;
type Session = { cookie: string };

const ACCOUNTS = {
  admin: { email: 'admin@portal.test', role: 'admin' },
  officerRnpn: { email: 'oficial@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' },
  officerDgme: { email: 'oficial@dgme.gob.sv', role: 'officer', institutionSlug: 'dgme' },
  quejas: { email: 'quejas@portal.test', role: 'operator', queue: 'quejas' },
} as const;
type Who = keyof typeof ACCOUNTS;

let t: TestStore;
let app: App;
let s: Record<Who, Session>;

async function signInAll(): Promise<Record<Who, Session>> {
  const passwords = new Map<Who, string>();
  let admin: Parameters<typeof personActor>[0] | null = null;
  for (const name of Object.keys(ACCOUNTS) as Who[]) {
    const { email, role, ...scope } = ACCOUNTS[name] as { email: string; role: 'admin' | 'officer' | 'operator'; institutionSlug?: string; queue?: string };
    const made = await createPerson(t.store, { email, role, ...scope }, admin ? personActor(admin) : null, { iterations: FAST_ITERATIONS });
    if (role === 'admin') admin = made.person;
    passwords.set(name, made.oneTimePassword);
  }
  await t.store.batch(['UPDATE people SET must_change_password = 0']);
  const sessions = {} as Record<Who, Session>;
  for (const name of Object.keys(ACCOUNTS) as Who[]) {
    const response = await app.request(`${ORIGIN}/admin/entrar`, {
      method: 'POST',
      body: new URLSearchParams({ email: ACCOUNTS[name].email, password: passwords.get(name) ?? '' }),
      headers: { Origin: ORIGIN },
    });
    expect(response.status, `sign-in of ${name}`).toBe(303);
    sessions[name] = { cookie: (response.headers.get('Set-Cookie') ?? '').split(';')[0] };
  }
  return sessions;
}

const get = (path: string, headers: Record<string, string> = {}) => app.request(`${ORIGIN}${path}`, { headers });
const as = (who: Who, path: string) => get(path, { Cookie: s[who].cookie });
const q = (text: string) => encodeURIComponent(text);

async function daily(): Promise<Record<string, unknown>[]> {
  await flushSearchCounts(t.store);
  const result = await t.store.db.execute('SELECT query, searches, zero_result_searches, opened FROM search_daily ORDER BY query');
  return result.rows.map((row) => ({ ...row }));
}

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.80' });
  s = await signInAll();
});
afterAll(() => t?.cleanup());
beforeEach(async () => {
  t.clock.set(TEST_NOW);
  await flushSearchCounts(t.store);
  await t.store.batch(['DELETE FROM search_daily', 'DELETE FROM search_daily_opened']);
});

describe('searches counted on /buscar', () => {
  it('counts a search once whatever its accents and case, not its other pages nor its filters', async () => {
    expect((await get(`/buscar?q=${q('Pasaporte')}`)).status).toBe(200);
    expect((await get(`/buscar?q=${q('PASAPÓRTE')}`, { Referer: `${ORIGIN}/` })).status).toBe(200);
    // Its second page, and a filter followed from its results: the same search.
    await get(`/buscar?q=pasaporte&pagina=2`);
    await get(`/buscar?q=pasaporte&categoria=migracion-y-viajes`, { Referer: `${ORIGIN}/buscar?q=Pasaporte` });
    // Back from «¿No encuentra el trámite?» (303 from the form on the same search).
    await get(`/buscar?q=pasaporte&aviso=gracias`, { Referer: `${ORIGIN}/buscar?q=pasaporte` });
    expect(await daily()).toEqual([{ query: 'pasaporte', searches: 2, zero_result_searches: 0, opened: 0 }]);
  });

  it('counts searches that found nothing', async () => {
    const html = await (await get('/buscar?q=zzzzqqq')).text();
    expect(html).toContain('No encontramos trámites para «zzzzqqq»');
    await get('/buscar?q=Zzzzqqq', { Referer: `${ORIGIN}/` });
    expect(await daily()).toEqual([{ query: 'zzzzqqq', searches: 2, zero_result_searches: 2, opened: 0 }]);
  });

  it('never stores an e-mail or a number typed in the search: it counts as «otra»', async () => {
    await get(`/buscar?q=${q('ana.perez@correo.sv dui')}`);
    await get(`/buscar?q=${q('dui 01234567-8')}`);
    await get(`/buscar?q=${q('7123-4567')}`);
    const rows = await daily();
    expect(rows).toEqual([{ query: OTHER_QUERY, searches: 3, zero_result_searches: expect.any(Number), opened: 0 }]);
    const everything = JSON.stringify((await t.store.db.execute('SELECT * FROM search_daily')).rows);
    for (const text of ['ana', 'correo', '01234567', '7123', '4567']) expect(everything).not.toContain(text);
  });

  it('counts nothing when the search reads like someone in danger, and links its results directly', async () => {
    const html = await (await get(`/buscar?q=${q('mi esposo me golpea')}`)).text();
    expect(html).not.toContain('/api/search/open');
    expect(await daily()).toEqual([]);
  });
});

describe('searches counted on GET /api/search', () => {
  it('counts a client’s search on its first page only', async () => {
    expect((await get('/api/search?q=Licencia')).status).toBe(200);
    await get('/api/search?q=licencia&page=2');
    expect(await daily()).toEqual([{ query: 'licencia', searches: 1, zero_result_searches: 0, opened: 0 }]);
  });

  it('does not count a search that reads like someone in danger', async () => {
    expect((await get(`/api/search?q=${q('mi esposo me golpea')}`)).status).toBe(200);
    expect(await daily()).toEqual([]);
  });

  it('does not count the results-as-you-type list our own pages fetch', async () => {
    await get('/api/search?limit=6&q=lic', { 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors' });
    await get('/api/search?limit=6&q=lice', { Referer: `${ORIGIN}/buscar` });
    expect(await daily()).toEqual([]);
  });
});

describe('results opened from /buscar', () => {
  it('link through a counter that sends people on to the procedure page, counted for its institution', async () => {
    const html = await (await get(`/buscar?q=${q('Renovación pasaporte')}`)).text();
    const href = /href="(\/api\/search\/open\?[^"]+)"/.exec(html)?.[1].replace(/&amp;/g, '&') ?? '';
    expect(href).toBe('/api/search/open?q=renovacion%20pasaporte&to=/tramites/prueba-pasaporte-renovacion');
    const response = await get(href, { Referer: `${ORIGIN}/buscar?q=${q('Renovación pasaporte')}` });
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/tramites/prueba-pasaporte-renovacion');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    // The procedure page itself is unchanged: no query in its address, still validated by its ETag.
    const page = await get('/tramites/prueba-pasaporte-renovacion');
    const etag = page.headers.get('ETag') ?? '';
    expect(etag).not.toBe('');
    expect((await get('/tramites/prueba-pasaporte-renovacion', { 'If-None-Match': etag })).status).toBe(304);
    expect(await daily()).toEqual([{ query: 'renovacion pasaporte', searches: 1, zero_result_searches: 0, opened: 1 }]);
    const byInstitution = await t.store.db.execute(
      'SELECT i.slug, o.query, o.opened FROM search_daily_opened o JOIN institutions i ON i.id = o.institution_id',
    );
    expect(byInstitution.rows.map((row) => ({ ...row }))).toEqual([{ slug: 'dgme', query: 'renovacion pasaporte', opened: 1 }]);
  });

  it('sends a malformed link to the search, and an unknown procedure to its (missing) page, counting nothing', async () => {
    for (const to of ['/tramites/../admin', 'https://example.com/tramites/x', '//example.com', '/tramites/prueba-emision-dui%0d%0aSet-Cookie:x']) {
      const bad = await get(`/api/search/open?q=dui&to=${q(to)}`);
      expect(bad.status, to).toBe(303);
      expect(bad.headers.get('Location'), to).toBe('/buscar');
    }
    const unknown = await get('/api/search/open?q=dui&to=/tramites/no-existe');
    expect(unknown.headers.get('Location')).toBe('/tramites/no-existe');
    expect(await daily()).toEqual([]);
  });

  it('never counts the way to a victim procedure’s page: its results link to it directly', async () => {
    const slug = SENSITIVE_PROCEDURE_SLUGS[0];
    expect(searchResultHref('violencia', slug)).toBe(`/tramites/${slug}`);
    const response = await get(`/api/search/open?q=violencia&to=/tramites/${slug}`);
    expect(response.headers.get('Location')).toBe(`/tramites/${slug}`);
    expect(await daily()).toEqual([]);
  });
});

describe('/admin/busquedas', () => {
  async function someSearches(): Promise<void> {
    for (const referer of [`${ORIGIN}/`, `${ORIGIN}/categorias`]) {
      await get(`/buscar?q=${q('Sacar DUI')}`, { Referer: referer });
      await get('/api/search/open?q=sacar%20dui&to=/tramites/prueba-emision-dui');
      await get(`/buscar?q=${q('renovar pasaporte')}`, { Referer: referer });
      await get('/api/search/open?q=renovar%20pasaporte&to=/tramites/prueba-pasaporte-renovacion');
      await get(`/buscar?q=${q('zzzzqqq')}`, { Referer: referer });
    }
    await flushSearchCounts(t.store);
  }

  it('asks who you are first, like every workspace page', async () => {
    const response = await get('/admin/busquedas');
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe(`/admin/entrar?volver=${encodeURIComponent('/admin/busquedas')}`);
  });

  it('says «sin datos» when nobody searched in the period', async () => {
    const response = await as('officerRnpn', '/admin/busquedas');
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('<h1>Qué busca la gente</h1>');
    expect(html).toContain('Sin datos en este periodo.');
    expect(html).toContain('href="/admin/busquedas"');
  });

  it('shows an officer the queries that led to their institution, the zero-result ones and the missing-requirement cases', async () => {
    await someSearches();
    const html = await (await as('officerRnpn', '/admin/busquedas?dias=7')).text();
    expect(html).toContain('Búsquedas que llevaron a trámites de Registro Nacional de las Personas Naturales');
    expect(html).toContain('<th scope="row">sacar dui</th>');
    expect(html).not.toContain('renovar pasaporte');
    expect(html).toContain('<th scope="row">zzzzqqq</th>');
    expect(html).toMatch(/href="\/admin\/busquedas\?dias=7" aria-current="page"/);
    expect(html).toContain('href="/admin/casos?tipo=requisito&amp;estado=todos"');
    // The missing-procedure texts are the administration's: no link for officers.
    expect(html).not.toContain('href="/admin/opiniones">Ver lo que escribieron');
    const dgme = await (await as('officerDgme', '/admin/busquedas')).text();
    expect(dgme).toContain('<th scope="row">renovar pasaporte</th>');
    expect(dgme).not.toContain('sacar dui');
  });

  it('shows the administration every institution, and refuses operators', async () => {
    await someSearches();
    const html = await (await as('admin', '/admin/busquedas?dias=90')).text();
    expect(html).toContain('Búsquedas más frecuentes');
    for (const query of ['sacar dui', 'renovar pasaporte', 'zzzzqqq']) expect(html).toContain(`<th scope="row">${query}</th>`);
    expect(html).toContain('href="/admin/opiniones">Ver lo que escribieron');
    const refused = await as('quejas', '/admin/busquedas');
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('sacar dui');
  });

  it('is in the workspace navigation of those who keep the catalog', async () => {
    expect(await (await as('officerRnpn', '/admin')).text()).toContain('<a href="/admin/busquedas">Búsquedas</a>');
    expect(await (await as('quejas', '/admin/casos')).text()).not.toContain('/admin/busquedas');
  });

  it('lists a query typed only once in the period nowhere (small cells)', async () => {
    await get(`/buscar?q=${q('constancia para juan perez')}`);
    await flushSearchCounts(t.store);
    const html = await (await as('admin', '/admin/busquedas')).text();
    expect(html).not.toContain('juan perez');
    expect(html).toContain('1 búsqueda');
  });
});
