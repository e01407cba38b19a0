import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../api/app.ts';
import { consoleLog } from '../../api/errors.ts';
import { createWebApp } from '../../api/web-app.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { appendAudit, verifyAuditChain, type Actor } from '../../store/audit/audit.ts';
import { archiveProcedure } from '../../store/catalog/editing.ts';
import { listFeedback } from '../../store/feedback/feedback.ts';
import { hashPassword, passwordProblem, PBKDF2_ITERATIONS, verifyPassword } from '../../store/people/passwords.ts';
import { createTestWebApp } from '../fixtures/web.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
let t: TestStore;
let app: ReturnType<typeof createWebApp>;
let address = '203.0.113.10';
const admin: Actor = { kind: 'person', id: 1, email: 'admin@portal.test', role: 'admin', institutionId: null, queue: null };

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = await createTestWebApp(t, { remoteAddress: () => address });
});
afterAll(() => t.cleanup());

function opinion(slug: string, fields: Record<string, string>) {
  return app.request(`http://portal.test/tramites/${slug}/opinion`, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { 'Sec-Fetch-Site': 'same-origin' },
  });
}

describe('the feedback buttons on a procedure page', () => {
  it('shows both buttons, the «¿Le fue útil?» question and the privacy notice, as plain forms', async () => {
    const html = await (await app.request('/tramites/prueba-emision-dui')).text();
    expect(html).toContain('¿Le fue útil esta página?');
    expect(html).toContain('Quiero este servicio en línea');
    expect(html).toContain('Este servicio no funciona así');
    expect(html).toContain('No escriba datos personales');
    expect(html).toContain('action="/tramites/prueba-emision-dui/opinion"');
    expect(html).toContain('Aún nadie ha pedido hacer este trámite en línea.');
  });

  it('counts «quiero en línea» once per client per day, in public, with post/redirect/get', async () => {
    const first = await opinion('prueba-emision-dui', { kind: 'want_online' });
    expect(first.status).toBe(303);
    expect(first.headers.get('Location')).toBe('/tramites/prueba-emision-dui?opinion=gracias&tipo=want_online#opinion');
    await opinion('prueba-emision-dui', { kind: 'want_online' });
    address = '203.0.113.11';
    await opinion('prueba-emision-dui', { kind: 'want_online' });
    const html = await (await app.request('/tramites/prueba-emision-dui')).text();
    expect(html).toContain('2 personas quieren hacer este trámite en línea');
    const thanks = await (await app.request('/tramites/prueba-emision-dui?opinion=gracias&tipo=want_online')).text();
    expect(thanks).toContain('Gracias. Contamos su pedido');
  });

  it('keeps «no funciona así» with the part and text, encrypted at rest and never echoed in public', async () => {
    const response = await opinion('prueba-emision-dui', { kind: 'not_like_this', part: 'costo', message: '<script>alert(1)</script> ahora cuesta $5' });
    expect(response.headers.get('Location')).toContain('opinion=gracias');
    const stored = await t.store.db.execute("SELECT part, message FROM feedback WHERE kind = 'not_like_this' ORDER BY id DESC LIMIT 1");
    expect(stored.rows[0].part).toBe('costo');
    expect(String(stored.rows[0].message)).toMatch(/^v1:/);
    expect(String(stored.rows[0].message)).not.toContain('cuesta');
    const [item] = await listFeedback(t.store, admin, { kind: 'not_like_this', limit: 1 });
    expect(item.message).toBe('<script>alert(1)</script> ahora cuesta $5');
    expect(await (await app.request('/tramites/prueba-emision-dui')).text()).not.toContain('ahora cuesta $5');
  });

  it('explains a bad submission in Spanish and keeps nothing from bots', async () => {
    const tooLong = await opinion('prueba-emision-dui', { kind: 'not_like_this', message: 'x'.repeat(2001) });
    expect(tooLong.headers.get('Location')).toContain('opinion=error&campo=message');
    const empty = await opinion('prueba-emision-dui', { kind: 'not_like_this' });
    expect(empty.headers.get('Location')).toContain('opinion=error');
    const page = await (await app.request('/tramites/prueba-emision-dui?opinion=error&campo=message')).text();
    expect(page).toContain('Elija qué parte está mal o escriba qué pasa en realidad');
    const before = Number((await t.store.db.execute('SELECT count(*) AS n FROM feedback')).rows[0].n);
    await opinion('prueba-emision-dui', { kind: 'not_like_this', message: 'spam', sitio_web: 'http://spam.example' });
    expect(Number((await t.store.db.execute('SELECT count(*) AS n FROM feedback')).rows[0].n)).toBe(before);
  });

  it('takes the same feedback as JSON, with Spanish 4xx for bad input and a rate limit', async () => {
    const api = createApi({ store: t.store, search: createEmbeddedSearch(t.store.db), log: consoleLog, remoteAddress: () => '198.51.100.77' });
    const post = (slug: string, body: unknown) =>
      api.request(`/api/procedures/${slug}/feedback`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('prueba-pasaporte-renovacion', { kind: 'useful' })).status).toBe(201);
    const bad = await post('prueba-pasaporte-renovacion', { kind: 'me_gusta' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.fields.kind).toMatch(/want_online/);
    expect((await post('no-existe', { kind: 'useful' })).status).toBe(404);
    let last = 0;
    for (let i = 0; i < 25; i++) last = (await post('prueba-pasaporte-renovacion', { kind: 'not_like_this', part: 'otro', message: `aviso ${i}` })).status;
    expect(last).toBe(429);
    const big = await api.request('/api/procedures/prueba-pasaporte-renovacion/feedback', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'useful', message: 'x'.repeat(300_000) }),
    });
    expect(big.status).toBe(413);
  });

  it('redirects an archived procedure to its theme', async () => {
    await archiveProcedure(t.store, admin, 'prueba-licencia-conducir');
    const response = await app.request('/tramites/prueba-licencia-conducir');
    expect(response.status).toBe(301);
    expect(response.headers.get('Location')).toBe('/categorias/vehiculos-y-transporte');
    const search = await (await app.request('/api/search?q=licencia')).json();
    expect(search.hits.map((h: { slug: string }) => h.slug)).not.toContain('prueba-licencia-conducir');
  });
});

