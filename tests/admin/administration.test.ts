import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../api/web-app.ts';
import { verifyAuditChain } from '../../store/audit/audit.ts';
import { createPerson } from '../../store/people/people.ts';
import { createTestWebApp } from '../fixtures/web.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

const ORIGIN = 'http://portal.test';
let t: TestStore;
let app: ReturnType<typeof createWebApp>;
let cookie = '';

function post(path: string, fields: Record<string, string>) {
  return app.request(`${ORIGIN}${path}`, { method: 'POST', body: new URLSearchParams(fields), headers: { Origin: ORIGIN, Cookie: cookie } });
}
const get = (path: string) => app.request(`${ORIGIN}${path}`, { headers: { Cookie: cookie } });
async function csrf(path: string) {
  return /name="csrf" value="([^"]+)"/.exec(await (await get(path)).text())?.[1] ?? '';
}

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.40' });
  const admin = await createPerson(t.store, { email: 'admin@portal.test', role: 'admin' }, null, { iterations: 1000 });
  await t.store.batch(['UPDATE people SET must_change_password = 0']);
  const response = await app.request(`${ORIGIN}/admin/entrar`, {
    method: 'POST',
    body: new URLSearchParams({ email: 'admin@portal.test', password: admin.oneTimePassword }),
    headers: { Origin: ORIGIN },
  });
  cookie = (response.headers.get('Set-Cookie') ?? '').split(';')[0];
});
afterAll(() => t.cleanup());

describe('administration pages', () => {
  it('adds an institution and a theme, refusing bad identifiers field by field', async () => {
    const bad = await post('/admin/instituciones', { csrf: await csrf('/admin/instituciones'), slug: 'Mal Slug', name: 'X' });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('Use solo minúsculas');
    expect(html).toContain('Escriba el nombre completo');
    const ok = await post('/admin/instituciones', {
      csrf: await csrf('/admin/instituciones'),
      slug: 'micultura',
      name: 'Ministerio de Cultura',
      acronym: 'MICULTURA',
    });
    expect(ok.headers.get('Location')).toBe('/admin/instituciones?aviso=guardada');
    expect(await (await get('/admin/instituciones')).text()).toContain('Ministerio de Cultura');
    const theme = await post('/admin/temas', { csrf: await csrf('/admin/temas'), slug: 'cultura', name: 'Cultura y patrimonio' });
    expect(theme.headers.get('Location')).toBe('/admin/temas?aviso=guardado');
  });

  it('creates an officer account showing the one-time password once, and disables it', async () => {
    const response = await post('/admin/personas', {
      csrf: await csrf('/admin/personas'),
      email: 'nueva@micultura.gob.sv',
      role: 'officer',
      institution: 'micultura',
    });
    // Post/redirect/get: the page the form leads to shows the password, once.
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/admin/personas?aviso=creada');
    const html = await (await get('/admin/personas?aviso=creada')).text();
    expect(html).toMatch(/Contraseña de un solo uso para nueva@micultura\.gob\.sv/);
    expect(await (await get('/admin/personas?aviso=creada')).text()).not.toMatch(/Contraseña de un solo uso para/);
    const missing = await post('/admin/personas', { csrf: await csrf('/admin/personas'), email: 'otra@micultura.gob.sv', role: 'officer' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('necesita su institución');
    const id = /\/admin\/personas\/(\d+)\/desactivar/.exec(await (await get('/admin/personas')).text())?.[1];
    expect(id).toBeTruthy();
  });

  it('creates and revokes an institution token', async () => {
    const created = await post('/admin/tokens', { csrf: await csrf('/admin/tokens'), institution: 'rnpn', name: 'Citas RNPN' });
    expect(created.headers.get('Location')).toBe('/admin/tokens?aviso=creado');
    const token = /<code>(tsv_[^<]+)<\/code>/.exec(await (await get('/admin/tokens?aviso=creado')).text())?.[1];
    expect(token).toBeTruthy();
    const list = await (await get('/admin/tokens')).text();
    const id = /\/admin\/tokens\/(\d+)\/revocar/.exec(list)?.[1];
    expect((await post(`/admin/tokens/${id}/revocar`, { csrf: await csrf('/admin/tokens') })).headers.get('Location')).toBe('/admin/tokens?aviso=revocado');
    const stored = await t.store.db.execute('SELECT token_hash FROM api_tokens');
    expect(JSON.stringify(stored.rows)).not.toContain(token);
  });

  it('shows admins the audit trail of an entry, and the chain stays intact', async () => {
    await post('/admin/tramites/prueba-emision-dui/verificar', { csrf: await csrf('/admin') });
    const html = await (await get('/admin/tramites/prueba-emision-dui/historial')).text();
    expect(html).toContain('Registro de auditoría');
    expect(html).toContain('Marcó «Verificado hoy»');
    expect(html).not.toMatch(/person:\d/);
    expect(await verifyAuditChain(t.store)).toMatchObject({ ok: true });
  });

  it('shows admins what people searched for and did not find', async () => {
    await app.request(`${ORIGIN}/buscar/falta`, {
      method: 'POST',
      body: new URLSearchParams({ q: 'Permiso de mascotas', detalle: 'Registro de perros' }),
      headers: { 'Sec-Fetch-Site': 'same-origin' },
    });
    await app.request(`${ORIGIN}/buscar/falta`, {
      method: 'POST',
      body: new URLSearchParams({ q: 'permiso de mascotas' }),
      headers: { 'Sec-Fetch-Site': 'same-origin' },
    });
    const html = await (await get('/admin/opiniones')).text();
    expect(html).toContain('«permiso de mascotas»</strong>: 2 avisos');
    expect(html).toContain('Registro de perros');
  });

  it('answers an oversized form with a Spanish 413', async () => {
    const response = await post('/tramites/prueba-emision-dui/opinion', { kind: 'not_like_this', message: 'x'.repeat(100_000) });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('demasiado grande');
  });
});
