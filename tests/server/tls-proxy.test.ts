import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { InStatement } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLog } from '../../api/errors.ts';
import { formFromDocument } from '../../api/admin/procedure-form.ts';
import { listen, type RunningServer } from '../../server.node.ts';
import { procedureDocumentSchema } from '../../store/catalog/exchange-format.ts';
import type { Reader } from '../../store/db.ts';
import { createPerson } from '../../store/people/people.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

/**
 * The whole officers' workspace as people use it in production: a browser talks HTTPS to a
 * TLS-terminating proxy, which forwards plain HTTP to the Node server on loopback with
 * `Host`, `X-Forwarded-Proto: https` and `X-Forwarded-For` (the client's address appended last).
 *
 * Node's fetch ignores a `Host` header (undici always sends the URL's host), so the proxy below
 * forwards with node:http, which sends the headers exactly as a proxy would.
 */

const PUBLIC_HOST = 'tramites.portal.test';
const PUBLIC_ORIGIN = `https://${PUBLIC_HOST}`;
const CROSS_SITE_REFUSAL = 'Esta acción solo puede hacerse desde el propio portal';

let t: TestStore;
let server: RunningServer;
let adminPassword = '';
let officerPassword = '';

interface Reply {
  method: string;
  path: string;
  status: number;
  headers: IncomingHttpHeaders;
  location: string | null;
  setCookies: string[];
  body: string;
}

/** Every answer the proxy received, for the checks that hold across the whole walk. */
const replies: Reply[] = [];

