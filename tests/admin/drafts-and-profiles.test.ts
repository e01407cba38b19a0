import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createWebApp } from '../../api/web-app.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { getPublishedProcedure } from '../../store/catalog/procedures.ts';
import { getInstitutionPage } from '../../store/catalog/reference.ts';
import { createPerson } from '../../store/people/people.ts';
import { systemActor } from '../../store/policy.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';
import { createTestWebApp, FAST_ITERATIONS } from '../fixtures/web.ts';

// The two workspace pages of a catalog people can rely on, as an officer uses them: the drafts a
// bulk import proposed (before and after, published with a note) and her institution's profile.
// Who may do what, route × role × institution, is in scope-matrix.test.ts.

const ORIGIN = 'http://portal.test';
const PASSWORD = 'girasol-tranvia-nube-ocho';
let t: TestStore;
let app: ReturnType<typeof createWebApp>;
let cookie = '';

const post = (path: string, fields: Record<string, string>) =>
  app.request(`${ORIGIN}${path}`, { method: 'POST', body: new URLSearchParams(fields), headers: { Origin: ORIGIN, Cookie: cookie } });
const get = (path: string) => app.request(`${ORIGIN}${path}`, { headers: { Cookie: cookie } });
const csrf = async (path: string) => /name="csrf" value="([^"]+)"/.exec(await (await get(path)).text())![1];

beforeAll(async () => {
  t = await createTestStore();
  app = await createTestWebApp(t);
  const { oneTimePassword } = await createPerson(t.store, { email: 'oficial@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, null, {
    iterations: FAST_ITERATIONS,
  });
  const signedIn = await app.request(`${ORIGIN}/admin/entrar`, {
    method: 'POST',
    body: new URLSearchParams({ email: 'oficial@rnpn.gob.sv', password: oneTimePassword }),
    headers: { Origin: ORIGIN },
  });
  cookie = (signedIn.headers.get('Set-Cookie') ?? '').split(';')[0];
  await post('/admin/clave', { csrf: await csrf('/admin/clave'), current_password: oneTimePassword, new_password: PASSWORD, confirm_password: PASSWORD });
  const [dui] = fixtureProcedures();
  const report = await importCatalog(
    t.store,
    asRows([
      { ...dui, summary: 'Resumen que propone la exportación masiva para el DUI de prueba.', source_id: 'rnpn-001' },
      { ...dui, slug: 'borrador-nuevo-rnpn', title: 'Constancia de prueba que llega como borrador', source_id: 'rnpn-002' },
    ]),
    { actor: systemActor('cli'), source: 'exportacion-rnpn', asDrafts: true },
  );
  expect(report.drafts).toEqual({ created: 1, proposed: 1 });
});
afterAll(() => t.cleanup());

describe('the drafts page', () => {
  it('shows each proposal with what it changes, before and after', async () => {
    const html = await (await get('/admin/borradores')).text();
    expect(html).toContain('2 borradores pendientes.');
    expect(html).toContain('Cambio propuesto a un trámite publicado');
    expect(html).toContain('Trámite nuevo');
    const change = html.slice(html.indexOf('id="borrador-prueba-emision-dui"'));
    expect(change).toContain(fixtureProcedures()[0].summary);
    expect(change).toContain('Resumen que propone la exportación masiva para el DUI de prueba.');
    expect(html).toContain('origen rnpn-001');
  });

  it('asks for a note, then publishes it as the next version', async () => {
    const token = await csrf('/admin/borradores');
    const noNote = await post('/admin/borradores/prueba-emision-dui/publicar', { csrf: token, nota: '' });
    expect(noNote.status).toBe(303);
    expect(noNote.headers.get('Location')).toBe('/admin/borradores?error=nota#borrador-prueba-emision-dui');
    expect((await getPublishedProcedure(t.store.db, 'prueba-emision-dui'))?.version).toBe(1);
    const published = await post('/admin/borradores/prueba-emision-dui/publicar', { csrf: token, nota: 'Revisado con la ventanilla' });
    expect(published.headers.get('Location')).toBe('/admin/borradores?aviso=publicado');
    const page = await getPublishedProcedure(t.store.db, 'prueba-emision-dui');
    expect(page?.version).toBe(2);
    expect(page?.document.summary).toBe('Resumen que propone la exportación masiva para el DUI de prueba.');
    const discarded = await post('/admin/borradores/borrador-nuevo-rnpn/descartar', { csrf: token });
    expect(discarded.headers.get('Location')).toBe('/admin/borradores?aviso=descartado');
    expect(await (await get('/admin/borradores?aviso=descartado')).text()).toContain('0 borradores pendientes.');
    // A slug with nothing pending answers 404, not 500.
    expect((await post('/admin/borradores/borrador-nuevo-rnpn/descartar', { csrf: token })).status).toBe(404);
  });
});

describe('the institution profile form', () => {
  it('redraws with each bad field named, then saves what the public page shows', async () => {
    const token = await csrf('/admin/instituciones/rnpn');
    const bad = await post('/admin/instituciones/rnpn/perfil', { csrf: token, phone: 'llame', information_office_email: 'sin-arroba' });
    expect(bad.status).toBe(400);
    const redrawn = await bad.text();
    expect(redrawn).toContain('id="campo-information_office_email-error"');
    expect(redrawn).toContain('id="campo-phone-error"');
    expect(redrawn).toContain('value="sin-arroba"');
    const saved = await post('/admin/instituciones/rnpn/perfil', {
      csrf: token,
      description: 'Emite el DUI y guarda el registro de las personas.',
      information_office_name: 'Unidad de Acceso a la Información Pública',
      information_office_email: 'uaip@rnpn.gob.sv',
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('Location')).toBe('/admin/instituciones/rnpn?aviso=guardado');
    expect((await getInstitutionPage(t.store.db, 'rnpn'))?.profile).toEqual({
      description: 'Emite el DUI y guarda el registro de las personas.',
      information_office: { name: 'Unidad de Acceso a la Información Pública', email: 'uaip@rnpn.gob.sv' },
    });
    const form = await (await get('/admin/instituciones/rnpn')).text();
    expect(form).toContain('value="uaip@rnpn.gob.sv"');
    const publicPage = await (await app.request(`${ORIGIN}/instituciones/rnpn`)).text();
    expect(publicPage).toContain('href="mailto:uaip@rnpn.gob.sv"');
  });
});
