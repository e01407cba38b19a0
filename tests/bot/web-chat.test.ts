import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { step } from '../../bot/engine/engine.ts';
import type { Step } from '../../bot/engine/types.ts';
import { createBotRunner } from '../../bot/runner.ts';
import { consoleLog } from '../../api/errors.ts';
import { createWebApp } from '../../api/web-app.ts';
import { createEmbeddedSearch } from '../../search/embedded.ts';
import { isOptedOut, optIn, optOut } from '../../store/bot/conversations.ts';
import { formatTrackingCode, generateTrackingCode } from '../../store/reports/tracking-code.ts';
import { loadRenderPage } from '../../server.node.ts';
import { addReportEvent, getCase } from '../../store/reports/handling.ts';
import { createStaff, FAST_CODE_WORD } from '../fixtures/reports.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

/** A small engine of our own: a menu with two choices; «buscar …» asks the runner to search. */
const menuStep: Step = (state, event) => {
  if (event.type === 'resume' && event.result.type === 'search') {
    return { messages: [{ text: event.result.hits.map((hit) => `${hit.title}: ${hit.url}`).join('\n') || 'Nada encontrado.' }], state };
  }
  if (event.type === 'choice' && event.value === 'buscar')
    return { messages: [{ text: '¿Qué trámite busca?' }], state: { flow: 'search', step: 'ask', data: {} } };
  if (event.type === 'message' && state?.flow === 'search')
    return { messages: [], state: { flow: 'menu', step: 'start', data: {} }, effect: { type: 'search', query: event.text } };
  return {
    messages: [
      {
        text: 'Hola, ¿en qué le ayudo?\nElija una opción.',
        choices: [
          { value: 'buscar', label: 'Buscar un trámite' },
          { value: 'ayuda', label: 'Ayuda' },
        ],
      },
    ],
    state: { flow: 'menu', step: 'start', data: {} },
  };
};

const ORIGIN = 'http://portal.test';
let t: TestStore;
let app: ReturnType<typeof createWebApp>;
let bare: ReturnType<typeof createWebApp>;
let real: ReturnType<typeof createWebApp>;
let failing: ReturnType<typeof createWebApp>;

beforeAll(async () => {
  t = await createTestStore();
  const search = createEmbeddedSearch(t.store.db);
  const runner = createBotRunner({ store: t.store, search, step: menuStep, passwordIterations: FAST_CODE_WORD });
  const optOuts = {
    isOptedOut: (c: 'sms' | 'telegram', i: string) => isOptedOut(t.store, c, i),
    optOut: (c: 'sms' | 'telegram', i: string) => optOut(t.store, c, i),
    optIn: (c: 'sms' | 'telegram', i: string) => optIn(t.store, c, i),
  };
  const renderPage = await loadRenderPage();
  app = createWebApp({ store: t.store, search, log: consoleLog, renderPage, bot: { runner, optOuts } });
  bare = createWebApp({ store: t.store, search, log: consoleLog, renderPage });
  const withStep = (engine: Step) =>
    createWebApp({
      store: t.store,
      search,
      log: consoleLog,
      renderPage,
      bot: { runner: createBotRunner({ store: t.store, search, step: engine, passwordIterations: FAST_CODE_WORD, log: { error: () => undefined } }), optOuts },
    });
  real = withStep(step);
  failing = withStep(() => {
    throw new Error('the engine broke');
  });
});
afterAll(() => t.cleanup());

/** A browser's cookie jar for /chat. */
class Browser {
  cookie: string | null = null;
  readonly site: ReturnType<typeof createWebApp>;
  constructor(site = app) {
    this.site = site;
  }
  private remember(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const value = pair.slice(pair.indexOf('=') + 1);
      if (!pair.startsWith('chat=')) continue;
      this.cookie = /Max-Age=0/i.test(line) || value === '' ? null : value;
    }
  }
  async get(path = '/chat') {
    const response = await this.site.request(`${ORIGIN}${path}`, { headers: this.cookie ? { Cookie: `chat=${this.cookie}` } : {} });
    this.remember(response);
    return { status: response.status, html: await response.text(), headers: response.headers };
  }
  async post(fields: Record<string, string>, extra: Record<string, string> = {}) {
    const response = await this.site.request(`${ORIGIN}/chat`, {
      method: 'POST',
      headers: {
        Origin: ORIGIN,
        'Sec-Fetch-Site': 'same-origin',
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(this.cookie ? { Cookie: `chat=${this.cookie}` } : {}),
        ...extra,
      },
      body: new URLSearchParams(fields),
    });
    this.remember(response);
    return { status: response.status, location: response.headers.get('Location') ?? '', headers: response.headers, body: await response.text() };
  }
}

