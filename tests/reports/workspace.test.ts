import { CANARY } from '../fixtures/canaries.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createWebApp } from '../../api/web-app.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { escalateOverdue } from '../../store/reports/handling.ts';
import { generateTrackingCode, formatTrackingCode } from '../../store/reports/tracking-code.ts';
import { REPORT_NOTIFICATION } from '../../store/reports/notifications.ts';
import { addCitizenMessage } from '../../store/reports/reports.ts';
import { fileReport } from '../fixtures/reports.ts';
import { createTestStore, TEST_NOW, type TestStore } from '../fixtures/store.ts';
import { createTestWebApp, FAST_ITERATIONS } from '../fixtures/web.ts';

/**
 * The case workspace through its HTML: the queue page per role, the case page's forms (CSRF,
 * Origin, post/redirect/get, errors by field), the audited openings, the live queue's event stream
 * and version, and a queue of 10,000 open cases.
 */

const ORIGIN = 'http://portal.test';
type App = ReturnType<typeof createWebApp>;
type Session = { cookie: string; csrf: string };

const ACCOUNTS = {
  admin: { email: 'admin@portal.test', role: 'admin' },
  officerRnpn: { email: 'oficial@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' },
  officerDgme: { email: 'oficial@dgme.gob.sv', role: 'officer', institutionSlug: 'dgme' },
  emergencias: { email: 'emergencias@portal.test', role: 'operator', queue: 'emergencias' },
  linea198: { email: 'linea198@portal.test', role: 'operator', queue: '198' },
  quejas: { email: 'quejas@portal.test', role: 'operator', queue: 'quejas' },
} as const;
type Who = keyof typeof ACCOUNTS;

/** Accounts for `who`, signed in through the form (passwords already changed). */
async function signInAll(t: TestStore, app: App, who: readonly Who[]): Promise<Record<Who, Session>> {
  const passwords = new Map<Who, string>();
  let admin: Parameters<typeof personActor>[0] | null = null;
  for (const name of who) {
    const { email, role, ...scope } = ACCOUNTS[name] as { email: string; role: 'admin' | 'officer' | 'operator'; institutionSlug?: string; queue?: string };
    const made = await createPerson(t.store, { email, role, ...scope }, admin ? personActor(admin) : null, { iterations: FAST_ITERATIONS });
    if (role === 'admin') admin = made.person;
    passwords.set(name, made.oneTimePassword);
  }
  await t.store.batch(['UPDATE people SET must_change_password = 0']);
  const sessions = {} as Record<Who, Session>;
  for (const name of who) {
    const response = await app.request(`${ORIGIN}/admin/entrar`, {
      method: 'POST',
      body: new URLSearchParams({ email: ACCOUNTS[name].email, password: passwords.get(name) ?? '' }),
      headers: { Origin: ORIGIN },
    });
    expect(response.status, `sign-in of ${name}`).toBe(303);
    const cookie = (response.headers.get('Set-Cookie') ?? '').split(';')[0];
    const html = await (await app.request(`${ORIGIN}/admin/clave`, { headers: { Cookie: cookie } })).text();
    sessions[name] = { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '' };
  }
  return sessions;
}

const display = (code: string) => formatTrackingCode(code);

