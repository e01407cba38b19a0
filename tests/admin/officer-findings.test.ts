import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffDocuments, documentFromForm, formFromDocument } from '../../api/admin/procedure-form.ts';
import type { createWebApp } from '../../api/web-app.ts';
import { keepOrder, listEditableProcedures, publishProcedure, sameContent } from '../../store/catalog/editing.ts';
import { procedureDocumentSchema } from '../../store/catalog/exchange-format.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { createPerson, getPerson, personActor, resetPassword } from '../../store/people/people.ts';
import { systemActor } from '../../store/policy.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';
import { createTestWebApp, FAST_ITERATIONS } from '../fixtures/web.ts';

/**
 * What officers found in their workspace (the issue's list), each as it behaves: saving keeps the
 * order given, a save without changes says so, a major change needs its note, history names
 * people and shows before and after, offices are fieldsets, feedback counts apart from the inbox,
 * «Verificado hoy» can be undone (workspace.test.ts) and an admin can give a new one-time password.
 */

const ORIGIN = 'http://portal.test';
const NEW_PASSWORD = 'girasol-tranvia-nube-ocho';
let t: TestStore;
let app: ReturnType<typeof createWebApp>;
let officer = '';
let admin = '';
let adminId = 0;
let officerId = 0;

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
function api(method: string, path: string, cookie: string, body?: unknown) {
  return app.request(`${ORIGIN}${path}`, {
    method,
    headers: { Origin: ORIGIN, Cookie: cookie, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
async function csrfOf(path: string, cookie: string): Promise<string> {
  return /name="csrf" value="([^"]+)"/.exec(await (await get(path, cookie)).text())?.[1] ?? '';
}
/** Signs in and, on a one-time password, chooses `NEW_PASSWORD`. */
async function signIn(email: string, password: string): Promise<string> {
  const response = await post('/admin/entrar', { email, password });
  const cookie = (response.headers.get('Set-Cookie') ?? '').split(';')[0];
  if (response.headers.get('Location') === '/admin' && (await get('/admin', cookie)).headers.get('Location') === '/admin/clave') {
    const csrf = await csrfOf('/admin/clave', cookie);
    await post('/admin/clave', { csrf, current_password: password, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD }, cookie);
  }
  return cookie;
}
/** The edit form's fields as the page draws them for the entry (what a browser would send back). */
async function formFields(slug: string, cookie: string): Promise<Record<string, string>> {
  const html = await (await get(`/admin/tramites/${slug}`, cookie)).text();
  const fields: Record<string, string> = {};
  for (const [tag, name, value] of html.matchAll(/<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"[^>]*>/g)) {
    if (tag.includes('type="radio"') && !/\schecked/.test(tag)) continue;
    fields[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
  }
  for (const [, name] of html.matchAll(/<input[^>]*type="checkbox"[^>]*name="([^"]+)"[^>]*checked/g)) fields[name] = 'on';
  for (const [, name, value] of html.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) fields[name] = value.replace(/&amp;/g, '&');
  for (const [, name, body] of html.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected/.exec(body);
    if (selected) fields[name] = selected[1];
  }
  delete fields.accion;
  return fields;
}

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.77' });
  const adminAccount = await createPerson(t.store, { email: 'admin@portal.test', name: 'Marta Administradora', role: 'admin' }, null, {
    iterations: FAST_ITERATIONS,
  });
  adminId = adminAccount.person.id;
  const officerAccount = await createPerson(
    t.store,
    { email: 'oficial@rnpn.gob.sv', name: 'Ana Martínez', role: 'officer', institutionSlug: 'rnpn' },
    personActor(adminAccount.person),
    { iterations: FAST_ITERATIONS },
  );
  officerId = officerAccount.person.id;
  // An entry whose channels are not in the form's checkbox order, with a district and per-office fees.
  const [dui] = fixtureProcedures();
  const report = await importCatalog(
    t.store,
    asRows([
      {
        ...dui,
        slug: 'prueba-partida',
        title: 'Partida de nacimiento de prueba',
        channels: ['en_linea', 'presencial'],
        online_url: 'https://www.rnpn.gob.sv',
        offices: [{ name: 'Alcaldía de prueba', department: 'La Libertad', municipality: 'La Libertad Sur', district: 'Santa Tecla', fee: '$3.00' }],
      },
    ]),
    { actor: systemActor('cli'), source: 'test' },
  );
  if (!report.written) throw new Error(JSON.stringify(report.issues));
  admin = await signIn('admin@portal.test', adminAccount.oneTimePassword);
  officer = await signIn('oficial@rnpn.gob.sv', officerAccount.oneTimePassword);
  const ids = await t.store.db.execute("SELECT id, slug FROM procedures WHERE slug IN ('prueba-emision-dui', 'prueba-partida')");
  const idOf = (slug: string) => Number(ids.rows.find((row) => row.slug === slug)?.id);
  const day = (daysAgo: number) => new Date(t.store.clock.now().getTime() - daysAgo * 86_400_000).toISOString();
  await t.store.batch([
    ...[1, 2, 3].map((n) => ({
      sql: "INSERT INTO feedback (procedure_id, kind, created_at) VALUES (?, 'want_online', ?)",
      args: [idOf('prueba-emision-dui'), day(n)],
    })),
    { sql: "INSERT INTO feedback (procedure_id, kind, created_at) VALUES (?, 'want_online', ?)", args: [idOf('prueba-emision-dui'), day(40)] },
    { sql: "INSERT INTO feedback (procedure_id, kind, created_at) VALUES (?, 'useful', ?)", args: [idOf('prueba-emision-dui'), day(5)] },
    { sql: "INSERT INTO feedback (procedure_id, kind, created_at) VALUES (?, 'not_useful', ?)", args: [idOf('prueba-emision-dui'), day(45)] },
    { sql: "INSERT INTO feedback (procedure_id, kind, created_at) VALUES (?, 'want_online', ?)", args: [idOf('prueba-emision-dui'), day(90)] },
    {
      sql: "INSERT INTO feedback (procedure_id, kind, part, message, created_at) VALUES (?, 'not_like_this', 'costo', 'Ahora cobran tres dólares', ?)",
      args: [idOf('prueba-partida'), day(2)],
    },
  ]);
});
afterAll(() => t?.cleanup());

describe('saving never reorders nor invents a change', () => {
  it('keeps the order a set-like list had, new items after it', () => {
    expect(keepOrder(['en_linea', 'presencial'], ['presencial', 'telefono', 'en_linea'])).toEqual(['en_linea', 'presencial', 'telefono']);
    expect(keepOrder(['en_linea', 'presencial'], ['presencial'])).toEqual(['presencial']);
  });

  it('turns the form drawn from an entry back into the same entry (channels, district, fee, source kept)', () => {
    const doc = procedureDocumentSchema.parse({
      ...fixtureProcedures()[0],
      channels: ['en_linea', 'presencial'],
      online_url: 'https://www.rnpn.gob.sv',
      source_url: 'https://www.rnpn.gob.sv/dui',
      source_id: 'rnpn-42',
      verified_at: '2026-10-01',
      offices: [{ name: 'Alcaldía de prueba', municipality: 'La Libertad Sur', district: 'Santa Tecla', fee: '$3.00' }],
    });
    const result = documentFromForm(formFromDocument(doc), 'rnpn', doc);
    expect(result.errors).toBeNull();
    expect(result.document?.channels).toEqual(['en_linea', 'presencial']);
    expect(result.document?.source_id).toBe('rnpn-42');
    expect(result.document?.offices[0]).toMatchObject({ district: 'Santa Tecla', fee: '$3.00' });
    expect(sameContent(doc, result.document!)).toBe(true);
  });

  it('answers «No hay cambios que publicar» for the untouched form, with no new version nor audit record', async () => {
    const before = await t.store.db.execute("SELECT version, content_hash, modified_at FROM procedures WHERE slug = 'prueba-partida'");
    const audit = Number((await t.store.db.execute('SELECT count(*) AS n FROM audit_log')).rows[0].n);
    const fields = await formFields('prueba-partida', officer);
    expect(fields.office_0_district).toBe('Santa Tecla');
    const response = await post('/admin/tramites/prueba-partida', { ...fields, accion: 'publicar' }, officer);
    expect(response.headers.get('Location')).toBe('/admin/tramites/prueba-partida?aviso=sin-cambios');
    const after = await t.store.db.execute("SELECT version, content_hash, modified_at FROM procedures WHERE slug = 'prueba-partida'");
    expect(after.rows[0]).toEqual(before.rows[0]);
    expect(Number((await t.store.db.execute('SELECT count(*) AS n FROM audit_log')).rows[0].n)).toBe(audit);
    const page = await (await get('/admin/tramites/prueba-partida?aviso=sin-cambios', officer)).text();
    expect(page).toContain('No hay cambios que publicar');
  });

  it('keeps the stored channel order when a JSON client sends the same set in another order', async () => {
    const stored = await t.store.db.execute("SELECT document FROM procedures WHERE slug = 'prueba-partida'");
    const doc = JSON.parse(String(stored.rows[0].document));
    const response = await api('PUT', '/api/admin/procedures/prueba-partida', officer, { ...doc, channels: ['presencial', 'en_linea'] });
    expect(await response.json()).toMatchObject({ outcome: 'unchanged', version: 1 });
  });
});

describe('a major change needs its note', () => {
  it('refuses the form without «Nota del cambio», naming the field, and publishes nothing', async () => {
    const fields = await formFields('prueba-partida', officer);
    const response = await post(
      '/admin/tramites/prueba-partida',
      { ...fields, summary: 'Resumen cambiado sin decir por qué se cambió.', nota: '', accion: 'publicar' },
      officer,
    );
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain('href="#campo-nota"');
    expect(html).toContain('Escriba la nota del cambio');
    expect((await t.store.db.execute("SELECT version FROM procedures WHERE slug = 'prueba-partida'")).rows[0].version).toBe(1);
  });

  it('answers the JSON API with a Spanish 422 naming change_note; a minor change needs none', async () => {
    const stored = JSON.parse(String((await t.store.db.execute("SELECT document FROM procedures WHERE slug = 'prueba-partida'")).rows[0].document));
    const changed = { ...stored, summary: 'Resumen cambiado por el sistema de la institución sin nota.' };
    const refused = await api('PUT', '/api/admin/procedures/prueba-partida', officer, changed);
    expect(refused.status).toBe(422);
    const body = (await refused.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(body.error.code).toBe('change_note_required');
    expect(body.error.fields.change_note).toMatch(/nota del cambio/);
    const minor = await api('PUT', '/api/admin/procedures/prueba-partida', officer, { ...changed, change_kind: 'minor' });
    expect(await minor.json()).toMatchObject({ outcome: 'updated', version: 2 });
  });
});

describe('the history', () => {
  it('names the person who published, and shows every changed field before and after', async () => {
    const fields = await formFields('prueba-partida', officer);
    const response = await post(
      '/admin/tramites/prueba-partida',
      {
        ...fields,
        channel_telefono: 'on',
        office_0_hours: 'Lunes a viernes de 8:00 a 16:00',
        cost_amount: '3',
        nota: 'Se agregó el horario y el costo',
        accion: 'publicar',
      },
      officer,
    );
    expect(response.headers.get('Location')).toBe('/admin/tramites/prueba-partida?aviso=publicado');
    const stored = JSON.parse(String((await t.store.db.execute("SELECT document FROM procedures WHERE slug = 'prueba-partida'")).rows[0].document));
    expect(stored.channels).toEqual(['en_linea', 'presencial', 'telefono']);
    const history = await (await get('/admin/tramites/prueba-partida/historial', officer)).text();
    expect(history).toContain('por Ana Martínez');
    expect(history).not.toMatch(/person:\d/);
    const latest = history.slice(history.indexOf('Versión 3'), history.indexOf('Versión 2'));
    for (const label of ['costo', 'canales', 'oficinas']) expect(latest).toContain(`<dt>${label}</dt>`);
    expect(latest).toMatch(/Antes<\/p><p class="diff-removed">gratuito<\/p>.*Ahora<\/p><p class="diff-added">\$3<\/p>/s);
    expect(latest).toContain('horario: Lunes a viernes de 8:00 a 16:00');
    expect((latest.match(/Antes/g) ?? []).length).toBe(3);
    // The admin's audit table names people too.
    const asAdmin = await (await get('/admin/tramites/prueba-partida/historial', admin)).text();
    expect(asAdmin).toContain('<td>Ana Martínez</td>');
  });

  it('lists whole values before and after in the diff, and says when a list was only reordered', () => {
    const [dui] = fixtureProcedures().map((doc) => procedureDocumentSchema.parse(doc));
    const changes = diffDocuments(dui, { ...dui, steps: [...dui.steps].reverse(), duration: undefined });
    expect(changes.find((c) => c.field === 'steps')).toMatchObject({ beforeItems: dui.steps, afterItems: [...dui.steps].reverse(), added: [], removed: [] });
    expect(changes.find((c) => c.field === 'duration')).toMatchObject({ before: 'El mismo día', after: undefined });
  });
});

describe('the edit form', () => {
  it('edits offices as fieldsets, one empty more, and «Agregar otra oficina» adds one without saving', async () => {
    const html = await (await get('/admin/tramites/prueba-emision-dui', officer)).text();
    for (const field of ['name', 'note', 'address', 'department', 'municipality', 'district', 'hours', 'phone', 'fee'])
      expect(html).toContain(`name="office_0_${field}"`);
    expect(html).toContain('name="office_1_name"');
    expect(html).not.toContain('name="office_2_name"');
    expect(html).toContain('Agregar otra oficina');
    const fields = await formFields('prueba-emision-dui', officer);
    const versionOf = async () => (await t.store.db.execute("SELECT version FROM procedures WHERE slug = 'prueba-emision-dui'")).rows[0].version;
    const before = await versionOf();
    const more = await post('/admin/tramites/prueba-emision-dui', { ...fields, office_1_name: 'Segunda oficina', accion: 'agregar-oficina' }, officer);
    expect(more.status).toBe(200);
    const redrawn = await more.text();
    expect(redrawn).toContain('name="office_2_name"');
    expect(redrawn).toContain('value="Segunda oficina"');
    expect(await versionOf()).toBe(before);
  });

  it('keeps what to confirm about an office in its note, shown on the public page under «Tenga en cuenta»', async () => {
    const fields = await formFields('prueba-emision-dui', officer);
    const note = 'Su teléfono es el de la línea general: pregunte ahí por este trámite';
    const saved = await post('/admin/tramites/prueba-emision-dui', { ...fields, office_0_note: note, nota: 'Nota de la oficina', accion: 'publicar' }, officer);
    expect(saved.headers.get('Location')).toBe('/admin/tramites/prueba-emision-dui?aviso=publicado');
    const stored = JSON.parse(String((await t.store.db.execute("SELECT document FROM procedures WHERE slug = 'prueba-emision-dui'")).rows[0].document));
    expect(stored.offices[0].note).toBe(note);
    expect(stored.offices[0].name).toBe(fields.office_0_name);
    const page = await (await get('/tramites/prueba-emision-dui', officer)).text();
    expect(page).toMatch(new RegExp(`<dt>Tenga en cuenta</dt>\\s*<dd>${note}</dd>`));
  });

  it('names the office and field of a bad value, and drops a fieldset left blank', async () => {
    const fields = await formFields('prueba-emision-dui', officer);
    const bad = await post('/admin/tramites/prueba-emision-dui', { ...fields, office_0_phone: 'llame ya', nota: 'Teléfono', accion: 'publicar' }, officer);
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('href="#campo-office_0_phone"');
    expect(html).toContain('Oficina 1: Escriba el teléfono');
    const cleared = Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, name.startsWith('office_0_') ? '' : value]));
    const saved = await post('/admin/tramites/prueba-emision-dui', { ...cleared, nota: 'Se cerró el Duicentro de prueba', accion: 'publicar' }, officer);
    expect(saved.headers.get('Location')).toBe('/admin/tramites/prueba-emision-dui?aviso=publicado');
    const stored = JSON.parse(String((await t.store.db.execute("SELECT document FROM procedures WHERE slug = 'prueba-emision-dui'")).rows[0].document));
    expect(stored.offices).toEqual([]);
  });

  it('refuses an office in a place the 2024 territory does not have, on the form and the JSON API alike', async () => {
    const fields = await formFields('prueba-partida', officer);
    const form = await post(
      '/admin/tramites/prueba-partida',
      { ...fields, office_0_municipality: 'Santa Tecla', nota: 'Municipio corregido', accion: 'publicar' },
      officer,
    );
    expect(form.status).toBe(400);
    const html = await form.text();
    expect(html).toContain('href="#campo-office_0_municipality"');
    expect(html).toContain('Oficina 1:');
    const stored = JSON.parse(String((await t.store.db.execute("SELECT document FROM procedures WHERE slug = 'prueba-partida'")).rows[0].document));
    const offices = stored.offices.map((office: Record<string, string>, index: number) => (index === 0 ? { ...office, municipality: 'Santa Tecla' } : office));
    const json = await api('PUT', '/api/admin/procedures/prueba-partida', officer, { ...stored, offices, change_note: 'Municipio corregido' });
    expect(json.status).toBe(400);
    const body = (await json.json()) as { error: { fields: Record<string, string> } };
    expect(Object.keys(body.error.fields)).toEqual(['offices.0.municipality']);
    expect(JSON.parse(String((await t.store.db.execute("SELECT document FROM procedures WHERE slug = 'prueba-partida'")).rows[0].document))).toEqual(stored);
  });

  it('previews the public page as it will look, saving nothing', async () => {
    const fields = await formFields('prueba-partida', officer);
    const response = await post(
      '/admin/tramites/prueba-partida',
      { ...fields, summary: 'Resumen de la vista previa, todavía sin publicar.', accion: 'vista-previa' },
      officer,
    );
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Vista previa (aún no publicada)');
    // The public page's parts: the facts, the online box, the office list with its fee.
    expect(html).toMatch(/<dl class="facts"/);
    expect(html).toContain('Este trámite se puede hacer por internet.');
    expect(html).toMatch(/<ul class="offices"/);
    expect(html).toContain('Santa Tecla');
    expect(html).toContain('Resumen de la vista previa, todavía sin publicar.');
    const stored = await t.store.db.execute("SELECT summary FROM procedures WHERE slug = 'prueba-partida'");
    expect(stored.rows[0].summary).not.toContain('vista previa');
  });

  it('asks, on opening an entry, to re-read the details naming a date already passed, deadlines and announcements first', async () => {
    const [dui] = fixtureProcedures();
    const report = await importCatalog(
      t.store,
      asRows([
        {
          ...dui,
          slug: 'prueba-fechas',
          title: 'Trámite de prueba con fechas',
          summary: 'Rige desde el 24 de diciembre de 2024 una ley nueva.',
          requirements: ['Tener DUI', 'Inscribirse hasta el 31 de agosto de 2026'],
          steps: ['En marzo de 2026 el RNPN anunció que podrá hacerse en línea', 'Pida cita; la agenda abre en enero de 2027'],
          offices: [{ name: 'Oficina de prueba', note: 'En septiembre de 2025 no atendía; todavía no sabemos si volvió a abrir' }],
        },
        { ...dui, slug: 'prueba-sin-fechas', title: 'Trámite de prueba sin fechas', summary: 'La agenda abre en enero de 2027.', steps: ['Pida cita'] },
      ]),
      { actor: systemActor('cli'), source: 'test' },
    );
    if (!report.written) throw new Error(JSON.stringify(report.issues));
    const html = await (await get('/admin/tramites/prueba-fechas', officer)).text();
    const section = /<section class="notice date-check"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(section).toContain('Fechas que ya pasaron');
    const [first, rest] = section.split('<details>');
    // Deadline, announcement and doubt first, each with a link to its field; the dates said in the past folded.
    expect(first).toContain('<a href="#campo-requirements">Requisitos</a>: «31 de agosto de 2026»');
    expect(first).toContain('<a href="#campo-steps">Pasos</a>: «marzo de 2026»');
    expect(first).toContain('<a href="#campo-offices">Oficinas</a>: «septiembre de 2025»');
    expect(first).not.toContain('24 de diciembre de 2024');
    expect(rest).toContain('Otras fechas ya pasadas, dichas en pasado (1)');
    expect(rest).toContain('<a href="#campo-summary">Resumen</a>: «24 de diciembre de 2024»');
    // A date still ahead is not listed, and an entry naming none shows no box.
    expect(section).not.toContain('enero de 2027');
    expect(await (await get('/admin/tramites/prueba-sin-fechas', officer)).text()).not.toContain('Fechas que ya pasaron');
    // The box is about the stored entry: a form drawn again with its errors does not show it.
    const fields = await formFields('prueba-fechas', officer);
    const redrawn = await (await post('/admin/tramites/prueba-fechas', { ...fields, title: '', accion: 'publicar' }, officer)).text();
    expect(redrawn).not.toContain('Fechas que ya pasaron');
  });

  it('puts checkboxes beside their labels', async () => {
    const html = await (await get('/admin/tramites/prueba-partida', officer)).text();
    expect(html).toMatch(/<label class="choice"><input type="checkbox" name="channel_en_linea" checked> <span>En línea<\/span><\/label>/);
  });
});