const turnOf = (html: string) => /name="turn" value="([^"]+)"/.exec(html)?.[1] ?? '';
const logOf = (html: string) =>
  [...html.matchAll(/<li class="chat-entry chat-(person|bot)[^"]*"[^>]*>.*?<p[^>]*>(.*?)<\/p>/gs)].map((match) => `${match[1]}: ${match[2]}`);

describe('the web chat at /chat', () => {
  it('works as plain forms: post, 303 back, the conversation and its choices as buttons', async () => {
    const browser = new Browser();
    const first = await browser.get();
    expect(first.status).toBe(200);
    expect(first.headers.get('Cache-Control')).toContain('no-store');
    // No script of its own: the only one is the layout's quick exit, which enhances a plain link.
    expect([...first.html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((match) => match[1])).toEqual([expect.stringMatching(/^\/_astro\/QuickExit/)]);
    expect(first.html).toContain('href="tel:911"');
    expect(first.html).toContain('Salir rápido');
    const sent = await browser.post({ message: 'hola', turn: turnOf(first.html) });
    expect(sent.status).toBe(303);
    expect(sent.location).toBe('/chat#ultimo');
    expect(sent.headers.get('Cache-Control')).toContain('no-store');
    const cookie = sent.headers.getSetCookie().find((line) => line.startsWith('chat='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/chat/);
    expect(cookie).not.toMatch(/Max-Age/i);
    const page = await browser.get();
    expect(logOf(page.html)).toEqual(['person: hola', 'bot: Hola, ¿en qué le ayudo?\nElija una opción.']);
    expect(page.html).toMatch(/<button type="submit" name="choice" value="buscar"[^>]*>Buscar un trámite<\/button>/);
    expect(page.html).toContain('Borrar conversación');
    // The tab title says nothing of the subject.
    expect(/<title>(.*?)<\/title>/.exec(page.html)?.[1]).toMatch(/^Ayuda \|/);

    await browser.post({ choice: 'buscar', turn: turnOf(page.html) });
    const asked = await browser.get();
    await browser.post({ message: 'pasaporte', turn: turnOf(asked.html) });
    const answered = await browser.get();
    expect(logOf(answered.html).slice(-4)).toEqual([
      'person: Buscar un trámite',
      'bot: ¿Qué trámite busca?',
      'person: pasaporte',
      expect.stringMatching(/^bot: Renovación de prueba del pasaporte: \/tramites\/prueba-pasaporte-renovacion/),
    ]);
  });

  it('takes a form sent twice as one message', async () => {
    const browser = new Browser();
    const page = await browser.get();
    const turn = turnOf(page.html);
    await browser.post({ message: 'hola', turn });
    await browser.post({ message: 'hola', turn });
    expect(logOf((await browser.get()).html)).toHaveLength(2);
  });

  it('escapes what she wrote', async () => {
    const browser = new Browser();
    await browser.post({ message: '<img src=x onerror=alert(1)>' });
    const page = await browser.get();
    expect(page.html).not.toContain('<img src=x');
    expect(page.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('answers bad input with a helpful message, never a 5xx', async () => {
    const browser = new Browser();
    const empty = await browser.post({ message: '   ' });
    expect(empty).toMatchObject({ status: 303, location: '/chat?error=vacio' });
    const page = await browser.get(empty.location);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Escriba un mensaje o elija una opción.');
    expect(page.html).toContain('class="error-summary');
    const long = await browser.post({ message: 'a'.repeat(5000) });
    expect(long).toMatchObject({ status: 303, location: '/chat?error=largo' });
    const huge = await browser.post({ message: 'a'.repeat(40_000) });
    expect(huge.status).toBe(413);
    const unknownChoice = await browser.post({ choice: 'no-existe' });
    expect(unknownChoice.status).toBe(303);
    const notForm = await browser.post({}, { 'Content-Type': 'application/json' });
    expect(notForm.status).toBeLessThan(500);
    const forged = await new Browser().post({ message: 'hola' }, { Cookie: 'chat=../../etc', Origin: ORIGIN });
    expect(forged.status).toBe(303);
    const otherSite = await new Browser().post({ message: 'hola' }, { Origin: 'https://otro.example', 'Sec-Fetch-Site': 'cross-site' });
    expect(otherSite.status).toBe(403);
  });

  it('forgets the conversation and the cookie with «Borrar conversación»', async () => {
    const browser = new Browser();
    await browser.post({ message: 'hola' });
    const identity = browser.cookie;
    expect(identity).toMatch(/^[0-9a-f]{32}$/);
    const forgot = await browser.post({ action: 'borrar' });
    expect(forgot).toMatchObject({ status: 303, location: '/chat?hecho=borrada' });
    expect(browser.cookie).toBeNull();
    const rows = await t.store.db.execute('SELECT count(*) AS n FROM bot_conversations');
    const page = await new Browser().get('/chat?hecho=borrada');
    expect(page.html).toContain('Borramos la conversación.');
    expect(page.html).toContain('href="/ayuda/navegar-seguro"');
    // Coming back with the old cookie finds nothing.
    const old = new Browser();
    old.cookie = identity;
    expect(logOf((await old.get()).html)).toEqual([]);
    expect(Number(rows.rows[0].n)).toBeGreaterThanOrEqual(0);
  });

  it('talks with the real engine: the menu as buttons, a code word never shown back, «salir» forgets', async () => {
    const browser = new Browser(real);
    await browser.post({ message: 'hola' });
    const menu = await browser.get();
    expect(menu.html).toMatch(/name="choice" value="[^"]+"[^>]*>Seguimiento de mi caso<\/button>/);
    await browser.post({ message: '4' });
    await browser.post({ message: formatTrackingCode(generateTrackingCode()) });
    await browser.post({ message: 'girasol secreto' });
    const page = await browser.get();
    expect(page.html).not.toContain('girasol secreto');
    expect(logOf(page.html)).toContain('person: ••••');
    const left = await browser.post({ message: 'salir' });
    expect(left).toMatchObject({ status: 303, location: '/chat?hecho=borrada' });
    expect(browser.cookie).toBeNull();
  });

  it('talks with a 198 operator: her message reaches the case, the reply appears in the transcript once', async () => {
    const staff = await createStaff(t);
    const browser = new Browser(real);
    await browser.post({ message: 'hola' });
    for (const choice of ['menu.line198', 'yes', 'no', 'line198.option.operator', 'yes', 'any', 'no']) await browser.post({ choice });
    await browser.post({ message: 'girasol' });
    await browser.post({ choice: 'skip' });
    const code = /Su código es (\S+)\./.exec((await browser.get()).html)?.[1];
    expect(code).toBeTruthy();
    await browser.post({ message: 'Estoy en un lugar seguro' });
    // In the relay the page carries the live list (site/scripts/live-chat.ts) and its version.
    const waiting = await browser.get();
    expect(waiting.html).toMatch(/id="chat-region" data-live-chat/);
    const versionOf = (html: string) => /id="chat-region"[^>]*data-version="(\d+)"/.exec(html)?.[1];
    const before = versionOf(waiting.html);
    expect(before).toBeTruthy();
    const detail = await getCase(t.store, staff.operator198, code!);
    expect(detail.events.some((e) => e.type === 'citizen_message' && e.message === 'Estoy en un lugar seguro')).toBe(true);
    await addReportEvent(t.store, staff.operator198, code!, { type: 'public_reply', message: 'Le escuchamos. ¿Puede hablar?' });
    const page = await browser.get();
    expect(logOf(page.html)).toContain('bot: Mensaje nuevo:\nLe escuchamos. ¿Puede hablar?');
    expect(versionOf(page.html)).not.toBe(before);
    const again = await browser.get();
    expect(logOf(again.html).filter((line) => line.includes('Le escuchamos'))).toHaveLength(1);
  });

  it('says the message was not handled when the engine fails, and keeps the conversation', async () => {
    const browser = new Browser();
    await browser.post({ message: 'hola' });
    const broken = new Browser(failing);
    broken.cookie = browser.cookie;
    const sent = await broken.post({ message: 'otra cosa' });
    expect(sent).toMatchObject({ status: 303, location: '/chat?error=fallo' });
    const page = await broken.get(sent.location);
    expect(page.status).toBe(200);
    expect(page.html).toContain('no pudimos atender su mensaje');
    expect(logOf(page.html)).toHaveLength(2);
  });

  it('expires the chat cookie on the quick exit', async () => {
    const response = await app.request(`${ORIGIN}/salir`);
    expect(response.headers.getSetCookie().some((line) => line.startsWith('chat=') && /Path=\/chat/.test(line))).toBe(true);
  });

  it('says so, instead of failing, when the bot is not configured', async () => {
    const browser = new Browser(bare);
    const sent = await browser.post({ message: 'hola' });
    expect(sent).toMatchObject({ status: 303, location: '/chat?error=no-disponible' });
    expect((await browser.get(sent.location)).html).toContain('El chat no está disponible por ahora');
  });
});