describe('the case workspace', () => {
  let t: TestStore;
  let app: App;
  let s: Record<Who, Session>;
  const cases = { rnpn: '', dgme: '', emergency: '', violence: '', other: '' };
  const VIOLENCE_CONTACT = 'contacto-reservado@correo.test';

  beforeAll(async () => {
    t = await createTestStore('fixture');
    app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.71' });
    s = await signInAll(t, app, Object.keys(ACCOUNTS) as Who[]);
    cases.rnpn = await fileReport(t, 'complaint', { contact: { channel: 'sms', value: '+50370000001' }, anonymous: false });
    cases.dgme = await fileReport(t, 'complaint', { procedureSlug: 'prueba-pasaporte-renovacion' });
    cases.other = await fileReport(t, 'complaint');
    cases.emergency = await fileReport(t, 'emergency');
    cases.violence = await fileReport(t, 'violence', { anonymous: false, contact: { channel: 'email', value: VIOLENCE_CONTACT } });
  });
  afterAll(() => t?.cleanup());

  const get = (path: string, session?: Session) => app.request(`${ORIGIN}${path}`, { headers: session ? { Cookie: session.cookie } : {} });
  const post = (path: string, fields: Record<string, string>, session?: Session, origin = ORIGIN) =>
    app.request(`${ORIGIN}${path}`, {
      method: 'POST',
      body: new URLSearchParams({ ...fields, ...(session ? { csrf: session.csrf } : {}) }),
      headers: { Origin: origin, ...(session ? { Cookie: session.cookie } : {}) },
    });
  /** A second session of a new account of the same kind (so signing it out leaves the shared one). */
  const signInAgain = async (email: string): Promise<Session> => {
    const [local, domain] = email.split('@');
    const account = ACCOUNTS.emergencias;
    const made = await createPerson(t.store, { email: `${local}+2@${domain}`, role: account.role, queue: account.queue }, null, {
      iterations: FAST_ITERATIONS,
    });
    await t.store.batch(['UPDATE people SET must_change_password = 0']);
    const response = await app.request(`${ORIGIN}/admin/entrar`, {
      method: 'POST',
      body: new URLSearchParams({ email: made.person.email, password: made.oneTimePassword }),
      headers: { Origin: ORIGIN },
    });
    const cookie = (response.headers.get('Set-Cookie') ?? '').split(';')[0];
    const html = await (await app.request(`${ORIGIN}/admin/clave`, { headers: { Cookie: cookie } })).text();
    return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '' };
  };
  const auditCount = async (action: string) =>
    Number((await t.store.db.execute({ sql: 'SELECT count(*) AS n FROM audit_log WHERE action = ?', args: [action] })).rows[0].n);

  describe('the queue page', () => {
    const SEES: Record<Who, (keyof typeof cases)[]> = {
      admin: ['rnpn', 'dgme', 'other', 'emergency'],
      officerRnpn: ['rnpn', 'other'],
      officerDgme: ['dgme'],
      emergencias: ['emergency'],
      linea198: ['violence'],
      quejas: ['rnpn', 'dgme', 'other'],
    };
    for (const who of Object.keys(SEES) as Who[]) {
      it(`shows ${who} exactly the cases in its scope`, async () => {
        const response = await get('/admin/casos?estado=todos', s[who]);
        expect(response.status).toBe(200);
        expect(response.headers.get('Cache-Control')).toBe('no-store');
        const html = await response.text();
        for (const name of Object.keys(cases) as (keyof typeof cases)[]) {
          expect(html.includes(display(cases[name])), `${who} and the ${name} case`).toBe(SEES[who].includes(name));
        }
      });
    }

    it('offers the queues a person may work as tabs, and the officer her institution’s cases', async () => {
      const adminPage = await (await get('/admin/casos', s.admin)).text();
      expect(adminPage).toContain('href="/admin/casos?cola=emergencias"');
      expect(adminPage).toContain('href="/admin/casos?cola=quejas"');
      expect(adminPage).not.toContain('href="/admin/casos?cola=198"');
      expect(adminPage).toContain('Todas las bandejas');
      const officerPage = await (await get('/admin/casos', s.officerRnpn)).text();
      expect(officerPage).not.toContain('cola=quejas"');
      expect(officerPage).toContain('Casos de mi institución');
    });

    it('shows the SLA clock in words and follows the emergencias queue live, with a plain «Actualizar» and no meta refresh', async () => {
      const html = await (await get('/admin/casos', s.emergencias)).text();
      expect(html).toContain('vence en 5 min');
      expect(html).toMatch(/data-live-queue[^>]*data-events="\/admin\/casos\/eventos\?cola=emergencias&amp;desde=/);
      expect(html).toContain('>Actualizar</a>');
      expect(html).toContain('<noscript>');
      expect(html).toMatch(/<script[^>]+src="\/_astro\/[^"]+\.js"/);
      expect(html).not.toMatch(/http-equiv="refresh"/i);
      // The quejas queue is not live: it is worked over days.
      const quejas = await (await get('/admin/casos', s.quejas)).text();
      expect(quejas).not.toContain('data-live-queue');
      expect(quejas).toContain('>Actualizar</a>');
    });

    it('filters by kind, and by the cases taken by me', async () => {
      const html = await (await get('/admin/casos?tipo=emergencia', s.admin)).text();
      expect(html).toContain(display(cases.emergency));
      expect(html).not.toContain(display(cases.rnpn));
      const mine = await (await get('/admin/casos?mios=1', s.quejas)).text();
      expect(mine).toContain('No hay casos con estos filtros.');
    });

    it('counts open and overdue cases on the dashboard, also for operators who keep no catalog', async () => {
      const operator = await get('/admin', s.emergencias);
      expect(operator.status).toBe(200);
      expect(await operator.text()).toMatch(/1 caso abierto<\/strong>,\s*0 con el plazo vencido/);
      const officer = await (await get('/admin', s.officerRnpn)).text();
      expect(officer).toContain('2 casos abiertos');
      expect(officer).toContain('Emisión de prueba del DUI');
    });

    it('links «Casos» for everyone who handles cases and «Enrutamiento» for admins only', async () => {
      const adminNav = await (await get('/admin/casos', s.admin)).text();
      expect(adminNav).toContain('href="/admin/enrutamiento"');
      const operatorNav = await (await get('/admin/casos', s.emergencias)).text();
      expect(operatorNav).toContain('href="/admin/casos"');
      expect(operatorNav).not.toContain('href="/admin/enrutamiento"');
    });
  });

  describe('the case page', () => {
    it('shows what happened, where, the pseudonym and not the contact', async () => {
      const response = await get(`/admin/casos/${display(cases.rnpn)}`, s.quejas);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('[sintético] Caso de prueba de tipo complaint');
      expect(html).toMatch(/Persona [0-9A-F]{5}/);
      expect(html).toContain('Ver contacto');
      expect(html).not.toContain('+50370000001');
      expect(html).toContain('<title>Caso ' + display(cases.rnpn));
    });

    it('answers 404 to an officer of another institution, an operator of another queue and an admin on a violence case, writing nothing', async () => {
      const before = await t.store.db.execute('SELECT (SELECT count(*) FROM audit_log) AS a, (SELECT count(*) FROM report_events) AS e');
      for (const [who, code] of [
        ['officerDgme', cases.rnpn],
        ['emergencias', cases.rnpn],
        ['admin', cases.violence],
        ['quejas', cases.violence],
      ] as const) {
        const page = await get(`/admin/casos/${display(code)}`, s[who]);
        expect(page.status, `${who} page`).toBe(404);
        const pageHtml = await page.text();
        expect(pageHtml).not.toContain('[sintético]');
        for (const action of ['tomar', 'nota', 'responder', 'contacto']) {
          const response = await post(`/admin/casos/${display(code)}/${action}`, { message: 'Intento fuera de alcance' }, s[who]);
          expect(response.status, `${who} ${action}`).toBe(404);
        }
      }
      const after = await t.store.db.execute('SELECT (SELECT count(*) FROM audit_log) AS a, (SELECT count(*) FROM report_events) AS e');
      expect(after.rows[0]).toEqual(before.rows[0]);
    });

    it('refuses a form without its CSRF token or from another origin', async () => {
      const path = `/admin/casos/${display(cases.rnpn)}/nota`;
      const noToken = await app.request(`${ORIGIN}${path}`, {
        method: 'POST',
        body: new URLSearchParams({ message: 'Sin token' }),
        headers: { Origin: ORIGIN, Cookie: s.quejas.cookie },
      });
      expect(noToken.status).toBe(403);
      expect((await post(path, { message: 'Desde otro sitio' }, s.quejas, 'https://otro.example')).status).toBe(403);
      expect((await post(path, { message: 'Sin sesión' })).headers.get('Location')).toMatch(/^\/admin\/entrar\?volver=/);
    });

    it('takes the case, with post/redirect/get', async () => {
      const response = await post(`/admin/casos/${display(cases.rnpn)}/tomar`, {}, s.quejas);
      expect(response.status).toBe(303);
      expect(response.headers.get('Location')).toBe(`/admin/casos/${display(cases.rnpn)}?aviso=tomar`);
      const html = await (await get(response.headers.get('Location') ?? '', s.quejas)).text();
      expect(html).toContain('Tomó el caso.');
      expect(html).toContain('Usted tiene este caso.');
      expect(html).toContain('En atención');
      const mine = await (await get('/admin/casos?mios=1', s.quejas)).text();
      expect(mine).toContain(display(cases.rnpn));
    });

    it('changes the status from the states handlers may choose (not the citizen’s own)', async () => {
      const page = await (await get(`/admin/casos/${display(cases.rnpn)}`, s.quejas)).text();
      const select = /<select id="campo-estado-status"[\s\S]*?<\/select>/.exec(page)?.[0] ?? '';
      expect(select).toContain('value="in_progress"');
      expect(select).not.toContain('value="withdrawn"');
      expect(select).not.toContain('value="closed"');
      expect(select).not.toContain('value="merged"');
      const response = await post(`/admin/casos/${display(cases.rnpn)}/estado`, { status: 'in_progress', message: '' }, s.quejas);
      expect(response.headers.get('Location')).toBe(`/admin/casos/${display(cases.rnpn)}?aviso=estado`);
      expect(await (await get(`/admin/casos/${display(cases.rnpn)}`, s.quejas)).text()).toContain('Nuevo estado: En proceso');
    });

    it('redraws the form with errors by field', async () => {
      const empty = await post(`/admin/casos/${display(cases.rnpn)}/responder`, { message: '  ' }, s.quejas);
      expect(empty.status).toBe(400);
      const html = await empty.text();
      expect(html).toMatch(/class="error-summary"[^>]*tabindex="-1"/);
      expect(html).toContain('href="#campo-responder-message"');
      expect(html).toMatch(/id="campo-responder-message-error"[^>]*><span class="visually-hidden">Error:<\/span> Escriba el mensaje\./);
      const badState = await post(`/admin/casos/${display(cases.rnpn)}/estado`, { status: 'volando' }, s.quejas);
      expect(badState.status).toBe(400);
      expect(await badState.text()).toContain('href="#campo-estado-status"');
      const badMerge = await post(`/admin/casos/${display(cases.rnpn)}/unir`, { into: 'AAAA-BBBB' }, s.quejas);
      expect(badMerge.status).toBe(400);
      const mergeHtml = await badMerge.text();
      expect(mergeHtml).toContain('Escriba el código de un caso abierto sobre el mismo hecho.');
      expect(mergeHtml).toContain('value="AAAA-BBBB"');
      const noInstitution = await post(`/admin/casos/${display(cases.rnpn)}/remitir`, { institution: '' }, s.quejas);
      expect(noInstitution.status).toBe(400);
      expect(await noInstitution.text()).toContain('href="#campo-remitir-institution"');
    });

    it('replies in public (to her channel through the outbox) and writes internal notes, each marked on the timeline', async () => {
      const outbox = async () =>
        Number((await t.store.db.execute({ sql: 'SELECT count(*) AS n FROM outbox WHERE kind = ?', args: [REPORT_NOTIFICATION.kind] })).rows[0].n);
      const queued = await outbox();
      const page = await (await get(`/admin/casos/${display(cases.rnpn)}`, s.quejas)).text();
      expect(page).toContain('Le llega a la persona por el canal que eligió (SMS)');
      const reply = await post(`/admin/casos/${display(cases.rnpn)}/responder`, { message: 'Revisamos su caso con la oficina.' }, s.quejas);
      expect(reply.headers.get('Location')).toBe(`/admin/casos/${display(cases.rnpn)}?aviso=responder`);
      expect(await outbox()).toBe(queued + 1);
      const note = await post(`/admin/casos/${display(cases.rnpn)}/nota`, { message: 'Llamar a la jefatura.' }, s.quejas);
      expect(note.headers.get('Location')).toBe(`/admin/casos/${display(cases.rnpn)}?aviso=nota`);
      const html = await (await get(`/admin/casos/${display(cases.rnpn)}`, s.quejas)).text();
      const items = html.split('<li class="timeline-item').slice(1);
      const replyItem = items.find((item) => item.includes('Revisamos su caso con la oficina.')) ?? '';
      const noteItem = items.find((item) => item.includes('Llamar a la jefatura.')) ?? '';
      expect(replyItem).toContain('is-public');
      expect(replyItem).toContain('>Público</strong>');
      expect(noteItem).toContain('is-internal');
      expect(noteItem).toContain('>Interno</strong>');
      // The public follow-up shows the reply and never the note.
      const publicView = await (await app.request(`${ORIGIN}/api/reports/${display(cases.rnpn)}`)).text();
      expect(publicView).toContain('Revisamos su caso con la oficina.');
      expect(publicView).not.toContain('Llamar a la jefatura.');
    });

    it('merges a duplicate into another open case', async () => {
      const response = await post(`/admin/casos/${display(cases.other)}/unir`, { into: display(cases.rnpn) }, s.quejas);
      expect(response.headers.get('Location')).toBe(`/admin/casos/${display(cases.other)}?aviso=unir`);
      const html = await (await get(`/admin/casos/${display(cases.other)}`, s.quejas)).text();
      expect(html).toContain('Unido a otro caso sobre el mismo hecho');
      expect(html).toContain('Este caso está cerrado: solo admite notas internas.');
      expect(html).not.toContain('/responder"');
    });

    it('refers a case to another institution, and back to the queue (it may leave the officer’s scope)', async () => {
      const response = await post(`/admin/casos/${display(cases.rnpn)}/remitir`, { institution: 'vmt', message: '' }, s.officerRnpn);
      expect(response.headers.get('Location')).toBe('/admin/casos?aviso=remitido');
      expect(await (await get('/admin/casos?aviso=remitido', s.officerRnpn)).text()).toContain('Caso remitido.');
      expect((await get(`/admin/casos/${display(cases.rnpn)}`, s.officerRnpn)).status).toBe(404);
    });

    it('asks for her consent before referring a violence case, with a neutral page title', async () => {
      const page = await (await get(`/admin/casos/${display(cases.violence)}`, s.linea198)).text();
      expect(page).toContain('<title>Caso en atención | Trámites El Salvador</title>');
      expect(page).toContain('Ella aceptó que se remita');
      const without = await post(`/admin/casos/${display(cases.violence)}/remitir`, { institution: 'rnpn' }, s.linea198);
      expect(without.status).toBe(400);
      const html = await without.text();
      expect(html).toContain('Confirme que ella aceptó que su caso se remita a esa institución.');
      expect(html).toContain('href="#campo-remitir-consent"');
      const withConsent = await post(`/admin/casos/${display(cases.violence)}/remitir`, { institution: 'rnpn', consent: 'on' }, s.linea198);
      expect(withConsent.headers.get('Location')).toBe('/admin/casos?aviso=remitido');
    });

    it('records every opening of a violence case in the audit log', async () => {
      const before = await auditCount('report.open');
      expect((await get(`/admin/casos/${display(cases.violence)}`, s.linea198)).status).toBe(200);
      expect((await get(`/admin/casos/${display(cases.violence)}`, s.linea198)).status).toBe(200);
      expect(await auditCount('report.open')).toBe(before + 2);
    });

    it('opens the contact on purpose: audited, shown once on the case page, never in an address', async () => {
      const path = `/admin/casos/${display(cases.violence)}`;
      const before = await auditCount('report.contact_open');
      const response = await post(`${path}/contacto`, {}, s.linea198);
      expect(response.status).toBe(303);
      const location = response.headers.get('Location') ?? '';
      expect(location).toBe(`${path}?aviso=contacto`);
      expect(location).not.toContain('correo');
      expect(await auditCount('report.contact_open')).toBe(before + 1);
      // Another case's page does not show it, nor use it up.
      const elsewhere = await (await get(`/admin/casos/${display(cases.emergency)}`, s.emergencias)).text();
      expect(elsewhere).not.toContain(VIOLENCE_CONTACT);
      const shown = await get(location, s.linea198);
      expect(shown.headers.get('Cache-Control')).toBe('no-store');
      const html = await shown.text();
      expect(html).toContain(VIOLENCE_CONTACT);
      expect(html).toContain('quedó registrado que usted lo abrió');
      const again = await (await get(location, s.linea198)).text();
      expect(again).not.toContain(VIOLENCE_CONTACT);
      expect(again).toContain('Ver contacto');
    });
  });

  describe('the routing table page', () => {
    it('is for admins only', async () => {
      for (const who of ['officerRnpn', 'quejas', 'linea198'] as const) {
        const response = await get('/admin/enrutamiento', s[who]);
        expect(response.status, who).toBe(403);
        expect(await response.text()).toContain('Sin acceso');
        expect((await post('/admin/enrutamiento', { kind: 'complaint', queue: 'quejas', priority: 'high' }, s[who])).status, who).toBe(403);
      }
    });

    it('adds or replaces a rule, refuses a violence rule outside 198 by field, and deletes one', async () => {
      const page = await (await get('/admin/enrutamiento', s.admin)).text();
      expect(page).toContain('Violencia contra las mujeres');
      const added = await post(
        '/admin/enrutamiento',
        { kind: 'missing_requirement', institution: 'dgme', procedure: '', queue: 'quejas', target: '', to_named: 'on', priority: 'high' },
        s.admin,
      );
      expect(added.headers.get('Location')).toBe('/admin/enrutamiento?aviso=guardada');
      const row = await t.store.db.execute(
        "SELECT r.id, r.priority FROM report_routes r JOIN institutions i ON i.id = r.institution_id WHERE r.kind = 'missing_requirement' AND i.slug = 'dgme'",
      );
      expect(row.rows[0].priority).toBe('high');
      const refused = await post('/admin/enrutamiento', { kind: 'violence', queue: 'quejas', priority: 'urgent' }, s.admin);
      expect(refused.status).toBe(400);
      const html = await refused.text();
      expect(html).toContain('Los casos de violencia solo van a la cola 198.');
      expect(html).toContain('href="#campo-queue"');
      const deleted = await post(`/admin/enrutamiento/${row.rows[0].id}/borrar`, {}, s.admin);
      expect(deleted.headers.get('Location')).toBe('/admin/enrutamiento?aviso=borrada');
      expect((await post(`/admin/enrutamiento/${row.rows[0].id}/borrar`, {}, s.admin)).status).toBe(404);
    });
  });

  describe('live updates', () => {
    /** Reads a stream until `pattern` shows up, for at most `ms`, then lets it go. */
    async function readUntil(body: ReadableStream<Uint8Array>, pattern: RegExp, ms: number): Promise<string> {
      const reader = body.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms));
      try {
        while (!pattern.test(text)) {
          const chunk = await Promise.race([reader.read(), timeout]);
          if (chunk === 'timeout' || chunk.done) break;
          text += decoder.decode(chunk.value, { stream: true });
        }
      } finally {
        await reader.cancel();
      }
      return text;
    }

    it('sends an event on the emergencias stream when a case is filed', async () => {
      const response = await get('/admin/casos/eventos?cola=emergencias', s.emergencias);
      expect(response.status).toBe(200);
      expect(response.headers.get('Content-Type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('Cache-Control')).toBe('no-store');
      await fileReport(t, 'emergency');
      const text = await readUntil(response.body as ReadableStream<Uint8Array>, /event: cambio\n/, 8_000);
      expect(text).toMatch(/^retry: \d+/);
      expect(text).toMatch(/event: cambio\ndata: [^\n]+\nid: [^\n]+\n\n|event: cambio\nid: [^\n]+\ndata: [^\n]+\n\n/);
    }, 15_000);

    it('announces at once a change that happened after the page was drawn (desde), and nothing for another queue', async () => {
      const drawn = (await (await get('/admin/casos/version?cola=emergencias', s.emergencias)).json()) as { version: string };
      await fileReport(t, 'emergency');
      const caught = await get(`/admin/casos/eventos?cola=emergencias&desde=${encodeURIComponent(drawn.version)}`, s.emergencias);
      expect(await readUntil(caught.body as ReadableStream<Uint8Array>, /event: cambio/, 4_000)).toContain('event: cambio');
      // A quejas case is outside this operator's scope: her stream stays quiet.
      const quiet = await get('/admin/casos/eventos?cola=emergencias', s.emergencias);
      await fileReport(t, 'complaint');
      expect(await readUntil(quiet.body as ReadableStream<Uint8Array>, /event: cambio/, 3_000)).not.toContain('event: cambio');
    }, 15_000);

    it('ends the stream when the person signs out', async () => {
      const extra = await signInAgain(ACCOUNTS.emergencias.email);
      const response = await get('/admin/casos/eventos?cola=emergencias', extra);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      expect((await reader.read()).done).toBe(false);
      expect((await post('/admin/salir', {}, extra)).headers.get('Location')).toBe('/admin/entrar?salida=1');
      const ended = await Promise.race([
        (async () => {
          while (!(await reader.read()).done);
          return 'ended';
        })(),
        new Promise((resolve) => setTimeout(() => resolve('still open'), 6_000)),
      ]);
      expect(ended).toBe('ended');
    }, 10_000);

    it('refuses the stream and the version without a session, and an unknown queue', async () => {
      const stream = await get('/admin/casos/eventos?cola=emergencias');
      expect(stream.status).toBe(401);
      expect(stream.headers.get('Content-Type')).toMatch(/json/);
      expect((await get('/admin/casos/version?cola=emergencias')).status).toBe(401);
      expect((await get('/admin/casos/eventos?cola=otra', s.emergencias)).status).toBe(400);
    });

    it('keeps a 198 case page live: her message moves its version, opening the page does not; other scopes get 404, no session 401', async () => {
      const code = await fileReport(t, 'violence', { channel: 'telegram', contact: { channel: 'telegram', value: '555000999', relay: true } });
      const path = `/admin/casos/${display(code)}`;
      const version = async (session?: Session) => get(`${path}/version`, session);
      const first = ((await (await version(s.linea198)).json()) as { version: string }).version;
      // Opening a violence case records it (an audited event), which must not look like a change.
      expect((await get(path, s.linea198)).status).toBe(200);
      expect(((await (await version(s.linea198)).json()) as { version: string }).version).toBe(first);
      const stream = await get(`${path}/eventos?desde=${encodeURIComponent(first)}`, s.linea198);
      expect(stream.headers.get('Content-Type')).toMatch(/^text\/event-stream/);
      await addCitizenMessage(t.store, { code, codeWord: CANARY.codeWord }, '[sintético] ¿Sigue ahí alguien?', 'telegram');
      expect(await readUntil(stream.body as ReadableStream<Uint8Array>, /event: cambio/, 6_000)).toContain('event: cambio');
      expect(((await (await version(s.linea198)).json()) as { version: string }).version).not.toBe(first);
      for (const who of ['officerRnpn', 'emergencias', 'admin'] as const) {
        expect((await version(s[who])).status, who).toBe(404);
        expect((await get(`${path}/eventos`, s[who])).status, who).toBe(404);
      }
      expect((await version()).status).toBe(401);
    }, 15_000);

    it('shows the 198 operator that she is waiting in the live conversation, and that she was answered after a public reply', async () => {
      const code = await fileReport(t, 'violence', { channel: 'telegram', contact: { channel: 'telegram', value: '555000998', relay: true } });
      const path = `/admin/casos/${display(code)}`;
      t.clock.advance(1_000);
      await addCitizenMessage(t.store, { code, codeWord: CANARY.codeWord }, '[sintético] Estoy aquí.', 'telegram');
      const waiting = await (await get(path, s.linea198)).text();
      expect(waiting).toMatch(/La persona escribe por Telegram y espera una respuesta desde/);
      expect(waiting).toContain(`data-events="${path}/eventos?desde=`);
      expect(waiting).not.toContain('555000998'); // the contact stays closed
      const reply = await post(`${path}/responder`, { message: 'Le escuchamos. ¿Puede hablar?' }, s.linea198);
      expect(reply.status).toBe(303);
      const answered = await (await get(path, s.linea198)).text();
      expect(answered).toContain('Conversación en vivo por Telegram');
      expect(answered).not.toContain('espera una respuesta');
      // A quejas case without a conversation is drawn without the live machinery.
      const plain = await (await get(`/admin/casos/${display(cases.rnpn)}`, s.quejas)).text();
      expect(plain).not.toContain('data-live-queue');
    });

    it('moves the version when a visible case changes, and does not count as activity on the session', async () => {
      const version = async () => ((await (await get('/admin/casos/version?cola=emergencias', s.emergencias)).json()) as { version: string }).version;
      const before = await version();
      t.clock.advance(1_000);
      const note = await post(`/admin/casos/${display(cases.emergency)}/nota`, { message: 'Se envió una unidad.' }, s.emergencias);
      expect(note.status).toBe(303);
      expect(await version()).not.toBe(before);
      const seen = async () =>
        String(
          (
            await t.store.db.execute({
              sql: 'SELECT s.last_seen_at FROM sessions s JOIN people p ON p.id = s.person_id WHERE p.email = ? ORDER BY s.created_at DESC LIMIT 1',
              args: [ACCOUNTS.emergencias.email],
            })
          ).rows[0].last_seen_at,
        );
      const lastSeen = await seen();
      t.clock.advance(5 * 60_000);
      await version();
      expect(await seen()).toBe(lastSeen);
    });
  });

  describe('escalations', () => {
    it('shows overdue cases in words and escalated ones behind «Escalados»', async () => {
      t.clock.set(new Date(new Date(TEST_NOW).getTime() + 20 * 60_000));
      await escalateOverdue(t.store);
      const html = await (await get('/admin/casos', s.emergencias)).text();
      expect(html).toMatch(/vencido hace \d+ min/);
      expect(html).toMatch(/<tr class="case-row overdue escalated"/);
      expect(html).toMatch(/Escalados \(\d+\)/);
      const escalated = await (await get('/admin/casos?escalados=1', s.emergencias)).text();
      expect(escalated).toContain(display(cases.emergency));
      expect(escalated).toContain('Escalado');
    });
  });
});

