import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import { consoleLog } from '../../api/errors.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { verifyAuditChain } from '../../store/audit/audit.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { readSession, SESSION_IDLE_MS } from '../../store/people/sessions.ts';
import { createApiToken } from '../../store/people/tokens.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

const FAST = 1_000; // PBKDF2 iterations for test accounts; the 600,000 default is tested on its own.
let t: TestStore;
let api: ReturnType<typeof createApi>;
const cookies: Record<string, string> = {};
let rnpnToken = '';
let dgmeFeedbackId = 0;
let rnpnFeedbackId = 0;

async function login(email: string, password: string): Promise<string> {
  const response = await api.request('http://portal.test/api/admin/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: 'http://portal.test' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status, email).toBe(200);
  const cookie = response.headers.get('Set-Cookie') ?? '';
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Lax/);
  return cookie.split(';')[0];
}

beforeAll(async () => {
  t = await createTestStore('fixture');
  api = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, passwordIterations: FAST, remoteAddress: () => '192.0.2.1' });
  const admin = await createPerson(t.store, { email: 'admin@portal.test', role: 'admin' }, null, { iterations: FAST });
  const officer = await createPerson(t.store, { email: 'oficial@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, personActor(admin.person), {
    iterations: FAST,
  });
  const operator = await createPerson(t.store, { email: 'operador@portal.test', role: 'operator', queue: '198' }, personActor(admin.person), {
    iterations: FAST,
  });
  // These accounts have chosen their passwords already (the one-time rule is tested on its own).
  await t.store.batch(['UPDATE people SET must_change_password = 0']);
  cookies.admin = await login('admin@portal.test', admin.oneTimePassword);
  cookies.officer = await login('oficial@rnpn.gob.sv', officer.oneTimePassword);
  cookies.operator = await login('operador@portal.test', operator.oneTimePassword);
  rnpnToken = (await createApiToken(t.store, personActor(admin.person), 'rnpn', 'Sistema de citas RNPN')).token;
  await t.store.batch([
    "INSERT INTO feedback (procedure_id, kind, part, message) SELECT id, 'not_like_this', 'costo', 'El costo en la ventanilla es otro' FROM procedures WHERE slug = 'prueba-pasaporte-renovacion'",
  ]);
  dgmeFeedbackId = Number((await t.store.db.execute('SELECT max(id) AS id FROM feedback')).rows[0].id);
  await t.store.batch([
    "INSERT INTO feedback (procedure_id, kind, part, message) SELECT id, 'not_like_this', 'oficinas', 'El horario cambió' FROM procedures WHERE slug = 'prueba-emision-dui'",
  ]);
  rnpnFeedbackId = Number((await t.store.db.execute('SELECT max(id) AS id FROM feedback')).rows[0].id);
});
afterAll(() => t.cleanup());

type Caller = 'anonymous' | 'admin' | 'officer' | 'operator' | 'token';

