// The Worker end to end, in workerd (wrangler dev, offline): the same bundle `npm run deploy`
// uploads, its store a real libSQL file reached over HTTP by the unmodified @libsql/client/web
// (scripts/libsql-http.node.ts), Telegram's Bot API a capture server on loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client/web';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorker } from '../../bin/build-worker.mjs';
import { generateDataKey } from '../../store/field-cipher.ts';
import { normalizeTrackingCode } from '../../store/reports/tracking-code.ts';
import { createPerson } from '../../store/people/people.ts';
import { openConfiguredStore, prepareStore } from '../../store/seed.node.ts';
import { freePort, startLocalWorker, type LocalWorker } from '../../scripts/worker-local.node.ts';
import { startCaptureServer } from '../fixtures/bot-channels.ts';

const TOKEN = '123456789:AAHworkerTOKENworkerTOKENworker12';
const SECRET = 'secreto-del-webhook-en-workers';
const SLUG = 'renovacion-pasaporte';
const TWILIO_AUTH = 'auth-token-of-the-worker-test-000';

let dir: string;
let worker: LocalWorker;
let base: string;
let capture: Awaited<ReturnType<typeof startCaptureServer>>;
let operator: Awaited<ReturnType<typeof createPerson>>;

beforeAll(async () => {
  await buildWorker({ quiet: true });
  dir = mkdtempSync(join(tmpdir(), 'portal-worker-test-'));
  const databasePath = join(dir, 'portal.db');
  const dataKey = generateDataKey();
  const store = await openConfiguredStore({ DATABASE_URL: `file:${databasePath}`, DATA_KEY: dataKey });
  await prepareStore(store);
  // An operator of the complaints queue, past her one-time password.
  operator = await createPerson(store, { email: 'operadora@worker.portal.test', role: 'operator', queue: 'quejas' }, null, { iterations: 1_000 });
  await store.batch(['UPDATE people SET must_change_password = 0']);
  store.close();
  capture = await startCaptureServer();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  worker = await startLocalWorker({
    databasePath,
    dataKey,
    port,
    vars: {
      PUBLIC_BASE_URL: base,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: capture.url,
      TWILIO_AUTH_TOKEN: TWILIO_AUTH,
      TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001',
      TWILIO_FROM: '+50321000000',
      TWILIO_API_ROOT: capture.url,
    },
  });
}, 180_000);