describe('a queue of 10,000 open cases', () => {
  let t: TestStore;
  let app: App;
  let s: Record<Who, Session>;
  const codes: string[] = [];

  beforeAll(async () => {
    t = await createTestStore('fixture');
    app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.72' });
    s = await signInAll(t, app, ['quejas']);
    // Synthetic cases, written straight into the store; each one's deadline a minute after the last.
    const start = new Date(TEST_NOW).getTime();
    const statements = [];
    const description = await t.store.cipher.encrypt('[sintético] Caso generado para la prueba de carga.');
    for (let i = 0; i < 10_000; i++) {
      const code = generateTrackingCode();
      codes.push(code);
      const due = new Date(start + (i + 1) * 60_000).toISOString();
      statements.push({
        sql: `INSERT INTO reports (code, kind, channel, queue, priority, state, is_open, description, anonymous, created_at, updated_at,
                                   acknowledge_due_at, resolve_due_at, due_at)
              VALUES (?, 'complaint', 'web', 'quejas', 'normal', 'received', 1, ?, 1, ?, ?, ?, ?, ?)`,
        args: [code, description, TEST_NOW, TEST_NOW, due, due, due],
      });
    }
    await t.store.batch(statements);
  }, 30_000);
  afterAll(() => t?.cleanup());

  it('renders page 1 and page 200, the nearest deadline first', async () => {
    const first = await app.request(`${ORIGIN}/admin/casos`, { headers: { Cookie: s.quejas.cookie } });
    expect(first.status).toBe(200);
    const html = await first.text();
    expect(html).toContain('10,000 casos');
    expect(html).toContain('Página 1 de 200');
    expect(html.match(/<tr class="case-row/g)?.length).toBe(50);
    expect(html).toContain(formatTrackingCode(codes[0]));
    expect(html).toContain(formatTrackingCode(codes[49]));
    expect(html).not.toContain(formatTrackingCode(codes[50]));
    expect(html).toContain('href="/admin/casos?pagina=2"');

    const last = await (await app.request(`${ORIGIN}/admin/casos?pagina=200`, { headers: { Cookie: s.quejas.cookie } })).text();
    expect(last).toContain('Página 200 de 200');
    expect(last.match(/<tr class="case-row/g)?.length).toBe(50);
    expect(last).toContain(formatTrackingCode(codes[9_950]));
    expect(last).toContain(formatTrackingCode(codes[9_999]));
    expect(last).not.toContain(formatTrackingCode(codes[9_949]));
    expect(last).not.toContain('rel="next"');
  }, 20_000);
});