describe('the lists', () => {
  it('filters «Mis trámites» by the procedure’s name, accents and case aside, with dates in Spanish', async () => {
    const html = await (await get('/admin?q=PARTIDA%20nacimiento', officer)).text();
    expect(html).toContain('Partida de nacimiento de prueba');
    expect(html).not.toContain('>Emisión de prueba del DUI<');
    expect(html).toContain('1 trámites con «PARTIDA nacimiento»');
    expect(html).toMatch(/\d{1,2} de [a-z]+ de 2026/);
    expect(html).not.toMatch(/<td[^>]*>\s*2026-\d\d-\d\d/);
    const store = await listEditableProcedures(t.store.db, personActor((await getPerson(t.store.db, officerId))!), '2026-11-20', { query: 'emision' });
    expect(store.map((p) => p.slug)).toEqual(['prueba-emision-dui']);
  });

  it('keeps only «Este servicio no funciona así» in the inbox, and counts the rest with trends', async () => {
    const html = await (await get('/admin/opiniones?estado=todas', officer)).text();
    const inbox = html.slice(html.indexOf('id="bandeja"'), html.indexOf('id="conteos"'));
    expect(inbox).toContain('Ahora cobran tres dólares');
    expect((inbox.match(/Marcar como resuelta/g) ?? []).length).toBe(1);
    expect(inbox).toMatch(/\d{1,2} de [a-z]+ de 2026/);
    const counts = html.slice(html.indexOf('id="conteos"'));
    // Last 30 days: 3 «want online» and 1 «useful»; the 30 before: 1 and 0; «not useful» 0 and 1. Day 90 is in neither.
    const row = counts.slice(counts.indexOf('Emisión de prueba del DUI'));
    expect(row).toContain('3 (sube: 1 antes)');
    expect(row).toContain('1 (sube: 0 antes)');
    expect(row).toContain('0 (baja: 1 antes)');
    const json = (await (await api('GET', '/api/admin/feedback/counts', officer)).json()) as { procedures: { slug: string; wantOnline: object }[] };
    expect(json.procedures.find((p) => p.slug === 'prueba-emision-dui')?.wantOnline).toEqual({ recent: 3, before: 1 });
    const filtered = await (await get('/admin/opiniones?q=partida', officer)).text();
    expect(filtered).toContain('Ahora cobran tres dólares');
    expect(filtered.slice(filtered.indexOf('id="conteos"'))).not.toContain('Emisión de prueba del DUI');
    // A counted opinion is never resolved one by one, by any path.
    const counted = Number((await t.store.db.execute("SELECT id FROM feedback WHERE kind = 'want_online' LIMIT 1")).rows[0].id);
    const refused = await api('POST', `/api/admin/feedback/${counted}/resolve`, officer, { note: 'No aplica a un conteo' });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('not_an_inbox_item');
    // The API agrees: «open» means waiting for an answer, which a counted opinion never is.
    type Listed = { feedback: { kind: string; status: string | null }[] };
    const open = (await (await api('GET', '/api/admin/feedback?status=open', officer)).json()) as Listed;
    expect(open.feedback.length).toBeGreaterThan(0);
    expect(open.feedback.every((item) => item.kind === 'not_like_this' && item.status === 'open')).toBe(true);
    const all = (await (await api('GET', '/api/admin/feedback', officer)).json()) as Listed;
    expect(all.feedback.filter((item) => item.kind === 'want_online').every((item) => item.status === null)).toBe(true);
    expect(all.feedback.some((item) => item.kind === 'want_online')).toBe(true);
    const mixed = await api('GET', '/api/admin/feedback?status=open&kind=want_online', officer);
    expect(mixed.status).toBe(400);
    expect(((await mixed.json()) as { error: { fields: Record<string, string> } }).error.fields.status).toMatch(/not_like_this/);
  });
});

