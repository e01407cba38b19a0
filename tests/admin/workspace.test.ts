import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../api/web-app.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { createTestWebApp } from '../fixtures/web.ts';
import { createTestStore, TEST_NOW, type TestStore } from '../fixtures/store.ts';

const ORIGIN = 'http://portal.test';
let t: TestStore;
let app: ReturnType<typeof createWebApp>;
let officerPassword = '';
let operatorPassword = '';

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.30' });
  const admin = await createPerson(t.store, { email: 'admin@portal.test', role: 'admin' }, null, { iterations: 1000 });
  officerPassword = (
    await createPerson(t.store, { email: 'oficial@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, personActor(admin.person), { iterations: 1000 })
  ).oneTimePassword;
  operatorPassword = (
    await createPerson(t.store, { email: 'operador@portal.test', role: 'operator', queue: 'emergencias' }, personActor(admin.person), { iterations: 1000 })
  ).oneTimePassword;
  await t.store.batch([
    "INSERT INTO feedback (procedure_id, kind, part, message) SELECT id, 'not_like_this', 'oficinas', 'Cerraron el Duicentro de prueba' FROM procedures WHERE slug = 'prueba-emision-dui'",
  ]);
});
afterAll(() => t.cleanup());

function post(path: string, fields: Record<string, string>, cookie?: string) {
  return app.request(`${ORIGIN}${path}`, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { Origin: ORIGIN, ...(cookie ? { Cookie: cookie } : {}) },
  });
}
function get(path: string, cookie?: string) {
  return app.request(`${ORIGIN}${path}`, { headers: cookie ? { Cookie: cookie } : {} });
}
async function csrfOf(path: string, cookie: string): Promise<string> {
  const html = await (await get(path, cookie)).text();
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}
async function signIn(email: string, password: string, volver = ''): Promise<{ cookie: string; location: string }> {
  const response = await post('/admin/entrar', { email, password, volver });
  return { cookie: (response.headers.get('Set-Cookie') ?? '').split(';')[0], location: response.headers.get('Location') ?? '' };
}

let officer = '';

