import { CANARY } from '../fixtures/canaries.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Log } from '../../api/errors.ts';
import { REPORT_KINDS, KIND_TEXT } from '../../store/reports/kinds.ts';
import { getPublicReport } from '../../store/reports/reports.ts';
import { normalizeTrackingCode } from '../../store/reports/tracking-code.ts';
import { fileReport } from '../fixtures/reports.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';
import { createTestWebApp } from '../fixtures/web.ts';

/**
 * The citizen's report pages over the built site (run `npm run build` after changing .astro
 * files): /denuncia (choose, fill, errors, confirmation) and /seguimiento (look up, read, reply,
 * close, withdraw, delete the contact, leave), post/redirect/get without JavaScript.
 */

const ORIGIN = 'http://portal.test';
const STORY = 'En la ventanilla del registro me pidieron veinte dólares para agilizar mi partida. [prueba-relato-7731]';
const CONTACT = '@vecina_prueba_7731';

let t: TestStore;
let app: Awaited<ReturnType<typeof createTestWebApp>>;
const logLines: string[] = [];
const urls: string[] = [];

beforeAll(async () => {
  t = await createTestStore('fixture');
  const log: Log = {
    info: (message, details) => logLines.push(`${message} ${JSON.stringify(details ?? {})}`),
    error: (message, details) => logLines.push(`${message} ${JSON.stringify(details ?? {})}`),
  };
  // Each test speaks from its own address (header set below), so rate limits never cross tests.
  app = await createTestWebApp(t, { log, remoteAddress: (c) => c.req.header('X-Test-Client') ?? '192.0.2.1' });
});
afterAll(() => t.cleanup());

let browsers = 0;

/** A browser's cookie jar, enough for these paths: name → value, dropped when expired. */
class Browser {
  cookies = new Map<string, string>();
  readonly client: string;
  constructor(client = `198.51.100.${++browsers}`) {
    this.client = client;
  }

  private remember(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (/Max-Age=0/i.test(line) || /Expires=Thu, 01 Jan 1970/i.test(line) || value === '' || value === 'deleted') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private headers(extra: Record<string, string> = {}) {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return { 'X-Test-Client': this.client, ...(cookie ? { Cookie: cookie } : {}), ...extra };
  }

  async get(path: string) {
    urls.push(path);
    const response = await app.request(`${ORIGIN}${path}`, { headers: this.headers() });
    this.remember(response);
    return { status: response.status, html: await response.text(), headers: response.headers };
  }

  /** A form post as Chromium sends it from a no-referrer page. */
  async post(path: string, fields: Record<string, string>) {
    urls.push(path);
    const response = await app.request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: this.headers({ Origin: 'null', 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/x-www-form-urlencoded' }),
      body: new URLSearchParams(fields),
    });
    this.remember(response);
    const location = response.headers.get('Location') ?? '';
    if (location) urls.push(location);
    return { status: response.status, location, headers: response.headers, body: await response.text() };
  }
}

const nonceOf = (html: string) => /name="envio" value="([^"]+)"/.exec(html)?.[1] ?? '';
const codeOf = (html: string) => /class="tracking-code"[^>]*><span aria-hidden="true"[^>]*>([^<]+)<\/span>/.exec(html)?.[1] ?? '';
const headingsOf = (html: string) => [...html.matchAll(/<h[1-3][^>]*>(.*?)<\/h[1-3]>/gs)].map((match) => match[1].replace(/<[^>]+>/g, ''));
const mainOf = (html: string) => /<main\b[^>]*>(.*)<\/main>/s.exec(html)?.[1] ?? '';

async function fileByForm(browser: Browser, tipo: string, fields: Record<string, string>) {
  const form = await browser.get(`/denuncia?tipo=${tipo}`);
  return browser.post('/denuncia', { tipo, envio: nonceOf(form.html), sitio_web: '', ...fields });
}

/** Looks a case up by the form and returns the case page. */
async function openCase(browser: Browser, code: string, clave = '') {
  const lookup = await browser.post('/seguimiento', { codigo: code, clave });
  expect(lookup.location).toBe('/seguimiento/caso');
  return browser.get('/seguimiento/caso');
}