describe('a forgotten password', () => {
  it('lets an admin give a new one-time password: the old one stops working, sessions end, a change is asked at sign-in', async () => {
    const officerPage = await get('/admin', officer);
    expect(officerPage.status).toBe(200);
    const csrf = await csrfOf('/admin/personas', admin);
    const response = await post(`/admin/personas/${officerId}/nueva-clave`, { csrf }, admin);
    expect(response.headers.get('Location')).toBe('/admin/personas?aviso=nueva-clave');
    const shown = await (await get('/admin/personas?aviso=nueva-clave', admin)).text();
    const oneTime = /<code>([^<]+)<\/code>/.exec(shown)?.[1] ?? '';
    expect(shown).toContain('Contraseña nueva de un solo uso para oficial@rnpn.gob.sv');
    expect(oneTime.length).toBeGreaterThan(8);
    expect(await (await get('/admin/personas', admin)).text()).not.toContain(oneTime);
    // Her open session ended; her own password no longer works; the new one asks for a change.
    expect((await get('/admin', officer)).headers.get('Location')).toMatch(/^\/admin\/entrar/);
    expect((await post('/admin/entrar', { email: 'oficial@rnpn.gob.sv', password: NEW_PASSWORD })).status).toBe(401);
    const signedIn = await post('/admin/entrar', { email: 'oficial@rnpn.gob.sv', password: oneTime });
    const cookie = (signedIn.headers.get('Set-Cookie') ?? '').split(';')[0];
    expect((await get('/admin', cookie)).headers.get('Location')).toBe('/admin/clave');
    const audit = await t.store.db.execute({
      sql: "SELECT actor FROM audit_log WHERE action = 'person.password_reset' AND entity_id = ?",
      args: [String(officerId)],
    });
    expect(audit.rows.map((r) => r.actor)).toEqual([`person:${adminId}`]);
    officer = await signIn('oficial@rnpn.gob.sv', oneTime);
  });

  it('refuses officers (403), in the store too, and disabled accounts (409)', async () => {
    const officerActor = personActor((await getPerson(t.store.db, officerId))!);
    await expect(resetPassword(t.store, officerActor, adminId, { iterations: FAST_ITERATIONS })).rejects.toMatchObject({ status: 403 });
    const byApi = await api('POST', `/api/admin/people/${adminId}/password-reset`, officer);
    expect(byApi.status).toBe(403);
    const adminActor = personActor((await getPerson(t.store.db, adminId))!);
    const gone = await createPerson(t.store, { email: 'baja@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, adminActor, {
      iterations: FAST_ITERATIONS,
    });
    await t.store.batch([{ sql: 'UPDATE people SET disabled_at = ? WHERE id = ?', args: ['2026-11-01T00:00:00.000Z', gone.person.id] }]);
    await expect(resetPassword(t.store, adminActor, gone.person.id, { iterations: FAST_ITERATIONS })).rejects.toMatchObject({ status: 409 });
  });
});

describe('publishProcedure', () => {
  it('still publishes a draft whose content equals what it holds', async () => {
    await t.store.batch(["UPDATE procedures SET status = 'draft' WHERE slug = 'prueba-licencia-conducir'"]);
    const doc = procedureDocumentSchema.parse(fixtureProcedures()[2]);
    const { updated_at: _date, ...content } = doc;
    const result = await publishProcedure(t.store, systemActor('cli'), content);
    expect(result.outcome).toBe('updated');
    expect((await t.store.db.execute("SELECT status FROM procedures WHERE slug = 'prueba-licencia-conducir'")).rows[0].status).toBe('published');
  });
});
