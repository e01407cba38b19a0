import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import { consoleLog } from '../../api/errors.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { createApiToken } from '../../store/people/tokens.ts';
import { normalizeTrackingCode } from '../../store/reports/tracking-code.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

const FAST = 1_000;
const BASE = 'http://portal.test';
let t: TestStore;
let api: ReturnType<typeof createApi>;
let client = '192.0.2.10';
const cookies: Record<string, string> = {};
let token = '';

async function login(email: string, password: string): Promise<string> {
  const response = await api.request(`${BASE}/api/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: BASE },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status).toBe(200);
  return (response.headers.get('Set-Cookie') ?? '').split(';')[0];
}

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return api.request(`${BASE}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: BASE, ...headers },
    body: JSON.stringify(body),
  });
}

const complaint = {
  kind: 'complaint',
  description: 'En la ventanilla 4 no me quisieron recibir la solicitud.',
  procedure: 'prueba-emision-dui',
  anonymous: true,
};

beforeAll(async () => {
  t = await createTestStore('fixture');
  api = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, passwordIterations: FAST, remoteAddress: () => client });
  const admin = await createPerson(t.store, { email: 'admin@portal.test', role: 'admin' }, null, { iterations: FAST });
  const officer = await createPerson(t.store, { email: 'oficial@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, null, { iterations: FAST });
  const dgme = await createPerson(t.store, { email: 'oficial@dgme.gob.sv', role: 'officer', institutionSlug: 'dgme' }, null, { iterations: FAST });
  const op198 = await createPerson(t.store, { email: 'op198@portal.test', role: 'operator', queue: '198' }, null, { iterations: FAST });
  await t.store.batch(['UPDATE people SET must_change_password = 0']);
  cookies.admin = await login('admin@portal.test', admin.oneTimePassword);
  cookies.officer = await login('oficial@rnpn.gob.sv', officer.oneTimePassword);
  cookies.dgme = await login('oficial@dgme.gob.sv', dgme.oneTimePassword);
  cookies.op198 = await login('op198@portal.test', op198.oneTimePassword);
  token = (await createApiToken(t.store, personActor(admin.person), 'rnpn', 'Sistema de casos RNPN')).token;
});
afterAll(() => t.cleanup());

describe('POST /api/reports', () => {
  it('answers 201 with a valid tracking code only once stored, never cached', async () => {
    const response = await post('/api/reports', complaint);
    expect(response.status).toBe(201);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const { code } = (await response.json()) as { code: string };
    const canonical = normalizeTrackingCode(code);
    expect(canonical).not.toBeNull();
    const stored = await t.store.db.execute({ sql: 'SELECT kind FROM reports WHERE code = ?', args: [canonical] });
    expect(stored.rows[0]?.kind).toBe('complaint');
  });

  it('returns the first result for a retried Idempotency-Key and 422 for a key reused for another report', async () => {
    const first = await post('/api/reports', complaint, { 'Idempotency-Key': 'cliente-7f3a-0001' });
    const retry = await post('/api/reports', complaint, { 'Idempotency-Key': 'cliente-7f3a-0001' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await retry.json()).toEqual(await first.json());
    const other = await post(
      '/api/reports',
      { ...complaint, description: 'Otro hecho diferente en otra oficina.' },
      { 'Idempotency-Key': 'cliente-7f3a-0001' },
    );
    expect(other.status).toBe(422);
  });

  it('names each bad field in Spanish', async () => {
    const response = await post('/api/reports', { kind: 'violence', description: 'corto', anonymous: true });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { fields: Record<string, string> } };
    expect(Object.keys(body.error.fields).sort()).toEqual(['code_word', 'description']);
    const unknown = await post('/api/reports', { ...complaint, procedure: 'no-existe' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { fields: Record<string, string> } }).error.fields.procedure).toMatch(/catálogo/);
  });

  it('limits submissions per client address, but still answers a retry of a stored one', async () => {
    client = '198.51.100.77';
    const keyed = await post('/api/reports', complaint, { 'Idempotency-Key': 'limite-0000-0001' });
    expect(keyed.status).toBe(201);
    let last = 0;
    for (let i = 0; i < 31; i++) last = (await post('/api/reports', complaint)).status;
    expect(last).toBe(429);
    expect((await post('/api/reports', complaint, { 'Idempotency-Key': 'limite-0000-0001' })).status).toBe(201);
    client = '192.0.2.10';
  });
});