describe('the audit log', () => {
  it('detects an edited, deleted or reordered record and names the first bad one', async () => {
    for (let i = 0; i < 3; i++)
      await t.store.write((tx) => appendAudit(t.store, tx, admin, { action: 'test.write', entity: 'test', entityId: String(i), after: { i } }));
    expect((await verifyAuditChain(t.store)).ok).toBe(true);
    const rows = await t.store.db.execute("SELECT id FROM audit_log WHERE action = 'test.write' ORDER BY id");
    const middle = Number(rows.rows[1].id);
    await t.store.batch([{ sql: "UPDATE audit_log SET actor = 'person:999' WHERE id = ?", args: [middle] }]);
    expect(await verifyAuditChain(t.store)).toMatchObject({ ok: false, firstBad: { id: middle } });
  });

  it('npm run audit:verify exits 1 and names the first bad record', async () => {
    const failed = await run(process.execPath, ['bin/run.mjs', 'scripts/audit-verify.node.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: t.url },
    }).catch((error) => error);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/ROTO en el registro \d+/);
  });
});

describe('passwords', () => {
  it('hashes with PBKDF2-SHA256 at the iterations Workers accept (at most 100,000) and verifies', async () => {
    const stored = await hashPassword('una frase larga y poco común');
    expect(stored).toMatch(new RegExp(`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$`));
    expect(await verifyPassword('una frase larga y poco común', stored)).toBe(true);
    expect(await verifyPassword('otra frase', stored)).toBe(false);
  });

  it('refuses short and common passwords in Spanish', () => {
    expect(passwordProblem('corta')).toMatch(/al menos 12/);
    expect(passwordProblem('password1234')).toMatch(/muy común/);
    expect(passwordProblem('elsalvador2024')).toMatch(/muy común/);
    expect(passwordProblem('loro-verde-cruza-el-lago-azul')).toBeNull();
  });
});