describe('/denuncia', () => {
  it('first offers the five kinds as plain links, with 911 and 198 before anything else', async () => {
    const { status, html, headers } = await new Browser().get('/denuncia');
    expect(status).toBe(200);
    expect(headers.get('Cache-Control')).toBe('no-store');
    for (const kind of REPORT_KINDS) expect(html).toContain(`href="/denuncia?tipo=${KIND_TEXT[kind].slug}"`);
    const main = mainOf(html);
    expect(main.indexOf('href="tel:911"')).toBeGreaterThan(-1);
    expect(main.indexOf('href="tel:911"')).toBeLessThan(main.indexOf('<h1'));
    expect(main).toContain('href="/seguimiento"');
  });

  it.each(REPORT_KINDS)('draws the form of %s', async (kind) => {
    const { status, html } = await new Browser().get(`/denuncia?tipo=${KIND_TEXT[kind].slug}`);
    expect(status).toBe(200);
    expect(html).toContain('<form id="formulario" method="post" action="/denuncia"');
    expect(html).toContain(`name="tipo" value="${KIND_TEXT[kind].slug}"`);
    expect(html).toMatch(/<textarea id="campo-description" name="description"/);
    expect(html).toContain('<label for="campo-description">¿Qué pasó? (obligatorio)</label>');
    expect(html).toContain('name="department"');
    expect(html).toMatch(/<optgroup label="San Salvador" data-parent="06"[ >]/);
    expect(html).toMatch(/<optgroup label="San Salvador Centro" data-parent="0604"[ >]/);
    expect(html).toContain('¿Quiere que le avisemos?');
    expect(html).toContain('/seguimiento con su código');
    expect(html).toContain('name="sitio_web"');
    expect(nonceOf(html)).toMatch(/^[0-9a-f-]{36}$/);
    const violence = kind === 'violence';
    expect(html.includes('name="code_word"'), 'code word').toBe(violence);
    expect(html.includes('name="code_word_confirm"'), 'code word confirmation').toBe(violence);
    expect(html.includes('data-locate'), 'geolocation').toBe(!violence);
    expect(html.includes('value="phone"'), 'call-back').toBe(!violence);
    expect(html.includes('name="institution"'), 'institution').toBe(kind === 'complaint' || kind === 'corruption' || kind === 'emergency');
    expect(html.includes('data-procedure-search'), 'procedure search').toBe(!violence);
    if (kind === 'emergency' || violence) {
      const main = mainOf(html);
      expect(main.indexOf('href="tel:911"')).toBeGreaterThan(-1);
      expect(main.indexOf('href="tel:911"')).toBeLessThan(main.indexOf('<form'));
      expect(main.indexOf('href="tel:198"')).toBeLessThan(main.indexOf('<form'));
      expect(main).toContain('Si hay una vida en riesgo ahora, llame al');
    }
    if (violence) expect(html).toContain('si alguien encuentra el código, no verá nada');
  });

  it('sends an unknown kind back to the choice', async () => {
    const response = await new Browser().get('/denuncia?tipo=otra-cosa');
    expect(response.status).toBe(303);
    expect(response.headers.get('Location')).toBe('/denuncia');
  });

  it('finds the procedure without JavaScript: «Buscar el trámite» draws up to 8 matches as radios, plus «ninguno»', async () => {
    const { html } = await new Browser().get('/denuncia?tipo=queja&tramite_q=dui');
    expect(html).toContain('<form method="get" action="/denuncia" class="procedure-search"');
    expect(html).toMatch(/<input type="radio" id="campo-procedure" name="procedure" value="prueba-emision-dui"/);
    expect(html).toMatch(/name="procedure" value(="")? checked>/);
    expect(html).toMatch(/trámites? encontrados? para «dui»/);
    const radios = html.match(/type="radio"[^>]*name="procedure"/g) ?? [];
    expect(radios.length).toBeLessThanOrEqual(9);
    const requirement = await new Browser().get('/denuncia?tipo=requisito&tramite_q=dui');
    expect(requirement.html).toContain('value="prueba-emision-dui"');
    expect(requirement.html).not.toMatch(/name="procedure" value(="")?[ >]/);
    expect(requirement.html).toContain('¿En qué trámite? (obligatorio)');
  });

  it('stores a complete report and shows its code on /denuncia/recibida, with no code or text in any URL', async () => {
    const browser = new Browser();
    const sent = await fileByForm(browser, 'queja', {
      description: STORY,
      procedure: 'prueba-emision-dui',
      department: '06',
      municipality: '0604',
      district: '060403',
      address: 'Frente al parque',
      contact_channel: 'telegram',
      contact_value: CONTACT,
      safe_from: '08:00',
      safe_to: '17:00',
      may_leave_message: 'no',
    });
    expect(sent.status).toBe(303);
    expect(sent.location).toBe('/denuncia/recibida');
    expect(sent.headers.get('Cache-Control')).toBe('no-store');
    const cookie = sent.headers.getSetCookie().find((line) => line.startsWith('aviso='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/denuncia/);
    expect(cookie).toMatch(/Max-Age=600/);
    expect(cookie).not.toMatch(/Secure/);

    const received = await browser.get('/denuncia/recibida');
    expect(received.status).toBe(200);
    expect(received.headers.get('Cache-Control')).toBe('no-store');
    const code = codeOf(received.html);
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
    expect(normalizeTrackingCode(code)).not.toBeNull();
    expect(received.html).toContain('papel');
    expect(received.html).toContain('href="/seguimiento"');
    expect(received.html).toContain('Debemos responderle en un máximo de 5 días hábiles');
    expect(cookie).not.toContain(normalizeTrackingCode(code)!);

    const report = await getPublicReport(t.store, code);
    expect(report?.kind).toBe('complaint');
    expect(report?.procedure?.slug).toBe('prueba-emision-dui');
    expect(report?.hasContact).toBe(true);
    expect(report?.contactChannel).toBe('telegram');

    // A reload shows it again; after ten minutes the page says it expired.
    expect(codeOf((await browser.get('/denuncia/recibida')).html)).toBe(code);
    t.clock.advance(10 * 60_000 + 1);
    try {
      const later = await browser.get('/denuncia/recibida');
      expect(codeOf(later.html)).toBe('');
      expect(later.html).toContain('Esta página ya no muestra el código');
    } finally {
      t.clock.advance(-(10 * 60_000 + 1));
    }
  });

  it('sends a wrong form back to /denuncia with per-field errors and her values, carried in the cookie and read once', async () => {
    const browser = new Browser();
    const sent = await fileByForm(browser, 'corrupcion', {
      description: 'corto',
      institution: 'rnpn',
      department: '06',
      municipality: '0101',
      address: 'Colonia [prueba-direccion-7731]',
      contact_channel: 'sms',
      contact_value: '12',
      safe_from: '08:00',
      safe_to: '',
    });
    expect(sent.status).toBe(303);
    expect(sent.location).toBe('/denuncia?tipo=corrupcion');
    expect(browser.cookies.has('aviso')).toBe(true);

    const page = await browser.get(sent.location);
    expect(page.status).toBe(200);
    expect(page.html).toContain('class="error-summary" role="alert" aria-labelledby="errores-titulo" tabindex="-1" autofocus');
    expect(page.html).toContain('href="#campo-description">Cuente con al menos 10 caracteres qué pasó.');
    expect(page.html).toContain('href="#campo-contact_value">Escriba el número con 8 dígitos');
    expect(page.html).toContain('href="#campo-safe_from">Elija desde qué hora y hasta qué hora');
    expect(page.html).toMatch(/<p id="campo-description-error" class="error-message"><span class="visually-hidden">Error:<\/span> Cuente con al menos 10/);
    expect(page.html).toMatch(/aria-describedby="campo-description-ayuda campo-description-error" aria-invalid="true"/);
    // Her values are kept.
    expect(page.html).toMatch(/<textarea id="campo-description"[^>]*>corto<\/textarea>/);
    expect(page.html).toContain('value="Colonia [prueba-direccion-7731]"');
    expect(page.html).toMatch(/<option value="rnpn" selected/);
    expect(page.html).toMatch(/<option value="06" selected/);
    expect(page.html).toMatch(/value="sms" checked/);
    expect(page.html).toContain('value="12"');
    // Read once: the page cleared the cookie, and a reload shows an empty form.
    expect(browser.cookies.has('aviso')).toBe(false);
    const again = await browser.get(sent.location);
    expect(again.html).not.toContain('class="error-summary"');
    expect(again.html).not.toContain('prueba-direccion-7731');
  });

  it('names the place problems the store finds (a municipality outside its department)', async () => {
    const browser = new Browser();
    const sent = await fileByForm(browser, 'queja', { description: STORY, department: '06', municipality: '0101' });
    const page = await browser.get(sent.location);
    expect(page.html).toContain('href="#campo-municipality">Ese municipio no está en el departamento elegido');
  });

  it('asks for the code word in a violence case, and for the same word twice', async () => {
    const browser = new Browser();
    const without = await fileByForm(browser, 'violencia', { description: STORY });
    const page = await browser.get(without.location);
    expect(without.location).toBe('/denuncia?tipo=violencia');
    expect(page.html).toContain('href="#campo-code_word">Elija una palabra clave de 4 a 60 caracteres');
    expect(page.html).toMatch(/<input id="campo-code_word" name="code_word" type="password"[^>]*aria-invalid="true"/);
    const mismatch = await fileByForm(browser, 'violencia', { description: STORY, code_word: 'girasol', code_word_confirm: 'girasoles' });
    const second = await browser.get(mismatch.location);
    expect(second.html).toContain('href="#campo-code_word_confirm">Las dos palabras clave no son iguales');
    // The code word is never sent back to the page.
    expect(second.html).not.toContain('girasol');
  });

  it('asks for the procedure when a requirement is missing', async () => {
    const browser = new Browser();
    const sent = await fileByForm(browser, 'requisito', { description: STORY });
    const page = await browser.get(sent.location);
    expect(page.html).toContain('href="#campo-tramite_q">Elija el trámite en el que le pidieron el requisito.');
  });

  it('stores one report when the same form is sent twice (a double click)', async () => {
    const browser = new Browser();
    const form = await browser.get('/denuncia?tipo=queja');
    const fields = { tipo: 'queja', envio: nonceOf(form.html), description: STORY, sitio_web: '' };
    const first = await browser.post('/denuncia', fields);
    const firstCode = codeOf((await browser.get('/denuncia/recibida')).html);
    const second = await browser.post('/denuncia', fields);
    const secondCode = codeOf((await browser.get('/denuncia/recibida')).html);
    expect(first.location).toBe('/denuncia/recibida');
    expect(second.location).toBe('/denuncia/recibida');
    expect(secondCode).toBe(firstCode);
    const count = await t.store.db.execute({ sql: 'SELECT count(*) AS n FROM reports WHERE code = ?', args: [normalizeTrackingCode(firstCode)] });
    expect(Number(count.rows[0].n)).toBe(1);
    // A new form gets a new nonce: a new report.
    const other = await fileByForm(browser, 'queja', { description: STORY });
    expect(other.location).toBe('/denuncia/recibida');
    expect(codeOf((await browser.get('/denuncia/recibida')).html)).not.toBe(firstCode);
  });

  it('keeps the beginning of a story too long for the cookie, and says so', async () => {
    // Text that does not compress (random letters and accents), well past the 4,000-character limit.
    const letters = 'abcdefghijklmnopqrstuvwxyzáéíóúñABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const long = Array.from({ length: 6000 }, (_, i) => letters[(i * 7919 + ((i * i) % 97)) % letters.length]).join('');
    const browser = new Browser();
    const sent = await fileByForm(browser, 'queja', { description: long });
    const cookie = sent.headers.getSetCookie().find((line) => line.startsWith('aviso='))!;
    expect(cookie.split(';')[0].length).toBeLessThan(4096);
    const page = await browser.get(sent.location);
    expect(page.html).toContain('Su relato era muy largo y solo pudimos conservar el comienzo');
    const kept = /<textarea id="campo-description"[^>]*>([^<]*)<\/textarea>/.exec(page.html)![1];
    expect(kept.length).toBeGreaterThan(500);
    expect(long.startsWith(kept)).toBe(true);
  });

  it('over the intake limit, sends the form back with her text and a 429 that says to call 911 in an emergency', async () => {
    const browser = new Browser('203.0.113.40');
    for (let i = 0; i < 30; i++) expect((await fileByForm(browser, 'queja', { description: `${STORY} ${i}` })).location).toBe('/denuncia/recibida');
    const over = await fileByForm(browser, 'queja', { description: `${STORY} otra vez` });
    expect(over.location).toBe('/denuncia?tipo=queja');
    const page = await browser.get(over.location);
    expect(page.status).toBe(429);
    expect(page.html).toContain('href="#formulario">Recibimos muchos reportes desde su conexión. Si es una emergencia, llame al 911');
    expect(page.html).toContain(`${STORY} otra vez</textarea>`);
  });

  it('stores nothing when the honeypot is filled, and answers as if it had worked', async () => {
    const before = await t.store.db.execute('SELECT count(*) AS n FROM reports');
    const browser = new Browser();
    const sent = await fileByForm(browser, 'queja', { description: STORY, sitio_web: 'http://spam.example' });
    expect(sent.location).toBe('/denuncia/recibida');
    const after = await t.store.db.execute('SELECT count(*) AS n FROM reports');
    expect(Number(after.rows[0].n)).toBe(Number(before.rows[0].n));
  });

  it('refuses a form posted from another site', async () => {
    const response = await app.request(`${ORIGIN}/denuncia`, {
      method: 'POST',
      headers: { Origin: 'https://otro.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ tipo: 'queja', description: STORY }),
    });
    expect(response.status).toBe(403);
  });
});

describe('/seguimiento', () => {
  it('asks for the code by POST only, with 911 before the form', async () => {
    const { status, html, headers } = await new Browser().get('/seguimiento');
    expect(status).toBe(200);
    expect(headers.get('Cache-Control')).toBe('no-store');
    expect(html).toContain('<form id="buscar-caso" method="post" action="/seguimiento"');
    expect(html).toContain('name="codigo"');
    expect(html).toContain('name="clave" type="password"');
    expect(html.indexOf('href="tel:911"')).toBeLessThan(html.indexOf('<form'));
  });

  it('opens a case with its code: status, dates, the promise as a clock and the public timeline', async () => {
    const code = await fileReport(t, 'complaint', { institutionSlug: 'rnpn', contact: { channel: 'email', value: 'vecina@correo.test' } });
    const browser = new Browser();
    const lookup = await browser.post('/seguimiento', { codigo: code.toLowerCase().replace(/(.{4})/g, '$1 '), clave: '' });
    expect(lookup.status).toBe(303);
    expect(lookup.location).toBe('/seguimiento/caso');
    expect(lookup.headers.get('Cache-Control')).toBe('no-store');
    const cookie = lookup.headers.getSetCookie().find((line) => line.startsWith('caso='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/seguimiento/);
    expect(cookie).toMatch(/Max-Age=1800/);
    expect(cookie).not.toContain(code);

    const page = await browser.get('/seguimiento/caso');
    expect(page.status).toBe(200);
    expect(page.headers.get('Cache-Control')).toBe('no-store');
    expect(page.html).toMatch(/<h1[^>]*>Queja por un servicio público<\/h1>/);
    expect(page.html).toMatch(/<dd class="code"[^>]*>[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}<\/dd>/);
    expect(page.html).toContain('Recibido');
    // TEST_NOW is 2026-11-20T15:00Z: 9:00 a. m. in El Salvador.
    expect(page.html).toContain('20 de noviembre de 2026 a las 9:00 a. m.');
    expect(page.html).toMatch(/Debemos responder antes del \d+ de (noviembre|diciembre) de 2026/);
    expect(page.html).toMatch(/a\. m\. \(faltan 7 días\)/);
    expect(page.html).toContain('Recibimos su caso.');
    expect(page.html).toContain('action="/seguimiento/caso/mensaje"');
    expect(page.html).toContain('Cerrar mi caso (ya se resolvió)');
    expect(page.html).toContain('Retirar mi caso');
    expect(page.html).toContain('Borrar mis datos de contacto');
    expect(page.html).toContain('action="/seguimiento/salir"');
    // The view slid the cookie's 30 minutes.
    expect(page.headers.getSetCookie().some((line) => line.startsWith('caso=') && /Max-Age=1800/.test(line))).toBe(true);
  });

  it('answers a violence code without its word exactly as an unknown code', async () => {
    const code = await fileReport(t, 'violence');
    // Thirteen zeros weigh nothing: their check symbol is 0, so this is a well-formed code nobody holds.
    const a = await new Browser().post('/seguimiento', { codigo: '0000-0000-0000-00', clave: '' });
    const b = await new Browser().post('/seguimiento', { codigo: code, clave: '' });
    const c = await new Browser().post('/seguimiento', { codigo: code, clave: 'otra-palabra' });
    for (const answer of [b, c]) {
      expect(answer.status).toBe(a.status);
      expect(answer.location).toBe(a.location);
      expect(answer.body).toBe(a.body);
      expect(answer.headers.getSetCookie()).toEqual(a.headers.getSetCookie());
    }
    expect(a.location).toBe('/seguimiento?error=no-encontrado');
    const pageA = await new Browser().get(a.location);
    expect(pageA.html).toContain('No encontramos un caso con ese código.');

    // With the word (typed with a capital, as phones do), the case opens, and nothing on it names violence.
    const page = await openCase(new Browser(), code, `${CANARY.codeWord[0].toUpperCase()}${CANARY.codeWord.slice(1)}`);
    expect(page.html).toMatch(/<h1[^>]*>Su caso<\/h1>/);
    for (const heading of headingsOf(page.html)) expect(heading).not.toMatch(/violencia|198|mujer/i);
    expect(mainOf(page.html)).not.toMatch(/violencia/i);
  });

  it('lets her reply, and shows her message apart from the institution’s', async () => {
    const code = await fileReport(t, 'complaint');
    const browser = new Browser();
    await openCase(browser, code);
    const empty = await browser.post('/seguimiento/caso/mensaje', { message: '   ' });
    expect(empty.location).toBe('/seguimiento/caso?error=mensaje');
    const withError = await browser.get(empty.location);
    expect(withError.html).toContain('href="#campo-message">Escriba su mensaje');
    const sent = await browser.post('/seguimiento/caso/mensaje', { message: 'Ya fui otra vez y sigue igual. [prueba-respuesta-7731]' });
    expect(sent.location).toBe('/seguimiento/caso?hecho=mensaje');
    const page = await browser.get(sent.location);
    expect(page.html).toContain('Enviamos su mensaje.');
    expect(page.html).toMatch(/class="entry by-citizen[^"]*"[^>]*>\s*<p class="meta"[^>]*><strong[^>]*>Usted<\/strong>/);
    expect(page.html).toContain('[prueba-respuesta-7731]');
  });

  it('closes a case she says is solved, and then offers no reply', async () => {
    const code = await fileReport(t, 'complaint');
    const browser = new Browser();
    await openCase(browser, code);
    const closed = await browser.post('/seguimiento/caso/cerrar', { accion: 'close', motivo: 'Ya me atendieron.' });
    expect(closed.location).toBe('/seguimiento/caso?hecho=cerrado');
    const page = await browser.get(closed.location);
    expect(page.html).toContain('Cerró su caso.');
    expect(page.html).not.toContain('action="/seguimiento/caso/mensaje"');
    expect((await getPublicReport(t.store, code))?.state).toBe('closed');
    const late = await browser.post('/seguimiento/caso/mensaje', { message: 'Otra cosa' });
    expect(late.location).toBe('/seguimiento/caso?error=cerrado');
  });

  it('withdraws a case', async () => {
    const code = await fileReport(t, 'corruption');
    const browser = new Browser();
    await openCase(browser, code);
    const withdrawn = await browser.post('/seguimiento/caso/cerrar', { accion: 'withdraw' });
    expect(withdrawn.location).toBe('/seguimiento/caso?hecho=retirado');
    expect((await getPublicReport(t.store, code))?.state).toBe('withdrawn');
    const bad = await fileReport(t, 'corruption');
    await openCase(browser, bad);
    expect((await browser.post('/seguimiento/caso/cerrar', { accion: 'borrar-todo' })).location).toBe('/seguimiento/caso?error=accion');
  });

  it('deletes her contact data on request', async () => {
    const code = await fileReport(t, 'complaint', { contact: { channel: 'sms', value: '70000000' } });
    const browser = new Browser();
    await openCase(browser, code);
    const deleted = await browser.post('/seguimiento/caso/borrar-contacto', {});
    expect(deleted.location).toBe('/seguimiento/caso?hecho=contacto-borrado');
    const page = await browser.get(deleted.location);
    expect(page.html).toContain('Borramos sus datos de contacto.');
    expect(page.html).not.toContain('action="/seguimiento/caso/borrar-contacto"');
    expect((await getPublicReport(t.store, code))?.hasContact).toBe(false);
  });

  it('«Salir» ends the follow-up, and so do 30 minutes without use', async () => {
    const code = await fileReport(t, 'complaint');
    const browser = new Browser();
    await openCase(browser, code);
    const left = await browser.post('/seguimiento/salir', {});
    expect(left.location).toBe('/seguimiento?hecho=salida');
    expect(left.headers.getSetCookie().some((line) => line.startsWith('caso=;') && /Max-Age=0/.test(line))).toBe(true);
    expect((await browser.get('/seguimiento/caso')).headers.get('Location')).toBe('/seguimiento?error=caducado');

    await openCase(browser, code);
    t.clock.advance(29 * 60_000);
    try {
      expect((await browser.get('/seguimiento/caso')).status).toBe(200);
      t.clock.advance(29 * 60_000); // 58 minutes after the lookup, 29 after the last view
      expect((await browser.get('/seguimiento/caso')).status).toBe(200);
      t.clock.advance(31 * 60_000);
      expect((await browser.get('/seguimiento/caso')).headers.get('Location')).toBe('/seguimiento?error=caducado');
      expect((await browser.post('/seguimiento/caso/mensaje', { message: 'hola' })).location).toBe('/seguimiento?error=caducado');
    } finally {
      t.clock.advance(-(89 * 60_000));
    }
  });

  it('answers a clear 429 page when a connection guesses too many codes', async () => {
    const browser = new Browser('203.0.113.77');
    let last = '';
    for (let i = 0; i < 20; i++) last = (await browser.post('/seguimiento', { codigo: '00000000000000', clave: '' })).location;
    expect(last).toBe('/seguimiento?error=limite');
    const page = await browser.get(last);
    expect(page.status).toBe(429);
    expect(page.html).toContain('Hubo demasiadas consultas desde su conexión. Espere 15 minutos');
    // Even a right code waits now.
    const code = await fileReport(t, 'complaint');
    expect((await browser.post('/seguimiento', { codigo: code })).location).toBe('/seguimiento?error=limite');
  });

  it('a typo caught by the check symbol costs no lookup and says so', async () => {
    const code = await fileReport(t, 'complaint');
    const typo = code.slice(0, 13) + (code[13] === '1' ? '2' : '1');
    const answer = await new Browser().post('/seguimiento', { codigo: typo });
    expect(answer.location).toBe('/seguimiento?error=codigo-invalido');
    const empty = await new Browser().post('/seguimiento', { codigo: '' });
    expect(empty.location).toBe('/seguimiento?error=codigo');
  });
});

describe('privacy of what she writes', () => {
  it('puts no description, contact or code in any URL or log line', async () => {
    // Everything above has run: every URL requested or redirected to, and every log line.
    const codes = (await t.store.db.execute('SELECT code FROM reports')).rows.map((row) => String(row.code));
    const secrets = [STORY, 'prueba-relato-7731', CONTACT, 'prueba-direccion-7731', 'prueba-respuesta-7731', 'vecina@correo.test', 'girasol', ...codes];
    const seen = [...urls, ...logLines].join('\n');
    expect(urls.length).toBeGreaterThan(20);
    for (const secret of secrets) {
      expect(seen).not.toContain(secret);
      expect(seen).not.toContain(encodeURIComponent(secret));
    }
    for (const code of codes) expect(seen).not.toContain(code.match(/.{1,4}/g)!.join('-'));
  });
});