describe('follow-up', () => {
  it('shows status, dates, the promise and the public timeline; the citizen replies, then withdraws', async () => {
    const { code } = (await (await post('/api/reports', complaint)).json()) as { code: string };
    const view = await api.request(`${BASE}/api/reports/${code}`);
    expect(view.status).toBe(200);
    expect(view.headers.get('Cache-Control')).toBe('no-store');
    const body = (await view.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code, kind: 'complaint', status: 'received', closed: false, institution: { slug: 'rnpn' } });
    expect(body.sla).toMatchObject({ acknowledge_within: '5 días hábiles', stage: 'acknowledge', overdue: false });
    expect((await post(`/api/reports/${code}/messages`, { message: 'Puedo llevar copia del DUI.' })).status).toBe(201);
    expect((await post(`/api/reports/${code}/actions`, { action: 'withdraw' })).status).toBe(200);
    expect((await post(`/api/reports/${code}/messages`, { message: '¿Sigue abierto?' })).status).toBe(409);
    const after = (await (await api.request(`${BASE}/api/reports/${code}`)).json()) as { status: string; timeline: { by: string; text: string }[] };
    expect(after.status).toBe('withdrawn');
    expect(after.timeline.some((e) => e.by === 'citizen' && e.text.includes('copia del DUI'))).toBe(true);
  });

  it('answers a violence case without its code word exactly as an unknown code', async () => {
    const { code } = (await (
      await post('/api/reports', { kind: 'violence', description: 'Mi pareja me amenaza y no me deja salir.', anonymous: true, code_word: 'Luna Llena' })
    ).json()) as { code: string };
    const unknown = await api.request(`${BASE}/api/reports/K7QM-2XDT-9RBH-4C`);
    const withoutWord = await api.request(`${BASE}/api/reports/${code}`);
    const wrongWord = await api.request(`${BASE}/api/reports/${code}`, { headers: { 'X-Clave': 'sol' } });
    for (const response of [withoutWord, wrongWord]) {
      expect(response.status).toBe(unknown.status);
      expect(await response.clone().text()).toBe(await unknown.clone().text());
      expect([...response.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
    }
    const right = await api.request(`${BASE}/api/reports/${code}`, { headers: { 'X-Clave': 'luna llena' } });
    expect(right.status).toBe(200);
    expect((await post(`/api/reports/${code}/messages`, { message: 'hola' })).status).toBe(404);
    expect((await post(`/api/reports/${code}/messages`, { message: 'Estoy bien por ahora.' }, { 'X-Clave': 'Luna Llena' })).status).toBe(201);
  });

  it('limits lookups that find nothing (guessing codes)', async () => {
    client = '203.0.113.5';
    const statuses: number[] = [];
    for (let i = 0; i < 17; i++) statuses.push((await api.request(`${BASE}/api/reports/K7QM-2XDT-9RBH-4C`)).status);
    expect(statuses.slice(0, 15).every((s) => s === 404)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    client = '192.0.2.10';
  });
});

describe('/api/admin/reports', () => {
  async function fileComplaint(): Promise<string> {
    return ((await (await post('/api/reports', complaint)).json()) as { code: string }).code;
  }
  const asOf = (who: string) => ({ Cookie: cookies[who] });

  it('lists each actor’s scope only, and needs a session or token', async () => {
    const code = await fileComplaint();
    expect((await api.request(`${BASE}/api/admin/reports`)).status).toBe(401);
    const officer = (await (await api.request(`${BASE}/api/admin/reports?status=all&limit=50`, { headers: asOf('officer') })).json()) as {
      reports: { code: string }[];
    };
    expect(officer.reports.some((r) => r.code === code)).toBe(true);
    const dgme = (await (await api.request(`${BASE}/api/admin/reports?status=all&limit=50`, { headers: asOf('dgme') })).json()) as {
      reports: { code: string }[];
    };
    expect(dgme.reports.some((r) => r.code === code)).toBe(false);
    const viaToken = await api.request(`${BASE}/api/admin/reports`, { headers: { Authorization: `Bearer ${token}` } });
    expect(viaToken.status).toBe(200);
    expect((await api.request(`${BASE}/api/admin/reports/${code}`, { headers: asOf('dgme') })).status).toBe(404);
  });

  it('a public reply reaches the citizen’s timeline; an internal note does not', async () => {
    const code = await fileComplaint();
    const reply = await post(
      `/api/admin/reports/${code}/events`,
      { type: 'public_reply', message: 'Le atenderemos el lunes en ventanilla 1.' },
      asOf('officer'),
    );
    expect(reply.status).toBe(201);
    await post(`/api/admin/reports/${code}/events`, { type: 'internal_note', message: 'Verificar con jefatura.' }, asOf('officer'));
    const citizen = (await (await api.request(`${BASE}/api/reports/${code}`)).json()) as { status: string; timeline: { text: string }[] };
    expect(citizen.status).toBe('acknowledged');
    const texts = citizen.timeline.map((e) => e.text).join(' ');
    expect(texts).toContain('ventanilla 1');
    expect(texts).not.toContain('jefatura');
    const bad = await post(`/api/admin/reports/${code}/events`, { type: 'status', status: 'volando' }, asOf('officer'));
    expect(bad.status).toBe(400);
  });

  it('opens the contact only on purpose, for people, and keeps violence for the 198 queue', async () => {
    const { code } = (await (
      await post('/api/reports', { ...complaint, anonymous: false, contact: { channel: 'sms', value: '7123 4567', safe_hours: '09:00-11:00' } })
    ).json()) as { code: string };
    const detail = await (await api.request(`${BASE}/api/admin/reports/${code}`, { headers: asOf('officer') })).text();
    expect(detail).not.toContain('4567');
    const opened = (await (await post(`/api/admin/reports/${code}/contact`, {}, asOf('officer'))).json()) as { contact: { value: string } };
    expect(opened.contact.value).toBe('+50371234567');
    expect((await post(`/api/admin/reports/${code}/contact`, {}, { Authorization: `Bearer ${token}` })).status).toBe(403);
    const violence = (await (
      await post('/api/reports', { kind: 'violence', description: 'Me golpeó anoche y tengo miedo de volver.', anonymous: true, code_word: 'girasol' })
    ).json()) as { code: string };
    expect((await api.request(`${BASE}/api/admin/reports/${violence.code}`, { headers: asOf('admin') })).status).toBe(404);
    expect((await api.request(`${BASE}/api/admin/reports/${violence.code}`, { headers: asOf('op198') })).status).toBe(200);
  });

  it('lets only admins change the routing table', async () => {
    const rule = { kind: 'complaint', institution: 'dgme', queue: 'quejas', to_named: true, priority: 'high' };
    const put = (who: string) =>
      api.request(`${BASE}/api/admin/report-routes`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', Origin: BASE, ...asOf(who) },
        body: JSON.stringify(rule),
      });
    expect((await put('officer')).status).toBe(403);
    expect((await put('admin')).status).toBe(200);
    const routes = (await (await api.request(`${BASE}/api/admin/report-routes`, { headers: asOf('admin') })).json()) as {
      routes: { institution: string | null; priority: string }[];
    };
    expect(routes.routes.some((r) => r.institution === 'dgme' && r.priority === 'high')).toBe(true);
  });
});