describe("the officers' workspace", () => {
  it('sends people without a session to sign in, then back where they were', async () => {
    const response = await get('/admin/opiniones?estado=todas');
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/admin/entrar?volver=%2Fadmin%2Fopiniones%3Festado%3Dtodas');
    const page = await (await get('/admin/entrar?volver=%2Fadmin%2Fopiniones')).text();
    expect(page).toContain('Al entrar volverá a la página donde estaba');
  });

  it('shows a focused error summary for a wrong password', async () => {
    const response = await post('/admin/entrar', { email: 'oficial@rnpn.gob.sv', password: 'equivocada' });
    expect(response.status).toBe(401);
    const html = await response.text();
    expect(html).toMatch(/class="error-summary"[^>]*tabindex="-1"[^>]*autofocus/);
    expect(html).toContain('El correo o la contraseña no son correctos.');
  });

  it('asks for a new password after a one-time password, refusing weak ones', async () => {
    const { cookie, location } = await signIn('oficial@rnpn.gob.sv', officerPassword, '/admin/opiniones');
    officer = cookie;
    expect(location).toBe('/admin/opiniones');
    expect((await get('/admin/opiniones', officer)).headers.get('Location')).toBe('/admin/clave');
    const csrf = await csrfOf('/admin/clave', officer);
    const wrongCurrent = await post(
      '/admin/clave',
      { csrf, current_password: 'no-es-la-de-un-solo-uso', new_password: 'girasol-tranvia-nube-ocho', confirm_password: 'girasol-tranvia-nube-ocho' },
      officer,
    );
    expect(wrongCurrent.status).toBe(400);
    expect(await wrongCurrent.text()).toContain('La contraseña actual no es correcta');
    const weak = await post(
      '/admin/clave',
      { csrf, current_password: officerPassword, new_password: 'password1234', confirm_password: 'password1234' },
      officer,
    );
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain('muy común');
    const strong = await post(
      '/admin/clave',
      { csrf, current_password: officerPassword, new_password: 'girasol-tranvia-nube-ocho', confirm_password: 'girasol-tranvia-nube-ocho' },
      officer,
    );
    expect(strong.headers.get('Location')).toBe('/admin?aviso=clave');
  });

  it('lists my institution’s procedures with freshness, flagging those unverified for 180 days and no others', async () => {
    const rowOf = (html: string, title: string) => html.split('<tr>').find((row) => row.includes(title)) ?? '';
    // The store's day is TEST_NOW (2026-11-20): 2026-05-24 is 180 days before, 2026-05-25 is 179.
    await t.store.batch(["UPDATE procedures SET updated_at = '2026-05-25' WHERE slug = 'prueba-emision-dui'"]);
    const fresh = await (await get('/admin', officer)).text();
    expect(fresh).toContain('Emisión de prueba del DUI');
    expect(fresh).not.toContain('Renovación de prueba del pasaporte');
    expect(rowOf(fresh, 'Emisión de prueba del DUI')).not.toContain('sin verificar');
    expect(fresh).toContain('Todos verificados en los últimos 180 días');
    await t.store.batch(["UPDATE procedures SET updated_at = '2026-05-24' WHERE slug = 'prueba-emision-dui'"]);
    const stale = await (await get('/admin', officer)).text();
    expect(rowOf(stale, 'Emisión de prueba del DUI')).toContain('sin verificar');
    expect(stale).toContain('1 sin verificar en 180 días o más');
  });

  it('refuses a form without its CSRF token', async () => {
    expect((await post('/admin/tramites/prueba-emision-dui/verificar', {}, officer)).status).toBe(403);
  });

  it('«Verificado hoy» moves the verification date (not the last change) without a new version, and can be undone', async () => {
    const before = await t.store.db.execute("SELECT updated_at, verified_at FROM procedures WHERE slug = 'prueba-emision-dui'");
    const csrf = await csrfOf('/admin', officer);
    const response = await post('/admin/tramites/prueba-emision-dui/verificar', { csrf }, officer);
    const location = response.headers.get('Location') ?? '';
    expect(location).toBe(`/admin?aviso=verificado&tramite=prueba-emision-dui&antes=${before.rows[0].verified_at ?? 'ninguna'}`);
    const row = await t.store.db.execute("SELECT updated_at, verified_at, version, document FROM procedures WHERE slug = 'prueba-emision-dui'");
    expect(row.rows[0]).toMatchObject({ updated_at: before.rows[0].updated_at, verified_at: TEST_NOW.slice(0, 10), version: 1 });
    expect(JSON.parse(String(row.rows[0].document)).verified_at).toBe(TEST_NOW.slice(0, 10));
    const page = await (await get(location, officer)).text();
    expect(page).not.toContain('sin verificar');
    expect(page).toContain('Deshacer');
    expect(page).toContain('action="/admin/tramites/prueba-emision-dui/deshacer-verificacion"');

    const undo = await post('/admin/tramites/prueba-emision-dui/deshacer-verificacion', { csrf, previous_verified_at: 'ninguna' }, officer);
    expect(undo.headers.get('Location')).toBe('/admin?aviso=verificacion-deshecha');
    const undone = await t.store.db.execute("SELECT updated_at, verified_at, document FROM procedures WHERE slug = 'prueba-emision-dui'");
    expect(undone.rows[0]).toMatchObject({ updated_at: before.rows[0].updated_at, verified_at: before.rows[0].verified_at });
    expect(JSON.parse(String(undone.rows[0].document)).verified_at).toBeUndefined();
    const audit = await t.store.db.execute(
      "SELECT action FROM audit_log WHERE entity = 'procedure' AND entity_id = 'prueba-emision-dui' ORDER BY id DESC LIMIT 2",
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['procedure.verify.undo', 'procedure.verify']);
    // Only once, and only back to the date the audit log recorded.
    const again = await post('/admin/tramites/prueba-emision-dui/deshacer-verificacion', { csrf, previous_verified_at: 'ninguna' }, officer);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('Ya no se puede deshacer');
    await post('/admin/tramites/prueba-emision-dui/verificar', { csrf }, officer);
    const forged = await post('/admin/tramites/prueba-emision-dui/deshacer-verificacion', { csrf, previous_verified_at: '2020-01-01' }, officer);
    expect(forged.status).toBe(409);
    expect((await t.store.db.execute("SELECT verified_at FROM procedures WHERE slug = 'prueba-emision-dui'")).rows[0].verified_at).toBe(TEST_NOW.slice(0, 10));
  });

  it('validates the edit form on the server, previews, then publishes with a note', async () => {
    const csrf = await csrfOf('/admin/tramites/prueba-emision-dui', officer);
    const form = await (await get('/admin/tramites/prueba-emision-dui', officer)).text();
    const values: Record<string, string> = {
      csrf,
      title: '',
      summary: 'Resumen corto.',
      category: 'identidad',
      requirements: 'Tener 18 años',
      steps: 'Ir\nEsperar',
      cost_amount: 'diez',
      channel_presencial: 'on',
    };
    const bad = await post('/admin/tramites/prueba-emision-dui', values, officer);
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('Escriba el título');
    expect(html).toContain('Escriba el costo como número');
    expect(html).toContain('href="#campo-title"');
    expect(form).toContain('name="title"');
    const good = {
      ...values,
      title: 'Emisión del DUI (prueba revisada)',
      summary: 'Obtener el documento de identidad por primera vez, en versión revisada.',
      cost_amount: '0',
      keywords: 'dui\nsacar dui\ncedula',
      nota: 'Se revisó el título',
    };
    const preview = await post('/admin/tramites/prueba-emision-dui', { ...good, accion: 'vista-previa' }, officer);
    expect(preview.status).toBe(200);
    expect(await preview.text()).toContain('Vista previa (aún no publicada)');
    expect((await get('/api/procedures/prueba-emision-dui')).status).toBe(200);
    const published = await post('/admin/tramites/prueba-emision-dui', { ...good, accion: 'publicar' }, officer);
    expect(published.headers.get('Location')).toBe('/admin/tramites/prueba-emision-dui?aviso=publicado');
    const api = await (await get('/api/procedures/prueba-emision-dui')).json();
    expect(api.title).toBe('Emisión del DUI (prueba revisada)');
    const history = await (await get('/admin/tramites/prueba-emision-dui/historial', officer)).text();
    expect(history).toContain('Versión 2');
    expect(history).toContain('Se revisó el título');
    expect(history).toMatch(
      /Antes<\/p><p class="diff-removed">Emisión de prueba del DUI<\/p>.*Ahora<\/p><p class="diff-added">Emisión del DUI \(prueba revisada\)<\/p>/s,
    );
  });

  it('shows the 403 page for another institution’s entry, and operators the catalog', async () => {
    expect((await get('/admin/tramites/prueba-pasaporte-renovacion', officer)).status).toBe(403);
    const csrf = await csrfOf('/admin', officer);
    expect((await post('/admin/tramites/prueba-pasaporte-renovacion/archivar', { csrf }, officer)).status).toBe(403);
    const { cookie } = await signIn('operador@portal.test', operatorPassword);
    const csrfOperator = await csrfOf('/admin/clave', cookie);
    await post(
      '/admin/clave',
      { csrf: csrfOperator, current_password: operatorPassword, new_password: 'mango-faro-lluvia-siete', confirm_password: 'mango-faro-lluvia-siete' },
      cookie,
    );
    // Operators keep no catalog: their start page counts their queue's cases; catalog pages refuse them.
    const start = await get('/admin', cookie);
    expect(start.status).toBe(200);
    const startHtml = await start.text();
    expect(startHtml).toContain('casos abiertos');
    expect(startHtml).not.toContain('Emisión de prueba del DUI');
    const page = await get('/admin/importar', cookie);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('Sin acceso');
  });

  it('shows my institution’s feedback and resolves it with a note', async () => {
    const html = await (await get('/admin/opiniones', officer)).text();
    expect(html).toContain('Cerraron el Duicentro de prueba');
    const id = /\/admin\/opiniones\/(\d+)\/resolver/.exec(html)?.[1] as string;
    const csrf = await csrfOf('/admin/opiniones', officer);
    const response = await post(`/admin/opiniones/${id}/resolver`, { csrf, note: 'Se quitó la oficina cerrada', version: '2' }, officer);
    expect(response.headers.get('Location')).toBe('/admin/opiniones?aviso=resuelta');
    const resolved = await (await get('/admin/opiniones?estado=resueltas', officer)).text();
    expect(resolved).toContain('Se quitó la oficina cerrada');
  });

  it('uploads a file through the importer, with the per-row report and only my institution', async () => {
    const csrf = await csrfOf('/admin/importar', officer);
    const foreign = [
      { ...fixtureProcedures()[0], slug: 'prueba-carga', title: 'Trámite cargado de prueba' },
      { ...fixtureProcedures()[1], slug: 'prueba-carga-ajena' },
    ];
    const body = new FormData();
    body.set('csrf', csrf);
    body.set('archivo', new File([JSON.stringify(foreign, null, 2)], 'carga.json', { type: 'application/json' }));
    const response = await app.request(`${ORIGIN}/admin/importar`, { method: 'POST', body, headers: { Origin: ORIGIN, Cookie: officer } });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toMatch(/Registro 2 \(línea \d+, «prueba-carga-ajena»\) — institución: Solo puede cargar trámites de su institución \(rnpn\)/);
    expect((await get('/api/procedures/prueba-carga')).status).toBe(404);
  });

  it('lets a signed-in person sign in again (no token on the sign-in form)', async () => {
    const response = await post('/admin/entrar', { email: 'oficial@rnpn.gob.sv', password: 'girasol-tranvia-nube-ocho' }, officer);
    expect(response.status).toBe(303);
    const renewed = (response.headers.get('Set-Cookie') ?? '').split(';')[0];
    expect(renewed).not.toBe(officer);
    expect((await get('/admin', officer)).status).toBe(303);
    officer = renewed;
  });

  it('signs out and the session stops working', async () => {
    const csrf = await csrfOf('/admin', officer);
    const response = await post('/admin/salir', { csrf }, officer);
    expect(response.headers.get('Location')).toBe('/admin/entrar?salida=1');
    expect((await get('/admin', officer)).status).toBe(303);
  });
});