afterAll(async () => {
  await worker?.close();
  await capture?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Signs the complaints queue's operator in; returns her session cookie. */
async function signInOperator(): Promise<string> {
  const signIn = await fetch(`${base}/admin/entrar`, {
    method: 'POST',
    headers: { Origin: base, 'Sec-Fetch-Site': 'same-origin' },
    body: new URLSearchParams({ email: 'operadora@worker.portal.test', password: operator.oneTimePassword }),
    redirect: 'manual',
  });
  expect(signIn.status).toBe(303);
  const cookie = (signIn.headers.get('Set-Cookie') ?? '').split(';')[0];
  expect(cookie).toMatch(/=/);
  return cookie;
}

/** The Worker's store, read and written from outside as an operator's tool would (over HTTP). */
function database() {
  return createClient({ url: worker.databaseUrl });
}

describe('the Worker in workerd', () => {
  it('is healthy: the remote store answers and the embedded search runs on it', async () => {
    const response = await fetch(`${base}/api/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ status: 'ok', db: 'ok', search: { engine: 'fts5' } });
  });

  it('serves the home page and a procedure page from the store, with the security headers and a working ETag', async () => {
    const home = await fetch(`${base}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('Content-Security-Policy')).toContain("default-src 'self'");
    expect(await home.text()).toMatch(/<html lang="es"/);
    const page = await fetch(`${base}/tramites/${SLUG}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/pasaporte/i);
    expect(html).toContain('Este servicio no funciona así');
    const etag = page.headers.get('ETag');
    expect(etag).toBeTruthy();
    expect((await fetch(`${base}/tramites/${SLUG}`, { headers: { 'If-None-Match': etag! } })).status).toBe(304);
    expect((await fetch(`${base}/tramites/no-existe-este-tramite`)).status).toBe(404);
  });

  it('answers many requests at once, each with its own queries: none waits on another request’s I/O and hangs', async () => {
    // @libsql/client queues statements past 20 at once and starts a queued one from whichever
    // request's statement finished: workerd then cancelled the waiting request as hung (a 500).
    // Each page runs several queries, so 40 pages at once pass 20 statements in flight.
    for (let round = 0; round < 3; round++) {
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          fetch(`${base}/tramites/${i % 2 ? SLUG : 'partida-nacimiento-certificada-alcaldia'}`).then(async (r) => (await r.arrayBuffer(), r.status)),
        ),
      );
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
    }
    expect(worker.output()).not.toMatch(/hung/);
  });

  it('serves the build’s hashed files from the assets binding, marked immutable', async () => {
    const html = await (await fetch(`${base}/`)).text();
    const asset = /(?:href|src)="(\/_astro\/[^"]+)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const response = await fetch(`${base}${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toContain('immutable');
  });

  it('searches with the embedded FTS5 engine over the remote store, typos and missing accents included', async () => {
    for (const query of ['renovar pasaporte', 'renobacion de pasaporte']) {
      const response = await fetch(`${base}/api/search?q=${encodeURIComponent(query)}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { hits: { slug: string }[] };
      expect(body.hits.slice(0, 3).map((hit) => hit.slug)).toContain(SLUG);
    }
    const page = await fetch(`${base}/buscar?q=${encodeURIComponent('pasaporte')}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`/tramites/${SLUG}`);
  });

  it('takes feedback from its own pages only: a foreign Origin is refused and nothing is written', async () => {
    const count = async () =>
      Number(
        (await database().execute({ sql: 'SELECT count(*) AS n FROM feedback f JOIN procedures p ON p.id = f.procedure_id WHERE p.slug = ?', args: [SLUG] }))
          .rows[0].n,
      );
    const before = await count();
    const foreign = await fetch(`${base}/tramites/${SLUG}/opinion`, {
      method: 'POST',
      headers: { Origin: 'https://otro.example' },
      body: new URLSearchParams({ kind: 'want_online' }),
      redirect: 'manual',
    });
    expect(foreign.status).toBe(403);
    expect(await count()).toBe(before);
    const own = await fetch(`${base}/tramites/${SLUG}/opinion`, {
      method: 'POST',
      headers: { Origin: base, 'Sec-Fetch-Site': 'same-origin' },
      body: new URLSearchParams({ kind: 'want_online' }),
      redirect: 'manual',
    });
    expect(own.status).toBe(303);
    expect(await count()).toBe(before + 1);
    const json = await fetch(`${base}/api/procedures/${SLUG}/feedback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: base },
      body: JSON.stringify({ kind: 'not_like_this', part: 'costo', message: '[prueba] En la ventanilla cobran otra cantidad.' }),
    });
    expect(json.status).toBe(201);
    expect(await count()).toBe(before + 2);
  });

  it('files a report once per Idempotency-Key, shows it to its owner and takes her reply', async () => {
    const complaint = { kind: 'complaint', description: '[prueba] En la ventanilla no me recibieron la solicitud.', procedure: SLUG, anonymous: true };
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: base, ...headers }, body: JSON.stringify(body) });
    const first = await post('/api/reports', complaint, { 'Idempotency-Key': 'worker-prueba-0001' });
    expect(first.status).toBe(201);
    const { code } = (await first.json()) as { code: string };
    const retry = await post('/api/reports', complaint, { 'Idempotency-Key': 'worker-prueba-0001' });
    expect(((await retry.json()) as { code: string }).code).toBe(code);
    const stored = await database().execute({ sql: 'SELECT count(*) AS n FROM reports WHERE code = ?', args: [normalizeTrackingCode(code)] });
    expect(Number(stored.rows[0].n)).toBe(1);
    const view = await fetch(`${base}/api/reports/${code}`);
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ code, kind: 'complaint', status: 'received', closed: false });
    expect((await post(`/api/reports/${code}/messages`, { message: '[prueba] Puedo llevar copia del DUI.' })).status).toBe(201);
    const timeline = (await (await fetch(`${base}/api/reports/${code}`)).json()) as { timeline: { type: string }[] };
    expect(timeline.timeline.map((event) => event.type)).toContain('citizen_message');
    expect((await fetch(`${base}/api/reports/${code.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'))}`)).status).toBe(404);
  });

  it('answers a Telegram update by webhook and sends the bot’s reply to the Bot API within the request’s lifetime', async () => {
    const update = {
      update_id: 424242,
      message: {
        message_id: 7,
        date: 1_790_000_000,
        chat: { id: 5550001, type: 'private' },
        from: { id: 5550001, is_bot: false, first_name: 'Prueba' },
        text: '/start',
      },
    };
    const refused = await fetch(`${base}/api/telegram/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': 'otro' },
      body: JSON.stringify(update),
    });
    expect(refused.status).toBe(401);
    const accepted = await fetch(`${base}/api/telegram/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify(update),
    });
    expect(accepted.status).toBe(200);
    const [sent] = await capture.waitFor('sendMessage', 1);
    expect(sent.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(sent.json).toMatchObject({ chat_id: 5550001 });
    expect(String(sent.json?.text)).toMatch(/911/);
    expect(JSON.stringify(sent.json?.reply_markup)).toMatch(/Emergencia/);
    // The same update again (Telegram retrying): answered, not handled twice.
    const again = await fetch(`${base}/api/telegram/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': SECRET },
      body: JSON.stringify(update),
    });
    expect(again.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(capture.callsTo('sendMessage')).toHaveLength(1);
  });

  it('runs the scheduled jobs on a cron trigger: an overdue case is escalated', async () => {
    const filed = await fetch(`${base}/api/reports`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: base },
      body: JSON.stringify({ kind: 'complaint', description: '[prueba] Caso que vencerá.', procedure: SLUG, anonymous: true }),
    });
    const code = normalizeTrackingCode(((await filed.json()) as { code: string }).code);
    const db = database();
    // Time passes: its promise ran out an hour ago.
    await db.execute({ sql: "UPDATE reports SET due_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour') WHERE code = ?", args: [code] });
    const escalations = async () =>
      Number(
        (
          await db.execute({
            sql: "SELECT count(*) AS n FROM report_events e JOIN reports r ON r.id = e.report_id WHERE r.code = ? AND e.type = 'escalate'",
            args: [code],
          })
        ).rows[0].n,
      );
    expect(await escalations()).toBe(0);
    const tick = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
    expect(tick.status).toBe(200);
    expect(await escalations()).toBe(1);
  });

  it('keeps an operator’s queue live with server-sent events (and the same version as JSON)', async () => {
    const cookie = await signInOperator();
    const version = await fetch(`${base}/admin/casos/version?cola=quejas`, { headers: { Cookie: cookie } });
    expect(version.status).toBe(200);
    const known = ((await version.json()) as { version: string }).version;
    expect((await fetch(`${base}/admin/casos/version?cola=quejas`)).status).toBe(401);

    const controller = new AbortController();
    const events = await fetch(`${base}/admin/casos/eventos?cola=quejas&desde=${encodeURIComponent(known)}`, {
      headers: { Cookie: cookie },
      signal: controller.signal,
    });
    expect(events.status).toBe(200);
    expect(events.headers.get('Content-Type')).toMatch(/text\/event-stream/);
    const reader = events.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no llegó ${pattern} en: ${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`el flujo terminó antes de ${pattern}: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await until(/retry: \d+/);
    // A complaint filed meanwhile (by anyone, through any isolate) reaches the open queue.
    await fetch(`${base}/api/reports`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: base },
      body: JSON.stringify({ kind: 'complaint', description: '[prueba] Una queja nueva para la bandeja.', procedure: SLUG, anonymous: true }),
    });
    await until(/event: cambio/);
    controller.abort();
  }, 30_000);

  it('counts rate limits in the store, per client address as Cloudflare gives it (CF-Connecting-IP), whatever isolate answers', async () => {
    const lookup = (address: string) =>
      fetch(`${base}/api/reports/ZZZZ-ZZZZ-ZZZZ-ZZ`, { headers: { 'CF-Connecting-IP': address } }).then((response) => response.status);
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) statuses.push(await lookup('192.0.2.77'));
    expect(statuses.slice(0, 15).every((status) => status === 404)).toBe(true);
    expect(statuses[15]).toBe(429);
    expect(await lookup('192.0.2.78')).toBe(404);
    const counters = await database().execute("SELECT count(*) AS n FROM rate_limits WHERE bucket = 'report-lookup-miss'");
    expect(Number(counters.rows[0].n)).toBeGreaterThanOrEqual(2);
  });

  it('answers a signed SMS with TwiML and refuses an unsigned one', async () => {
    const params = { From: '+50370000098', To: '+50321000000', Body: 'menu', MessageSid: `SM${'7'.repeat(32)}`, NumMedia: '0' };
    const send = (signature: string) =>
      fetch(`${base}/api/sms/twilio`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
        body: new URLSearchParams(params),
      });
    expect((await send('firma-falsa')).status).toBe(403);
    const signed = await send(twilio.getExpectedTwilioSignature(TWILIO_AUTH, `${base}/api/sms/twilio`, params));
    expect(signed.status).toBe(200);
    expect(signed.headers.get('Content-Type')).toMatch(/text\/xml/);
    expect(await signed.text()).toMatch(/<Response><Message>[^<]*911/);
  });

  it('sends an operator’s reply to the citizen by SMS, with her consent, right after the operator writes it', async () => {
    const filed = await fetch(`${base}/api/reports`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: base },
      body: JSON.stringify({
        kind: 'complaint',
        description: '[prueba] Quiero que me avisen por SMS.',
        procedure: SLUG,
        anonymous: false,
        contact: { channel: 'sms', value: '+50370000099' },
      }),
    });
    expect(filed.status).toBe(201);
    const { code } = (await filed.json()) as { code: string };
    const cookie = await signInOperator();
    const page = await (await fetch(`${base}/admin/casos/${code}`, { headers: { Cookie: cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    expect(csrf).toBeTruthy();
    const reply = await fetch(`${base}/admin/casos/${code}/responder`, {
      method: 'POST',
      headers: { Cookie: cookie, Origin: base, 'Sec-Fetch-Site': 'same-origin' },
      body: new URLSearchParams({ csrf: csrf!, message: '[prueba] Recibimos su queja y la estamos revisando.' }),
      redirect: 'manual',
    });
    expect(reply.status).toBe(303);
    const [sms] = await capture.waitFor('Messages.json', 1);
    expect(sms.path).toBe('/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages.json');
    expect(sms.form).toMatchObject({ To: '+50370000099', From: '+50321000000' });
    // The first line a lock screen shows says nothing of the case.
    expect(sms.form?.Body.split('\n')[0]).not.toMatch(/queja|denuncia|caso/i);
  });
});