function call(caller: Caller, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { Origin: 'http://portal.test' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (caller === 'token') headers.Authorization = `Bearer ${rnpnToken}`;
  else if (caller !== 'anonymous') headers.Cookie = cookies[caller];
  return api.request(`http://portal.test${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

const foreignDocument = () => ({ ...fixtureProcedures()[1], summary: 'Cambio hecho desde fuera de la institución dueña.', change_note: 'Resumen aclarado' });

/** Every write route, aimed at the foreign institution (DGME) for the RNPN officer and token. */
const WRITE_ROUTES: { name: string; method: string; path: () => string; body?: () => unknown; adminStatus: number }[] = [
  { name: 'publish', method: 'PUT', path: () => '/api/admin/procedures/prueba-pasaporte-renovacion', body: foreignDocument, adminStatus: 200 },
  { name: 'verify', method: 'POST', path: () => '/api/admin/procedures/prueba-pasaporte-renovacion/verify', adminStatus: 200 },
  {
    name: 'resolve feedback',
    method: 'POST',
    path: () => `/api/admin/feedback/${dgmeFeedbackId}/resolve`,
    body: () => ({ note: 'Corregido el costo' }),
    adminStatus: 200,
  },
  {
    name: 'create person',
    method: 'POST',
    path: () => '/api/admin/people',
    body: () => ({ email: `nuevo${Date.now()}@dgme.gob.sv`, role: 'officer', institution: 'dgme' }),
    adminStatus: 201,
  },
  { name: 'create token', method: 'POST', path: () => '/api/admin/tokens', body: () => ({ institution: 'dgme', name: 'Sistema DGME' }), adminStatus: 201 },
  { name: 'archive', method: 'POST', path: () => '/api/admin/procedures/prueba-licencia-conducir/archive', adminStatus: 200 },
];

describe('scope is enforced on every write route, for every role, against a foreign institution', () => {
  for (const route of WRITE_ROUTES) {
    for (const caller of ['anonymous', 'officer', 'operator', 'token'] as const) {
      it(`${route.name}: ${caller} → ${caller === 'anonymous' ? 401 : 403}`, async () => {
        const response = await call(caller, route.method, route.path(), route.body?.());
        expect(response.status).toBe(caller === 'anonymous' ? 401 : 403);
        const body = (await response.json()) as { error: { message: string } };
        expect(body.error.message.length).toBeGreaterThan(5);
      });
    }
  }

  it('lets the admin do all of them, each leaving an audit record in an intact chain', async () => {
    const before = Number((await t.store.db.execute('SELECT count(*) AS n FROM audit_log')).rows[0].n);
    for (const route of WRITE_ROUTES) {
      const response = await call('admin', route.method, route.path(), route.body?.());
      expect(response.status, route.name).toBe(route.adminStatus);
    }
    const after = Number((await t.store.db.execute('SELECT count(*) AS n FROM audit_log')).rows[0].n);
    expect(after - before).toBe(WRITE_ROUTES.length);
    expect(await verifyAuditChain(t.store)).toMatchObject({ ok: true });
  });

  it('never shows an officer the feedback texts of another institution', async () => {
    const response = await call('officer', 'GET', '/api/admin/feedback');
    const { feedback } = (await response.json()) as { feedback: { id: number; institutionSlug: string; message: string }[] };
    expect(feedback.map((f) => f.id)).toContain(rnpnFeedbackId);
    expect(feedback.every((f) => f.institutionSlug === 'rnpn')).toBe(true);
    expect(JSON.stringify(feedback)).not.toContain('El costo en la ventanilla es otro');
    expect((await call('operator', 'GET', '/api/admin/feedback')).status).toBe(403);
    expect((await call('token', 'GET', '/api/admin/feedback')).status).toBe(403);
    expect((await call('officer', 'GET', '/api/admin/procedures/prueba-pasaporte-renovacion/versions')).status).toBe(403);
    expect((await call('officer', 'GET', '/api/admin/procedures/prueba-pasaporte-renovacion/audit')).status).toBe(403);
  });
});

describe('officers and institution systems keep their own entries', () => {
  it('publishes a new version with a change note, and shows the history', async () => {
    const doc = {
      ...fixtureProcedures()[0],
      summary: 'Resumen revisado por el oficial de información del RNPN.',
      change_note: 'Se aclaró el resumen',
      change_kind: 'minor',
    };
    const response = await call('officer', 'PUT', '/api/admin/procedures/prueba-emision-dui', doc);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ version: 2, outcome: 'updated' });
    const versions = (await (await call('officer', 'GET', '/api/admin/procedures/prueba-emision-dui/versions')).json()) as {
      versions: { version: number; changeNote: string; source: string }[];
    };
    expect(versions.versions[0]).toMatchObject({ version: 2, changeNote: 'Se aclaró el resumen' });
    expect(versions.versions[0].source).toMatch(/^person:/);
    const page = await (await api.request('/api/procedures/prueba-emision-dui')).json();
    expect(page.summary).toBe('Resumen revisado por el oficial de información del RNPN.');
    const search = await (await api.request('/api/search?q=revisado')).json();
    expect(search.hits[0].slug).toBe('prueba-emision-dui');
  });

  it('accepts the institution token for its own entries', async () => {
    const doc = { ...fixtureProcedures()[0], slug: 'prueba-certificacion-dui', title: 'Certificación de prueba del DUI' };
    expect((await call('token', 'PUT', '/api/admin/procedures/prueba-certificacion-dui', doc)).status).toBe(200);
    const trail = (await (await call('admin', 'GET', '/api/admin/procedures/prueba-certificacion-dui/audit')).json()) as {
      audit: { actor: string; action: string }[];
    };
    expect(trail.audit[0]).toMatchObject({ action: 'procedure.create' });
    expect(trail.audit[0].actor).toMatch(/^token:/);
  });

  it('refuses to move an entry into another institution', async () => {
    const moved = { ...fixtureProcedures()[0], institution: 'dgme' };
    expect((await call('officer', 'PUT', '/api/admin/procedures/prueba-emision-dui', moved)).status).toBe(403);
  });

  it('answers bad input with a Spanish 400 naming the field, and a mismatched slug', async () => {
    const bad = await call('officer', 'PUT', '/api/admin/procedures/prueba-emision-dui', { ...fixtureProcedures()[0], title: '' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.fields.title).toMatch(/título/);
    const mismatch = await call('officer', 'PUT', '/api/admin/procedures/otro-slug', fixtureProcedures()[0]);
    expect(mismatch.status).toBe(400);
  });

  it('marks feedback resolved with the version that fixed it', async () => {
    expect((await call('officer', 'POST', `/api/admin/feedback/${rnpnFeedbackId}/resolve`, { note: 'Horario actualizado', version: 2 })).status).toBe(200);
    const list = (await (await call('officer', 'GET', '/api/admin/feedback?status=resolved')).json()) as {
      feedback: { id: number; resolvedVersion: number }[];
    };
    expect(list.feedback.find((f) => f.id === rnpnFeedbackId)?.resolvedVersion).toBe(2);
    expect((await call('officer', 'POST', `/api/admin/feedback/${rnpnFeedbackId}/resolve`, { note: 'x' })).status).toBe(400);
  });
});

describe('sessions', () => {
  it('refuses cookie-authenticated writes coming from another site', async () => {
    const response = await api.request('http://portal.test/api/admin/procedures/prueba-emision-dui/verify', {
      method: 'POST',
      headers: { Cookie: cookies.officer, Origin: 'https://malicioso.example' },
    });
    expect(response.status).toBe(403);
  });

  it('ends every session of a disabled account at once', async () => {
    const created = (await (await call('admin', 'POST', '/api/admin/people', { email: 'baja@rnpn.gob.sv', role: 'officer', institution: 'rnpn' })).json()) as {
      person: { id: number };
      oneTimePassword: string;
    };
    const cookie = await login('baja@rnpn.gob.sv', created.oneTimePassword);
    const changed = await api.request('http://portal.test/api/admin/password', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://portal.test', Cookie: cookie },
      body: JSON.stringify({
        current_password: created.oneTimePassword,
        new_password: 'mesa-de-pino-junto-al-rio',
        confirm_password: 'mesa-de-pino-junto-al-rio',
      }),
    });
    expect(changed.status).toBe(200);
    expect((await api.request('http://portal.test/api/admin/procedures', { headers: { Cookie: cookie } })).status).toBe(200);
    expect((await call('admin', 'POST', `/api/admin/people/${created.person.id}/disable`)).status).toBe(200);
    expect((await api.request('http://portal.test/api/admin/procedures', { headers: { Cookie: cookie } })).status).toBe(401);
  });

  it('ends the session at sign-out and expires idle sessions', async () => {
    const admin = await createPerson(t.store, { email: 'temporal@portal.test', role: 'admin' }, null, { iterations: FAST });
    const api2 = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, remoteAddress: () => '192.0.2.99' });
    const response = await api2.request('http://portal.test/api/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://portal.test' },
      body: JSON.stringify({ email: 'temporal@portal.test', password: admin.oneTimePassword }),
    });
    const cookie = (response.headers.get('Set-Cookie') ?? '').split(';')[0];
    const value = cookie.split('=')[1];
    t.clock.advance(SESSION_IDLE_MS + 60_000);
    try {
      expect(await readSession(t.store, value)).toBeNull();
    } finally {
      t.clock.advance(-(SESSION_IDLE_MS + 60_000));
    }
    const again = await api2.request('http://portal.test/api/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://portal.test' },
      body: JSON.stringify({ email: 'temporal@portal.test', password: admin.oneTimePassword }),
    });
    const cookie2 = (again.headers.get('Set-Cookie') ?? '').split(';')[0];
    expect(cookie2).not.toBe(cookie);
    // Still on the one-time password: the session acts as nobody until it is changed.
    const blocked = await api2.request('http://portal.test/api/admin/me', { headers: { Cookie: cookie2 } });
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as any).error.code).toBe('password_change_required');
    const changed = await api2.request('http://portal.test/api/admin/password', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://portal.test', Cookie: cookie2 },
      body: JSON.stringify({ current_password: admin.oneTimePassword, new_password: 'faro-lento-sobre-la-arena' }),
    });
    expect(changed.status).toBe(200);
    expect((await api2.request('http://portal.test/api/admin/me', { headers: { Cookie: cookie2 } })).status).toBe(200);
    await api2.request('http://portal.test/api/admin/logout', { method: 'POST', headers: { Cookie: cookie2, Origin: 'http://portal.test' } });
    expect((await api2.request('http://portal.test/api/admin/me', { headers: { Cookie: cookie2 } })).status).toBe(401);
  });

  it('rejects wrong passwords with the same message as unknown accounts, and rate limits attempts', async () => {
    const attempt = (email: string) =>
      api.request('http://portal.test/api/admin/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: 'http://portal.test' },
        body: JSON.stringify({ email, password: 'no-es-la-clave-correcta' }),
      });
    const wrong = (await (await attempt('admin@portal.test')).json()) as any;
    const unknown = (await (await attempt('nadie@portal.test')).json()) as any;
    expect(wrong.error.message).toBe(unknown.error.message);
    let last = 0;
    for (let i = 0; i < 10; i++) last = (await attempt('admin@portal.test')).status;
    expect(last).toBe(429);
  });

  it('uses a __Host- cookie over HTTPS', async () => {
    const admin = await createPerson(t.store, { email: 'https@portal.test', role: 'admin' }, null, { iterations: FAST });
    const api3 = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, remoteAddress: () => '192.0.2.50' });
    const response = await api3.request('https://portal.test/api/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'https://portal.test' },
      body: JSON.stringify({ email: 'https@portal.test', password: admin.oneTimePassword }),
    });
    expect(response.headers.get('Set-Cookie')).toMatch(/^__Host-portal_sesion=.*Secure/);
  });
});

describe('behind a TLS proxy (PUBLIC_BASE_URL)', () => {
  it('checks forms against the public origin and marks cookies Secure', async () => {
    const proxied = createApi({
      store: t.store,
      search: createEmbeddedSearch(t.store.db),
      log: consoleLog,
      remoteAddress: () => '192.0.2.77',
      publicOrigin: 'https://tramites.gob.sv',
    });
    const admin = await createPerson(t.store, { email: 'proxy@portal.test', role: 'admin' }, null, { iterations: FAST });
    const login = (origin: string) =>
      proxied.request('http://127.0.0.1:4321/api/admin/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: origin },
        body: JSON.stringify({ email: 'proxy@portal.test', password: admin.oneTimePassword }),
      });
    expect((await login('http://127.0.0.1:4321')).status).toBe(403);
    const response = await login('https://tramites.gob.sv');
    expect(response.status).toBe(200);
    expect(response.headers.get('Set-Cookie')).toMatch(/^__Host-portal_sesion=.*Secure/);
  });
});
