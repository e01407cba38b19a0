import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../api/web-app.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { createApiToken } from '../../store/people/tokens.ts';
import { createTestWebApp } from '../fixtures/web.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

const ORIGIN = 'http://portal.test';
let t: TestStore;
let app: ReturnType<typeof createWebApp>;
const sessions: Record<string, { cookie: string; csrf: string }> = {};
let foreignFeedback = 0;
let someoneId = 0;
let tokenId = 0;

async function signIn(email: string, password: string) {
  const response = await app.request(`${ORIGIN}/admin/entrar`, { method: 'POST', body: new URLSearchParams({ email, password }), headers: { Origin: ORIGIN } });
  const cookie = (response.headers.get('Set-Cookie') ?? '').split(';')[0];
  const html = await (await app.request(`${ORIGIN}/admin/clave`, { headers: { Cookie: cookie } })).text();
  return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '' };
}

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.60' });
  const admin = await createPerson(t.store, { email: 'admin@portal.test', role: 'admin' }, null, { iterations: 1000 });
  const officer = await createPerson(t.store, { email: 'oficial@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, personActor(admin.person), {
    iterations: 1000,
  });
  const operator = await createPerson(t.store, { email: 'operador@portal.test', role: 'operator', queue: 'quejas' }, personActor(admin.person), {
    iterations: 1000,
  });
  someoneId = (
    await createPerson(t.store, { email: 'otra@dgme.gob.sv', role: 'officer', institutionSlug: 'dgme' }, personActor(admin.person), { iterations: 1000 })
  ).person.id;
  await createApiToken(t.store, personActor(admin.person), 'dgme', 'Sistema DGME');
  tokenId = Number((await t.store.db.execute('SELECT max(id) AS id FROM api_tokens')).rows[0].id);
  await t.store.batch(['UPDATE people SET must_change_password = 0']);
  sessions.officer = await signIn('oficial@rnpn.gob.sv', officer.oneTimePassword);
  sessions.operator = await signIn('operador@portal.test', operator.oneTimePassword);
  await t.store.batch([
    "INSERT INTO feedback (procedure_id, kind, message) SELECT id, 'not_like_this', 'texto de otra institución' FROM procedures WHERE slug = 'prueba-pasaporte-renovacion'",
  ]);
  foreignFeedback = Number((await t.store.db.execute('SELECT max(id) AS id FROM feedback')).rows[0].id);
});
afterAll(() => t.cleanup());

/** Every HTML write route, aimed at DGME (foreign to the RNPN officer) or at admin-only objects. */
const ROUTES = (): [string, Record<string, string>][] => [
  [
    '/admin/tramites/prueba-pasaporte-renovacion',
    { title: 'Tomado', summary: 'Intento de escribir en otra institución.', category: 'migracion-y-viajes', cost_amount: '0' },
  ],
  ['/admin/tramites/prueba-pasaporte-renovacion/verificar', {}],
  ['/admin/tramites/prueba-pasaporte-renovacion/archivar', {}],
  [`/admin/opiniones/${foreignFeedback}/resolver`, { note: 'No es mía' }],
  ['/admin/instituciones', { slug: 'nueva', name: 'Institución nueva' }],
  ['/admin/temas', { slug: 'nuevo-tema', name: 'Tema nuevo' }],
  ['/admin/personas', { email: 'x@y.gob.sv', role: 'admin' }],
  [`/admin/personas/${someoneId}/desactivar`, {}],
  ['/admin/tokens', { institution: 'dgme', name: 'Otro sistema' }],
  [`/admin/tokens/${tokenId}/revocar`, {}],
];

describe('HTML write routes × roles × a foreign institution', () => {
  it('sends anonymous posts to sign in and refuses officers and operators with 403, writing nothing', async () => {
    const before = await t.store.db.execute(
      'SELECT (SELECT count(*) FROM audit_log) AS audit, (SELECT group_concat(updated_at || status || version) FROM procedures) AS state',
    );
    for (const [path, fields] of ROUTES()) {
      const anonymous = await app.request(`${ORIGIN}${path}`, { method: 'POST', body: new URLSearchParams(fields), headers: { Origin: ORIGIN } });
      expect(anonymous.status, `anonymous ${path}`).toBe(303);
      expect(anonymous.headers.get('Location'), path).toMatch(/^\/admin\/entrar\?volver=/);
      for (const role of ['officer', 'operator']) {
        const { cookie, csrf } = sessions[role];
        const response = await app.request(`${ORIGIN}${path}`, {
          method: 'POST',
          body: new URLSearchParams({ ...fields, csrf }),
          headers: { Origin: ORIGIN, Cookie: cookie },
        });
        expect(response.status, `${role} ${path}`).toBe(403);
        expect(await response.text(), `${role} ${path}`).toContain('Sin acceso');
      }
    }
    const after = await t.store.db.execute(
      'SELECT (SELECT count(*) FROM audit_log) AS audit, (SELECT group_concat(updated_at || status || version) FROM procedures) AS state',
    );
    expect(after.rows[0]).toEqual(before.rows[0]);
    const feedback = await t.store.db.execute({ sql: 'SELECT status FROM feedback WHERE id = ?', args: [foreignFeedback] });
    expect(feedback.rows[0].status).toBe('open');
  });

  it('never shows the officer another institution’s feedback texts in the inbox', async () => {
    const html = await (await app.request(`${ORIGIN}/admin/opiniones?estado=todas`, { headers: { Cookie: sessions.officer.cookie } })).text();
    expect(html).not.toContain('texto de otra institución');
  });
});