interface Forwarded {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** The proxy's hop to the Node server: plain HTTP on loopback, headers passed through as given. */
function forward({ method, path, headers, body }: Forwarded): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port: server.port, method, path, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) } },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const reply: Reply = {
            method,
            path,
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            location: typeof incoming.headers.location === 'string' ? incoming.headers.location : null,
            setCookies: incoming.headers['set-cookie'] ?? [],
            body: Buffer.concat(chunks).toString('utf8'),
          };
          replies.push(reply);
          resolve(reply);
        });
      },
    );
    outgoing.setTimeout(20_000, () => outgoing.destroy(new Error(`${method} ${path}: no answer in 20 s`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') return String.fromCodePoint(name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  const inner = tag.replace(/^<\s*[a-z0-9-]+/i, '').replace(/\/?>$/, '');
  for (const match of inner.matchAll(/([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g)) {
    attributes[match[1].toLowerCase()] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

/**
 * The fields a browser would submit from the form posting to `action` (the first one whose markup
 * contains `containing`, when given): hidden and text inputs, checked boxes and radios, textareas,
 * each select's selected option.
 */
function formFields(html: string, action: string, containing?: string): [string, string][] {
  const forms = [...html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)].map((match) => match[0]);
  const form = forms.find((markup) => attributesOf(/^<form\b[^>]*>/i.exec(markup)![0]).action === action && (!containing || markup.includes(containing)));
  if (!form) throw new Error(`no form posts to ${action}${containing ? ` with ${containing}` : ''}`);
  const fields: [string, string][] = [];
  for (const match of form.matchAll(/<input\b[^>]*>|<textarea\b[^>]*>([\s\S]*?)<\/textarea>|<select\b[^>]*>([\s\S]*?)<\/select>/gi)) {
    const tag = /^<[a-z]+\b[^>]*>/i.exec(match[0])![0];
    const attributes = attributesOf(tag);
    if (!attributes.name || 'disabled' in attributes) continue;
    if (/^<input/i.test(tag)) {
      const type = (attributes.type ?? 'text').toLowerCase();
      if (['submit', 'button', 'image', 'reset', 'file'].includes(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !('checked' in attributes)) continue;
      fields.push([attributes.name, attributes.value ?? (type === 'checkbox' || type === 'radio' ? 'on' : '')]);
    } else if (/^<textarea/i.test(tag)) {
      fields.push([attributes.name, decodeEntities(match[1]).replace(/^\r?\n/, '')]);
    } else {
      const options = [...match[2].matchAll(/<option\b[^>]*>([\s\S]*?)<\/option>/gi)].map((option) => ({
        attributes: attributesOf(/^<option\b[^>]*>/i.exec(option[0])![0]),
        text: decodeEntities(option[1]).trim(),
      }));
      const chosen = options.find((option) => 'selected' in option.attributes) ?? options[0];
      if (chosen) fields.push([attributes.name, chosen.attributes.value ?? chosen.text]);
    }
  }
  return fields;
}

/** The hidden CSRF token of the first form on a page. */
function csrfOf(html: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('the page has no csrf field');
  return token;
}

function canonicalOf(html: string): string | undefined {
  return /<link rel="canonical" href="([^"]+)"/.exec(html)?.[1];
}

interface SetCookie {
  raw: string;
  name: string;
  value: string;
  attributes: Record<string, string>;
}

function parseSetCookie(raw: string): SetCookie {
  const [pair, ...rest] = raw.split(';');
  const at = pair.indexOf('=');
  const attributes: Record<string, string> = {};
  for (const part of rest) {
    const [key, ...value] = part.trim().split('=');
    attributes[key.toLowerCase()] = value.join('=');
  }
  return { raw, name: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim(), attributes };
}

/**
 * A browser on the public HTTPS origin, as the Node server sees it through the proxy: it keeps its
 * cookies (Secure ones too: it speaks HTTPS to the proxy), sends Origin and Sec-Fetch-Site on its
 * POSTs, follows nothing by itself (redirect: manual), and comes from `clientIp`, which the proxy
 * appends to whatever X-Forwarded-For the browser itself sent (`forgedForwardedFor`).
 */
class Browser {
  readonly cookies = new Map<string, string>();
  readonly clientIp: string;
  readonly options: { forgedForwardedFor?: string; host?: string };

  constructor(clientIp: string, options: { forgedForwardedFor?: string; host?: string } = {}) {
    this.clientIp = clientIp;
    this.options = options;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return {
      Host: this.options.host ?? PUBLIC_HOST,
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-For': this.options.forgedForwardedFor ? `${this.options.forgedForwardedFor}, ${this.clientIp}` : this.clientIp,
      'User-Agent': 'Mozilla/5.0 (prueba de proxy TLS)',
      Accept: 'text/html,application/xhtml+xml',
      ...(cookie ? { Cookie: cookie } : {}),
      ...extra,
    };
  }

  private keep(reply: Reply): Reply {
    for (const raw of reply.setCookies) {
      const cookie = parseSetCookie(raw);
      const expired = cookie.attributes['max-age'] === '0' || (cookie.attributes.expires !== undefined && Date.parse(cookie.attributes.expires) <= Date.now());
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return reply;
  }

  async get(path: string, extra: Record<string, string> = {}): Promise<Reply> {
    return this.keep(await forward({ method: 'GET', path, headers: this.headers(extra) }));
  }

  /** A form POST (urlencoded, or multipart when given FormData) from a page of the portal. */
  async post(path: string, fields: [string, string][] | Record<string, string> | FormData, extra: Record<string, string> = {}): Promise<Reply> {
    let body: Buffer;
    let contentType: string;
    if (fields instanceof FormData) {
      const encoded = new Request('http://encoder.invalid/', { method: 'POST', body: fields });
      body = Buffer.from(await encoded.arrayBuffer());
      contentType = encoded.headers.get('content-type') ?? '';
    } else {
      body = Buffer.from(new URLSearchParams(fields as [string, string][]).toString());
      contentType = 'application/x-www-form-urlencoded';
    }
    const headers = this.headers({ Origin: PUBLIC_ORIGIN, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': contentType, ...extra });
    return this.keep(await forward({ method: 'POST', path, headers, body }));
  }

  /** Fills the form posting to `action` on `page` as a person would (changing `set`) and submits it. */
  submit(page: Reply, action: string, set: Record<string, string> = {}, options: { submitter?: [string, string]; containing?: string } = {}): Promise<Reply> {
    const fields = formFields(page.body, action, options.containing).filter(([name]) => !(name in set));
    fields.push(...Object.entries(set));
    if (options.submitter) fields.push(options.submitter);
    return this.post(action, fields);
  }

  /** Follows a 303 as a browser does: GET the Location on the same origin. */
  async follow(reply: Reply): Promise<Reply> {
    expect(reply.status, `${reply.method} ${reply.path} should redirect`).toBe(303);
    const location = reply.location ?? '';
    const target = new URL(location, PUBLIC_ORIGIN);
    expect(target.origin, `redirect of ${reply.path} stays on the public origin`).toBe(PUBLIC_ORIGIN);
    return this.get(target.pathname + target.search);
  }

  get sessionCookie(): string | undefined {
    return this.cookies.get('__Host-portal_sesion');
  }
}

/**
 * The failing page: the next read whose SQL starts with `sql` fails, once — at once (`how:
 * 'query'`: the page's data cannot be loaded), or later, while the page's markup is being drawn
 * (`how: 'markup'`: the query answers one row whose every field throws when the template reads it).
 */
function failNextRead(db: Reader, sql: string, how: 'query' | 'markup' = 'query'): { restore(): void; failed(): boolean } {
  const original = db.execute.bind(db) as (statement: InStatement) => Promise<unknown>;
  const saved = db.execute;
  let failures = 0;
  const poisoned = () => {
    failures++;
    throw new Error('simulated failure while drawing the page');
  };
  (db as { execute: Reader['execute'] }).execute = ((statement: InStatement) => {
    const text = typeof statement === 'string' ? statement : statement.sql;
    if (failures === 0 && text.trimStart().startsWith(sql)) {
      if (how === 'query') {
        failures++;
        return Promise.reject(new Error('simulated failure while loading the page'));
      }
      // Whatever the store function maps rows to, the template finds a row it cannot draw.
      const row = new Proxy({}, { get: (_target, key) => (key === 'then' ? undefined : poisoned()) });
      return Promise.resolve({ rows: { map: () => [row] }, columns: [], columnTypes: [], rowsAffected: 0, lastInsertRowid: undefined, toJSON: () => ({}) });
    }
    return original(statement);
  }) as Reader['execute'];
  return {
    restore: () => {
      (db as { execute: Reader['execute'] }).execute = saved;
    },
    failed: () => failures > 0,
  };
}

const STRONG_ADMIN = 'lechuza-pupusa-volcan-siete';
const STRONG_OFFICER = 'girasol-tranvia-nube-ocho';

beforeAll(async () => {
  t = await createTestStore('fixture');
  server = await listen({
    store: t.store,
    log: consoleLog,
    port: 0,
    host: '127.0.0.1',
    publicBaseUrl: PUBLIC_ORIGIN,
    trustProxy: true,
    passwordIterations: 1000,
    jobSpeed: 0,
  });
  adminPassword = (await createPerson(t.store, { email: 'admin-tls@portal.test', role: 'admin' }, null, { iterations: 1000 })).oneTimePassword;
  officerPassword = (await createPerson(t.store, { email: 'oficial-tls@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, null, { iterations: 1000 }))
    .oneTimePassword;
});
afterAll(async () => {
  await server?.close();
  t?.cleanup();
});

const admin = new Browser('198.51.100.10');
const officer = new Browser('198.51.100.20');

/** Signs in through the form, checking the wrong-password redraw and the one-time password change. */
async function signInForTheFirstTime(browser: Browser, email: string, oneTimePassword: string, strongPassword: string): Promise<void> {
  const gate = await browser.get('/admin');
  expect(gate.status).toBe(303);
  expect(gate.location).toBe('/admin/entrar?volver=%2Fadmin');
  const form = await browser.follow(gate);
  expect(form.status).toBe(200);

  const wrong = await browser.submit(form, '/admin/entrar', { email, password: 'no-es-esta-la-clave' });
  expect(wrong.status).toBe(401);
  expect(wrong.body).toContain('El correo o la contraseña no son correctos.');
  expect(wrong.body).toMatch(/class="error-summary"/);
  expect(browser.sessionCookie).toBeUndefined();

  const right = await browser.submit(wrong, '/admin/entrar', { email, password: oneTimePassword });
  expect(right.status).toBe(303);
  expect(right.location).toBe('/admin');
  expect(browser.sessionCookie).toBeDefined();
  const setCookie = parseSetCookie(right.setCookies[0]);
  expect(setCookie.name).toBe('__Host-portal_sesion');
  expect(setCookie.attributes).toHaveProperty('secure');
  expect(setCookie.attributes).toHaveProperty('httponly');
  expect(setCookie.attributes.path).toBe('/');
  expect(setCookie.attributes).not.toHaveProperty('domain');

  const toPasswordPage = await browser.follow(right);
  expect(toPasswordPage.status).toBe(303);
  expect(toPasswordPage.location).toBe('/admin/clave');
  const passwordPage = await browser.follow(toPasswordPage);
  expect(passwordPage.status).toBe(200);
  expect(passwordPage.body).toContain('Está usando una contraseña de un solo uso');

  const weak = await browser.submit(passwordPage, '/admin/clave', {
    current_password: oneTimePassword,
    new_password: 'password1234',
    confirm_password: 'password1234',
  });
  expect(weak.status).toBe(400);
  expect(weak.body).toContain('muy común');
  const changed = await browser.submit(weak, '/admin/clave', {
    current_password: oneTimePassword,
    new_password: strongPassword,
    confirm_password: strongPassword,
  });
  expect(changed.status).toBe(303);
  expect(changed.location).toBe('/admin?aviso=clave');
  const home = await browser.follow(changed);
  expect(home.status).toBe(200);
  expect(home.body).toContain('Su contraseña fue cambiada.');
}

/** Edits a procedure through the editor: an invalid form, a preview, then publishing. */
async function editPublishAndVerify(browser: Browser, slug: string, newTitle: string): Promise<void> {
  const editor = await browser.get(`/admin/tramites/${slug}`);
  expect(editor.status).toBe(200);
  // The form carries the entry as it is: what the editor shows is what formFromDocument makes of it.
  const shown = Object.fromEntries(formFields(editor.body, `/admin/tramites/${slug}`));
  const expected = formFromDocument(procedureDocumentSchema.parse(fixtureProcedures().find((doc) => doc.slug === slug)));
  expect(shown.title).toBe(expected.title);
  expect(shown.summary).toBe(expected.summary);
  expect(shown.offices).toBe(expected.offices);

  const invalid = await browser.submit(editor, `/admin/tramites/${slug}`, { title: '', cost_amount: 'diez' }, { submitter: ['accion', 'publicar'] });
  expect(invalid.status).toBe(400);
  expect(invalid.body).toContain('Escriba el título');
  expect(invalid.body).toContain('Escriba el costo como número');

  const preview = await browser.submit(
    invalid,
    `/admin/tramites/${slug}`,
    { title: newTitle, cost_amount: '0', nota: 'Revisado detrás del proxy' },
    { submitter: ['accion', 'vista-previa'] },
  );
  expect(preview.status).toBe(200);
  expect(preview.body).toContain('Vista previa (aún no publicada)');
  expect(preview.body).toContain(newTitle);

  const published = await browser.submit(preview, `/admin/tramites/${slug}`, {}, { submitter: ['accion', 'publicar'] });
  expect(published.status).toBe(303);
  expect(published.location).toBe(`/admin/tramites/${slug}?aviso=publicado`);
  const after = await browser.follow(published);
  expect(after.status).toBe(200);
  expect(after.body).toContain('Publicado. La página del trámite y la búsqueda ya muestran esta versión');
  const history = await browser.get(`/admin/tramites/${slug}/historial`);
  expect(history.status).toBe(200);
  expect(history.body).toContain('Revisado detrás del proxy');

  const list = await browser.get('/admin');
  const verified = await browser.submit(list, `/admin/tramites/${slug}/verificar`);
  expect(verified.status).toBe(303);
  // The notice names the entry and offers to undo (the previous date travels in the address).
  expect(verified.location).toMatch(new RegExp(`^/admin\\?aviso=verificado&tramite=${slug}&antes=`));
  expect((await browser.follow(verified)).body).toContain('sigue vigente hoy.');
}

describe("the officers' workspace behind a TLS-terminating proxy", () => {
  describe('as an admin', () => {
    it('redraws a wrong password with 401 and a Spanish error, then makes the one-time password be changed, redrawing a weak one with 400', async () => {
      await signInForTheFirstTime(admin, 'admin-tls@portal.test', adminPassword, STRONG_ADMIN);
    });

    it('opens every page of the workspace', async () => {
      for (const path of [
        '/admin',
        '/admin/nuevo-tramite',
        '/admin/tramites/prueba-licencia-conducir',
        '/admin/tramites/prueba-licencia-conducir/historial',
        '/admin/opiniones',
        '/admin/opiniones?estado=resueltas',
        '/admin/opiniones?estado=todas',
        '/admin/importar',
        '/admin/instituciones',
        '/admin/temas',
        '/admin/personas',
        '/admin/tokens',
        '/admin/clave',
      ]) {
        const page = await admin.get(path);
        expect(page.status, path).toBe(200);
        expect(page.headers['cache-control'], path).toBe('no-store');
        expect(page.body, path).toContain('admin-tls@portal.test');
      }
    });

    it('edits a procedure: an invalid form is redrawn with 400, a preview with 200, publishing redirects with 303, then verifies it', async () => {
      await editPublishAndVerify(admin, 'prueba-licencia-conducir', 'Licencia de conducir (revisada por la administración)');
    });

    it('adds an institution and a theme, redrawing bad fields with 400', async () => {
      const institutions = await admin.get('/admin/instituciones');
      const badInstitution = await admin.submit(institutions, '/admin/instituciones', { slug: 'Mal Slug', name: 'X' });
      expect(badInstitution.status).toBe(400);
      expect(badInstitution.body).toContain('Use solo minúsculas');
      expect(badInstitution.body).toContain('Escriba el nombre completo');
      const institution = await admin.submit(badInstitution, '/admin/instituciones', {
        slug: 'micultura',
        name: 'Ministerio de Cultura',
        acronym: 'MICULTURA',
        website: 'https://www.cultura.gob.sv',
      });
      expect(institution.status).toBe(303);
      expect(institution.location).toBe('/admin/instituciones?aviso=guardada');
      const listed = await admin.follow(institution);
      expect(listed.body).toContain('Institución guardada.');
      expect(listed.body).toContain('Ministerio de Cultura');

      const themes = await admin.get('/admin/temas');
      const badTheme = await admin.submit(themes, '/admin/temas', { slug: 'Cultura!', name: 'ab' });
      expect(badTheme.status).toBe(400);
      expect(badTheme.body).toContain('Use solo minúsculas');
      expect(badTheme.body).toContain('Escriba el nombre del tema');
      const theme = await admin.submit(badTheme, '/admin/temas', {
        slug: 'cultura',
        name: 'Cultura y patrimonio',
        description: 'Museos, bibliotecas y patrimonio.',
      });
      expect(theme.status).toBe(303);
      expect(theme.location).toBe('/admin/temas?aviso=guardado');
      expect((await admin.follow(theme)).body).toContain('Cultura y patrimonio');
    });

    it('creates an account: the form redirects with 303 and the page it leads to shows the one-time password once', async () => {
      const people = await admin.get('/admin/personas');
      const missing = await admin.submit(people, '/admin/personas', { email: 'sin-institucion@micultura.gob.sv', role: 'officer', institution: '' });
      expect(missing.status).toBe(400);
      expect(missing.body).toContain('necesita su institución');
      const created = await admin.submit(missing, '/admin/personas', { email: 'nueva@micultura.gob.sv', role: 'officer', institution: 'micultura' });
      expect(created.status).toBe(303);
      expect(created.location).toBe('/admin/personas?aviso=creada');
      const shown = await admin.follow(created);
      expect(shown.status).toBe(200);
      expect(shown.body).toContain('Contraseña de un solo uso para nueva@micultura.gob.sv');
      const password = /<code>([^<]+)<\/code>/.exec(shown.body)?.[1];
      expect(password).toMatch(/^[A-Za-z0-9_-]{12,}$/);
      const again = await admin.get('/admin/personas?aviso=creada');
      expect(again.status).toBe(200);
      expect(again.body).not.toContain('Contraseña de un solo uso para');
      expect(again.body).not.toContain(password);
      expect(again.body).toContain('Su contraseña de un solo uso ya se mostró una vez');

      // The new person can sign in through the proxy with it.
      const newcomer = new Browser('198.51.100.30');
      const signedIn = await newcomer.post('/admin/entrar', { email: 'nueva@micultura.gob.sv', password: password as string });
      expect(signedIn.status).toBe(303);
      expect((await newcomer.follow(signedIn)).location).toBe('/admin/clave');
    });

    it('creates an institution token: 303, then shown once on the page it leads to', async () => {
      const tokens = await admin.get('/admin/tokens');
      const bad = await admin.submit(tokens, '/admin/tokens', { institution: 'rnpn', name: 'ab' });
      expect(bad.status).toBe(400);
      expect(bad.body).toContain('al menos 3 caracteres');
      const created = await admin.submit(bad, '/admin/tokens', { institution: 'rnpn', name: 'Citas RNPN' });
      expect(created.status).toBe(303);
      expect(created.location).toBe('/admin/tokens?aviso=creado');
      const shown = await admin.follow(created);
      expect(shown.status).toBe(200);
      const token = /<code>(tsv_[^<]+)<\/code>/.exec(shown.body)?.[1];
      expect(token).toBeTruthy();
      const again = await admin.get('/admin/tokens?aviso=creado');
      expect(again.body).not.toContain(token);
      expect(again.body).toContain('Token creado. Ya se mostró una vez');
    });

    it('keeps a new password and a new token for the reload when the page that shows them fails to draw', async () => {
      const people = await admin.get('/admin/personas');
      const created = await admin.submit(people, '/admin/personas', { email: 'recarga@micultura.gob.sv', role: 'officer', institution: 'micultura' });
      expect(created.status).toBe(303);
      const failing = failNextRead(t.store.db, 'SELECT p.id, p.email, p.role');
      let broken: Reply;
      try {
        broken = await admin.follow(created);
      } finally {
        failing.restore();
      }
      expect(failing.failed()).toBe(true);
      expect(broken.status).toBeGreaterThanOrEqual(500);
      const reload = await admin.get(created.location as string);
      expect(reload.status).toBe(200);
      expect(reload.body).toContain('Contraseña de un solo uso para recarga@micultura.gob.sv');
      expect((await admin.get(created.location as string)).body).not.toContain('Contraseña de un solo uso para');

      const tokens = await admin.get('/admin/tokens');
      const token = await admin.submit(tokens, '/admin/tokens', { institution: 'micultura', name: 'Agenda cultural' });
      expect(token.status).toBe(303);
      const failingTokens = failNextRead(t.store.db, 'SELECT t.id, t.name');
      let brokenTokens: Reply;
      try {
        brokenTokens = await admin.follow(token);
      } finally {
        failingTokens.restore();
      }
      expect(failingTokens.failed()).toBe(true);
      expect(brokenTokens.status).toBeGreaterThanOrEqual(500);
      const reloadTokens = await admin.get(token.location as string);
      expect(reloadTokens.status).toBe(200);
      expect(reloadTokens.body).toMatch(/Token para «Agenda cultural» \(micultura\)[\s\S]*<code>tsv_/);
      expect((await admin.get(token.location as string)).body).not.toMatch(/<code>tsv_/);

      // Failing in the middle of the markup, after the page's data was loaded, loses nothing either.
      const again = await admin.submit(await admin.get('/admin/personas'), '/admin/personas', {
        email: 'a-medias@micultura.gob.sv',
        role: 'officer',
        institution: 'micultura',
      });
      expect(again.status).toBe(303);
      const halfDrawn = failNextRead(t.store.db, 'SELECT p.id, p.email, p.role', 'markup');
      let broken2: Reply;
      try {
        broken2 = await admin.follow(again);
      } finally {
        halfDrawn.restore();
      }
      expect(halfDrawn.failed()).toBe(true);
      expect(broken2.status).toBeGreaterThanOrEqual(500);
      expect((await admin.get(again.location as string)).body).toContain('Contraseña de un solo uso para a-medias@micultura.gob.sv');
    });
  });

  describe('as an officer', () => {
    it('redraws a wrong password with 401 and a Spanish error, then makes the one-time password be changed, redrawing a weak one with 400', async () => {
      await signInForTheFirstTime(officer, 'oficial-tls@rnpn.gob.sv', officerPassword, STRONG_OFFICER);
    });

    it('opens every page of the workspace, and is refused the administration pages with «Sin acceso»', async () => {
      for (const path of [
        '/admin',
        '/admin/nuevo-tramite',
        '/admin/tramites/prueba-emision-dui',
        '/admin/tramites/prueba-emision-dui/historial',
        '/admin/opiniones',
        '/admin/importar',
        '/admin/clave',
      ]) {
        const page = await officer.get(path);
        expect(page.status, path).toBe(200);
        expect(page.body, path).toContain('oficial-tls@rnpn.gob.sv');
      }
      for (const path of ['/admin/instituciones', '/admin/temas', '/admin/personas', '/admin/tokens', '/admin/tramites/prueba-pasaporte-renovacion']) {
        const page = await officer.get(path);
        expect(page.status, path).toBe(403);
        expect(page.body, path).toContain('Sin acceso');
      }
    });

    it('edits a procedure: an invalid form is redrawn with 400, a preview with 200, publishing redirects with 303, then verifies it', async () => {
      await editPublishAndVerify(officer, 'prueba-emision-dui', 'Emisión del DUI (revisada detrás del proxy)');
    });

    it('resolves feedback that a citizen sent from the public page', async () => {
      const citizen = new Browser('203.0.113.77');
      const page = await citizen.get('/tramites/prueba-emision-dui');
      expect(page.status).toBe(200);
      const sent = await citizen.submit(
        page,
        '/tramites/prueba-emision-dui/opinion',
        { part: 'oficinas', message: 'El Duicentro de prueba cerró por remodelación' },
        { containing: 'name="message"' },
      );
      expect(sent.status).toBe(303);
      expect(sent.location).toMatch(/^\/tramites\/prueba-emision-dui\?opinion=gracias/);
      expect((await citizen.follow(sent)).status).toBe(200);

      const inbox = await officer.get('/admin/opiniones');
      expect(inbox.body).toContain('El Duicentro de prueba cerró por remodelación');
      const id = /\/admin\/opiniones\/(\d+)\/resolver/.exec(inbox.body)?.[1];
      expect(id).toBeTruthy();
      const tooShort = await officer.submit(inbox, `/admin/opiniones/${id}/resolver`, { note: 'ok' });
      expect(tooShort.status).toBe(303);
      expect((await officer.follow(tooShort)).body).toContain('Escriba una nota de al menos 3 caracteres');
      const resolved = await officer.submit(inbox, `/admin/opiniones/${id}/resolver`, { note: 'Se quitó la oficina cerrada', version: '2' });
      expect(resolved.status).toBe(303);
      expect(resolved.location).toBe('/admin/opiniones?aviso=resuelta');
      expect((await officer.follow(resolved)).body).toContain('Marcada como resuelta.');
      expect((await officer.get('/admin/opiniones?estado=resueltas')).body).toContain('Se quitó la oficina cerrada');
    });

    it('uploads a file to the importer and gets the page redrawn with its report', async () => {
      const page = await officer.get('/admin/importar');
      const upload = (records: unknown[], dryRun: boolean) => {
        const body = new FormData();
        for (const [name, value] of formFields(page.body, '/admin/importar')) body.append(name, value);
        if (dryRun) body.set('prueba', 'on');
        body.set('archivo', new File([JSON.stringify(records, null, 2)], 'carga.json', { type: 'application/json' }));
        return officer.post('/admin/importar', body);
      };
      const own = { ...fixtureProcedures()[0], slug: 'prueba-carga-tls', title: 'Trámite cargado detrás del proxy' };
      const checked = await upload([own], true);
      expect(checked.status).toBe(200);
      expect(checked.body).toContain('Informe de la carga');
      expect(checked.body).toContain('Los 1 registros son válidos (prueba sin guardar');
      const rejected = await upload([own, { ...fixtureProcedures()[1], slug: 'prueba-carga-ajena' }], false);
      expect(rejected.status).toBe(422);
      expect(rejected.body).toMatch(/Registro 2 \(línea \d+, «prueba-carga-ajena»\) — institución: Solo puede cargar trámites de su institución \(rnpn\)/);
      const imported = await upload([own], false);
      expect(imported.status).toBe(200);
      expect(imported.body).toContain('Importación completa: 1 nuevos');
      expect((await officer.get('/admin')).body).toContain('Trámite cargado detrás del proxy');
    });
  });

  describe('the origin and the host', () => {
    it("refuses with 403 a form posted with the proxy's plain-HTTP origin, even with a valid session and token", async () => {
      const plainOrigin = `http://127.0.0.1:${server.port}`;
      const before = await t.store.db.execute("SELECT version, updated_at FROM procedures WHERE slug = 'prueba-emision-dui'");
      const page = await officer.get('/admin');
      const csrf = csrfOf(page.body);
      const verify = await officer.post('/admin/tramites/prueba-emision-dui/verificar', { csrf }, { Origin: plainOrigin });
      expect(verify.status).toBe(403);
      expect(verify.body).toContain(CROSS_SITE_REFUSAL);
      const signIn = await new Browser('198.51.100.40').post(
        '/admin/entrar',
        { email: 'oficial-tls@rnpn.gob.sv', password: STRONG_OFFICER },
        { Origin: plainOrigin },
      );
      expect(signIn.status).toBe(403);
      expect(signIn.setCookies).toEqual([]);
      const publish = await officer.post(
        '/admin/tramites/prueba-emision-dui',
        { ...formFromDocument(procedureDocumentSchema.parse(fixtureProcedures()[0])), csrf, accion: 'publicar' },
        { Origin: plainOrigin, 'Sec-Fetch-Site': 'same-origin' },
      );
      expect(publish.status).toBe(403);
      expect((await t.store.db.execute("SELECT version, updated_at FROM procedures WHERE slug = 'prueba-emision-dui'")).rows).toEqual(before.rows);
    });

    it('names https://tramites.portal.test in canonical links and the sitemap, never the Host of a request', async () => {
      for (const host of [PUBLIC_HOST, 'evil.example']) {
        const visitor = new Browser('203.0.113.90', { host });
        for (const path of ['/', '/categorias', '/categorias/identidad', '/instituciones', '/instituciones/rnpn', '/tramites/prueba-emision-dui']) {
          const page = await visitor.get(path, { 'X-Forwarded-Host': host });
          expect(page.status, `${host} ${path}`).toBe(200);
          expect(canonicalOf(page.body), `${host} ${path}`).toBe(`${PUBLIC_ORIGIN}${path === '/' ? '/' : path}`);
          expect(page.body, `${host} ${path}`).not.toContain('evil.example');
          expect(page.body, `${host} ${path}`).not.toContain('http://tramites.portal.test');
        }
        const sitemap = await visitor.get('/sitemap.xml', { 'X-Forwarded-Host': host });
        expect(sitemap.status).toBe(200);
        const locations = [...sitemap.body.matchAll(/<loc>([^<]+)<\/loc>/g)].map((match) => match[1]);
        expect(locations.length).toBeGreaterThan(5);
        expect(locations.filter((location) => !location.startsWith(`${PUBLIC_ORIGIN}/`))).toEqual([]);
        expect(locations).toContain(`${PUBLIC_ORIGIN}/tramites/prueba-emision-dui`);
        expect(sitemap.body).not.toContain('evil.example');
        // A redirect names a path on the same site, never the forged host.
        const gate = await visitor.get('/admin');
        expect(gate.status).toBe(303);
        expect(gate.location).toMatch(/^\/admin\/entrar/);
      }
    });
  });

  describe('a proxy that forwards its own upstream Host (nginx without proxy_set_header Host)', () => {
    it('still signs in, redraws and publishes, with Secure cookies and https canonical links', async () => {
      const upstream = new Browser('198.51.100.50', { host: `127.0.0.1:${server.port}` });
      const form = await upstream.get('/admin/entrar');
      expect(form.status).toBe(200);
      const signedIn = await upstream.submit(form, '/admin/entrar', {
        email: 'oficial-tls@rnpn.gob.sv',
        password: STRONG_OFFICER,
        volver: '/admin/tramites/prueba-emision-dui',
      });
      expect(signedIn.status).toBe(303);
      expect(signedIn.location).toBe('/admin/tramites/prueba-emision-dui');
      expect(parseSetCookie(signedIn.setCookies[0]).attributes).toHaveProperty('secure');
      const editor = await upstream.follow(signedIn);
      expect(editor.status).toBe(200);
      const preview = await upstream.submit(
        editor,
        '/admin/tramites/prueba-emision-dui',
        // A content change (publishing an unchanged entry only says there is nothing to publish).
        { nota: 'Vista previa por el host de atrás', summary: 'Trámite de prueba, revisado por el host de atrás detrás del proxy.' },
        { submitter: ['accion', 'vista-previa'] },
      );
      expect(preview.status).toBe(200);
      expect(preview.body).toContain('Vista previa (aún no publicada)');
      const published = await upstream.submit(preview, '/admin/tramites/prueba-emision-dui', {}, { submitter: ['accion', 'publicar'] });
      expect(published.status).toBe(303);
      expect(published.location).toBe('/admin/tramites/prueba-emision-dui?aviso=publicado');
      const page = await upstream.get('/tramites/prueba-emision-dui');
      expect(canonicalOf(page.body)).toBe(`${PUBLIC_ORIGIN}/tramites/prueba-emision-dui`);
      expect(page.body).not.toContain(`127.0.0.1:${server.port}`);
    });
  });

  describe('rate limits behind the proxy', () => {
    const A = '192.0.2.101';
    const B = '192.0.2.202';

    it('locks client A after 10 failed sign-ins (429), but not client B, even when B forges a first X-Forwarded-For hop equal to A', async () => {
      const clientA = new Browser(A);
      for (let attempt = 1; attempt <= 10; attempt++) {
        // Different accounts each time: only the per-address limit can be what locks A.
        const failed = await clientA.post('/admin/entrar', { email: `nadie${attempt}@portal.test`, password: 'no-es-la-clave' });
        expect(failed.status, `attempt ${attempt}`).toBe(401);
        expect(failed.body).toContain('El correo o la contraseña no son correctos.');
      }
      const locked = await clientA.post('/admin/entrar', { email: 'oficial-tls@rnpn.gob.sv', password: STRONG_OFFICER });
      expect(locked.status).toBe(429);
      expect(locked.body).toContain('Demasiados intentos');
      expect(clientA.sessionCookie).toBeUndefined();
      // A cannot unlock itself by claiming to be someone else in the first hop.
      const disguisedA = new Browser(A, { forgedForwardedFor: B });
      expect((await disguisedA.post('/admin/entrar', { email: 'nadie-mas@portal.test', password: 'no-es-la-clave' })).status).toBe(429);

      const clientB = new Browser(B, { forgedForwardedFor: A });
      const wrong = await clientB.post('/admin/entrar', { email: 'otro-nadie@portal.test', password: 'no-es-la-clave' });
      expect(wrong.status).toBe(401);
      const signedIn = await clientB.post('/admin/entrar', { email: 'oficial-tls@rnpn.gob.sv', password: STRONG_OFFICER });
      expect(signedIn.status).toBe(303);
      expect(clientB.sessionCookie).toBeDefined();
      expect((await clientB.follow(signedIn)).status).toBe(200);
    });
  });

  describe('across everything above', () => {
    it('signs out over https, clearing the Secure cookie', async () => {
      const page = await admin.get('/admin');
      const out = await admin.submit(page, '/admin/salir');
      expect(out.status).toBe(303);
      expect(out.location).toBe('/admin/entrar?salida=1');
      expect(admin.sessionCookie).toBeUndefined();
      expect((await admin.get('/admin')).status).toBe(303);
    });

    it('never answered 403 «Cross-site…», set only Secure __Host- cookies, and redirected only within the site', () => {
      expect(replies.length).toBeGreaterThan(80);
      const crossSite = replies.filter((reply) => reply.status === 403 && /cross-site/i.test(reply.body)).map((reply) => `${reply.method} ${reply.path}`);
      expect(crossSite).toEqual([]);
      const cookies = replies.flatMap((reply) => reply.setCookies.map(parseSetCookie));
      expect(cookies.length).toBeGreaterThan(3);
      for (const cookie of cookies) {
        expect(cookie.name, cookie.raw).toBe('__Host-portal_sesion');
        expect(cookie.attributes, cookie.raw).toHaveProperty('secure');
        expect(cookie.attributes.path, cookie.raw).toBe('/');
      }
      const offSite = replies
        .filter((reply) => reply.location !== null && new URL(reply.location, PUBLIC_ORIGIN).origin !== PUBLIC_ORIGIN)
        .map((reply) => `${reply.path} → ${reply.location}`);
      expect(offSite).toEqual([]);
      // The only refusals of the origin check are the ones the test provoked on purpose.
      const refused = replies.filter((reply) => reply.status === 403 && reply.body.includes(CROSS_SITE_REFUSAL)).map((reply) => reply.path);
      expect(refused).toEqual(['/admin/tramites/prueba-emision-dui/verificar', '/admin/entrar', '/admin/tramites/prueba-emision-dui']);
      const serverErrors = replies.filter((reply) => reply.status >= 500).map((reply) => reply.path);
      expect(serverErrors).toEqual(['/admin/personas?aviso=creada', '/admin/tokens?aviso=creado', '/admin/personas?aviso=creada']);
    });
  });
});
