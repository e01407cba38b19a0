import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../api/web-app.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { systemActor } from '../../store/policy.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';
import { createTestWebApp } from '../fixtures/web.ts';

const ORIGIN = 'http://portal.test';
let t: TestStore;
let app: ReturnType<typeof createWebApp>;
let address = '192.0.2.10';
const passwords: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = await createTestWebApp(t, { remoteAddress: () => address });
  const admin = await createPerson(t.store, { email: 'admin@portal.test', role: 'admin' }, null, { iterations: 1000 });
  passwords.admin = admin.oneTimePassword;
  passwords.officer = (
    await createPerson(t.store, { email: 'oficial@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, personActor(admin.person), { iterations: 1000 })
  ).oneTimePassword;
  await t.store.batch(['UPDATE people SET must_change_password = 0']);
  await importCatalog(t.store, asRows([{ ...fixtureProcedures()[0], slug: 'nuevo', title: 'Trámite cuyo identificador es «nuevo»' }]), {
    actor: systemActor('cli'),
  });
});
afterAll(() => t.cleanup());

const jsonLogin = (email: string, password: string) =>
  app.request(`${ORIGIN}/api/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
    body: JSON.stringify({ email, password }),
  });
const htmlLogin = (email: string, password: string) =>
  app.request(`${ORIGIN}/admin/entrar`, { method: 'POST', headers: { Origin: ORIGIN }, body: new URLSearchParams({ email, password }) });
const cookieOf = (response: Response) => (response.headers.get('Set-Cookie') ?? '').split(';')[0];

describe('sign-in limits', () => {
  it('count failures of the JSON and the HTML sign-in together: 10 in all, not 10 each', async () => {
    address = '192.0.2.201';
    for (let i = 0; i < 5; i++) expect((await jsonLogin('oficial@rnpn.gob.sv', 'equivocada')).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await htmlLogin('oficial@rnpn.gob.sv', 'equivocada')).status).toBe(401);
    expect((await jsonLogin('oficial@rnpn.gob.sv', passwords.officer)).status).toBe(429);
    expect((await htmlLogin('oficial@rnpn.gob.sv', passwords.officer)).status).toBe(429);
    t.clock.advance(15 * 60_000);
    try {
      address = '192.0.2.202';
      expect((await jsonLogin('oficial@rnpn.gob.sv', passwords.officer)).status).toBe(200);
    } finally {
      t.clock.advance(-15 * 60_000);
    }
  });

  it('never count successful sign-ins, so an office sharing one address is not locked out', async () => {
    address = '192.0.2.203';
    for (let i = 0; i < 15; i++) expect((await htmlLogin('admin@portal.test', passwords.admin)).status, `sign-in ${i + 1}`).toBe(303);
    expect((await jsonLogin('admin@portal.test', passwords.admin)).status).toBe(200);
  });
});

describe('the edge', () => {
  it('marks every admin API answer no-store', async () => {
    address = '192.0.2.204';
    const cookie = cookieOf(await jsonLogin('admin@portal.test', passwords.admin));
    for (const path of ['/api/admin/procedures', '/api/admin/me', '/api/admin/feedback', '/api/admin/nada']) {
      const response = await app.request(`${ORIGIN}${path}`, { headers: { Cookie: cookie } });
      expect(response.headers.get('Cache-Control'), path).toBe('no-store');
    }
    expect((await jsonLogin('nadie@portal.test', 'x')).headers.get('Cache-Control')).toBe('no-store');
  });

  it('lets an institution system with its bearer token post without a body or an Origin', async () => {
    const { createApiToken } = await import('../../store/people/tokens.ts');
    const { token } = await createApiToken(t.store, systemActor('cli'), 'rnpn', 'Sistema de citas');
    const response = await app.request(`${ORIGIN}/api/admin/procedures/prueba-emision-dui/verify`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
  });

  it('answers unknown API paths with the JSON 404, not the HTML page', async () => {
    for (const path of ['/api/nada', '/api/procedures/a/b/c', '/api/admin/nada']) {
      const response = await app.request(`${ORIGIN}${path}`, { method: path.includes('admin') ? 'GET' : 'POST', headers: { Origin: ORIGIN } });
      expect([401, 404], path).toContain(response.status);
      expect(response.headers.get('Content-Type'), path).toMatch(/application\/json/);
    }
    const response = await app.request(`${ORIGIN}/api/nada`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as any).error.code).toBe('not_found');
  });

  it('refuses a public form from another site even when the browser sends no Sec-Fetch-Site', async () => {
    const response = await app.request(`${ORIGIN}/tramites/prueba-emision-dui/opinion`, {
      method: 'POST',
      headers: { Origin: 'https://otro.example' },
      body: new URLSearchParams({ kind: 'want_online' }),
    });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/propio portal/);
    expect(Number((await t.store.db.execute("SELECT count(*) AS n FROM feedback WHERE kind = 'want_online'")).rows[0].n)).toBe(0);
  });

  it('never takes links from the Host header when PUBLIC_BASE_URL is not set', async () => {
    const forged = { Host: 'evil.example' };
    const sitemap = await (await app.request('http://evil.example/sitemap.xml', { headers: forged })).text();
    expect(sitemap).toContain('<loc>http://localhost:4321/');
    expect(sitemap).not.toContain('evil.example');
    const page = await (await app.request('http://evil.example/tramites/prueba-emision-dui', { headers: forged })).text();
    expect(page).toContain('href="http://localhost:4321/tramites/prueba-emision-dui"');
    expect(page).not.toContain('evil.example');
  });
});

describe('catalog writes', () => {
  it('refuse a «last checked» date in the future, by API and by import', async () => {
    address = '192.0.2.205';
    const cookie = cookieOf(await jsonLogin('admin@portal.test', passwords.admin));
    const future = { ...fixtureProcedures()[0], updated_at: '2026-11-21' };
    const response = await app.request(`${ORIGIN}/api/admin/procedures/prueba-emision-dui`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Origin: ORIGIN, Cookie: cookie },
      body: JSON.stringify(future),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.fields.updated_at).toMatch(/posterior a hoy \(2026-11-20\)/);
    const report = await importCatalog(t.store, asRows([future]), { actor: systemActor('cli') });
    expect(report.written).toBe(false);
    expect(report.issues[0]).toMatchObject({ field: 'updated_at' });
  });

  it('keep a procedure whose slug is «nuevo» editable: the form for new ones lives elsewhere', async () => {
    address = '192.0.2.206';
    const cookie = cookieOf(await htmlLogin('admin@portal.test', passwords.admin));
    const page = await app.request(`${ORIGIN}/admin/tramites/nuevo`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Editar: Trámite cuyo identificador es «nuevo»');
    const blank = await app.request(`${ORIGIN}/admin/nuevo-tramite`, { headers: { Cookie: cookie } });
    const html = await blank.text();
    expect(html).toContain('<h1>Nuevo trámite</h1>');
    // The form for new entries never overwrites one that exists.
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const taken = await app.request(`${ORIGIN}/admin/nuevo-tramite`, {
      method: 'POST',
      headers: { Origin: ORIGIN, Cookie: cookie },
      body: new URLSearchParams({
        csrf,
        slug: 'nuevo',
        institution: 'rnpn',
        title: 'Otro trámite distinto',
        summary: 'Un resumen de otro trámite distinto.',
        category: 'identidad',
        cost_amount: '0',
        accion: 'publicar',
      }),
    });
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain('Ya existe un trámite con el identificador «nuevo»');
    expect((await t.store.db.execute("SELECT title FROM procedures WHERE slug = 'nuevo'")).rows[0].title).toBe('Trámite cuyo identificador es «nuevo»');
  });

  it('limit the resolution note of the HTML inbox like the API does', async () => {
    address = '192.0.2.207';
    await t.store.batch([
      "INSERT INTO feedback (procedure_id, kind, message) SELECT id, 'not_like_this', 'texto' FROM procedures WHERE slug = 'prueba-emision-dui'",
    ]);
    const id = Number((await t.store.db.execute('SELECT max(id) AS id FROM feedback')).rows[0].id);
    const cookie = cookieOf(await htmlLogin('admin@portal.test', passwords.admin));
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await app.request(`${ORIGIN}/admin/opiniones`, { headers: { Cookie: cookie } })).text())?.[1] ?? '';
    const post = (fields: Record<string, string>) =>
      app.request(`${ORIGIN}/admin/opiniones/${id}/resolver`, {
        method: 'POST',
        headers: { Origin: ORIGIN, Cookie: cookie },
        body: new URLSearchParams({ csrf, ...fields }),
      });
    expect((await post({ note: 'x'.repeat(2001) })).headers.get('Location')).toBe(`/admin/opiniones?error=nota&id=${id}`);
    expect((await post({ note: 'Corregido', version: 'abc' })).headers.get('Location')).toBe(`/admin/opiniones?error=version&id=${id}`);
    expect((await t.store.db.execute({ sql: 'SELECT status FROM feedback WHERE id = ?', args: [id] })).rows[0].status).toBe('open');
    expect((await post({ note: 'Corregido en la versión 1', version: '1' })).headers.get('Location')).toBe('/admin/opiniones?aviso=resuelta');
  });
});
