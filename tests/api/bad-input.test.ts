/**
 * Bad input never breaks the portal: whatever a caller sends — a body that is not JSON, the wrong
 * Content-Type, a path or query value no route expects, a broken multipart upload, a header-breaking
 * `volver` — the answer is a refusal (a 4xx; JSON in the shared `{"error": {"code", "message",
 * "fields"?}}` shape under /api, a Spanish page or message elsewhere), never a 500, never a hang,
 * and nothing is logged as an unhandled error.
 *
 * The JSON routes are walked from GET /api/openapi.json (every path and method in it), so a route
 * added to the document is covered without touching this file; a new path or query parameter
 * without bad values listed here fails the test until it gets some.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Log } from '../../api/errors.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { createReport } from '../../store/reports/reports.ts';
import { createApiToken } from '../../store/people/tokens.ts';
import { fixtureProcedures } from '../fixtures/catalog.ts';
import { createTestWebApp } from '../fixtures/web.ts';
import { createTestStore } from '../fixtures/store.ts';

const ORIGIN = 'http://portal.test';
const EVIL = 'https://evil.example';
/** Longer than any in-process answer should take; a hang fails the case instead of the whole file. */
const ANSWER_WITHIN_MS = 5_000;
/** A fixture procedure of RNPN, the institution the bearer token belongs to. */
const SLUG = 'prueba-emision-dui';
const OVER_API_LIMIT = 300 * 1024; // the API refuses bodies over 256 KB
const OVER_FORM_LIMIT = 70 * 1024; // forms refuse bodies over 64 KB

// --- The site, with a logger that keeps every unhandled error -----------------------------------

const unhandled: string[] = [];
const log: Log = {
  info: () => undefined,
  error: (message, details) => void unhandled.push(`${message} ${JSON.stringify(details ?? {})}`),
};

const t = await createTestStore('fixture');
afterAll(() => t.cleanup());
const app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.80', log });

const admin = await createPerson(t.store, { email: 'admin@portal.test', role: 'admin' }, null, { iterations: 1000 });
await t.store.batch(['UPDATE people SET must_change_password = 0']);
const { token } = await createApiToken(t.store, personActor(admin.person), 'rnpn', 'Sistema de prueba RNPN');
await t.store.batch([
  `INSERT INTO feedback (procedure_id, kind, part, message) SELECT id, 'not_like_this', 'costo', 'El costo en la ventanilla es otro' FROM procedures WHERE slug = '${SLUG}'`,
]);
const feedbackId = Number((await t.store.db.execute('SELECT max(id) AS id FROM feedback')).rows[0].id);
/** A case routed to RNPN that the admin and the token may handle. */
const reportCode = (
  await createReport(t.store, {
    kind: 'complaint',
    channel: 'web',
    description: 'Caso de prueba para entradas inválidas.',
    institutionSlug: 'rnpn',
    anonymous: true,
  })
).code;

/** The admin's session for the JSON API (POST /api/admin/login). */
const apiLogin = await app.request(`${ORIGIN}/api/admin/login`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
  body: JSON.stringify({ email: 'admin@portal.test', password: admin.oneTimePassword }),
});
if (apiLogin.status !== 200) throw new Error(`JSON sign-in failed: ${apiLogin.status} ${await apiLogin.text()}`);
const adminCookie = (apiLogin.headers.get('Set-Cookie') ?? '').split(';')[0];

/** Another session of the admin, for the HTML forms (POST /admin/entrar), and its CSRF token. */
async function formSignIn(volver = ''): Promise<Response> {
  return app.request(`${ORIGIN}/admin/entrar`, {
    method: 'POST',
    headers: { Origin: ORIGIN },
    body: new URLSearchParams({ email: 'admin@portal.test', password: admin.oneTimePassword, volver }),
  });
}
const formLogin = await formSignIn();
if (formLogin.status !== 303) throw new Error(`form sign-in failed: ${formLogin.status} ${await formLogin.text()}`);
const pageCookie = (formLogin.headers.get('Set-Cookie') ?? '').split(';')[0];
const csrf = /name="csrf" value="([^"]+)"/.exec(await (await app.request(`${ORIGIN}/admin/tokens`, { headers: { Cookie: pageCookie } })).text())?.[1] ?? '';
if (!csrf) throw new Error('no CSRF token on /admin/tokens');

// --- Sending, and what an answer must look like ---------------------------------------------------

interface Answer {
  status: number;
  type: string;
  text: string;
  location: string;
  setCookie: string;
}

let requestsSent = 0;

/** One in-process request, read to the end, or a rejection when it takes longer than ANSWER_WITHIN_MS. */
async function send(method: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit } = {}): Promise<Answer> {
  requestsSent++;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms (hangs)`)), ANSWER_WITHIN_MS);
  });
  const work = (async () => {
    const requestInit = { method, headers: init.headers, body: init.body, ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit;
    const response = await app.request(`${ORIGIN}${path}`, requestInit);
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('Content-Type') ?? '',
      text,
      location: response.headers.get('Location') ?? '',
      setCookie: response.headers.get('Set-Cookie') ?? '',
    };
  })();
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A check returns what is wrong with an answer, or null. */
type Check = (answer: Answer) => string | null;

interface Case {
  label: string;
  send: () => Promise<Answer>;
  check: Check;
}

/** Runs cases one after another and lists every one that went wrong (so a failure names them all). */
async function problemsOf(cases: Case[]): Promise<string[]> {
  const problems: string[] = [];
  for (const c of cases) {
    const before = unhandled.length;
    let problem: string | null;
    let status: number | undefined;
    try {
      const answer = await c.send();
      status = answer.status;
      problem = c.check(answer);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    const logged = unhandled.slice(before);
    if (logged.length > 0) problem = `${problem ?? `answered ${status}`}; logged as unhandled: ${logged.join(' | ')}`;
    if (problem) problems.push(`${c.label} → ${problem}`);
  }
  return problems;
}

const short = (text: string) =>
  text
    .replace(/(.)\1{15,}/g, (run, ch: string) => `${ch}×${run.length}`)
    .replace(/\s+/g, ' ')
    .slice(0, 220);
const described = (a: Answer) =>
  `answered ${a.status} ${a.type || '(no Content-Type)'}${a.location ? ` → ${a.location}` : ''}: ${short(a.text) || '(empty body)'}`;
const statusIn = (a: Answer, allowed?: number[]) => (allowed ? allowed.includes(a.status) : a.status >= 400 && a.status < 500);
const wanted = (allowed?: number[]) => (allowed ? allowed.join(' or ') : 'a 4xx');

/** Zod's and Hono's English defaults, which mean a schema or handler forgot its Spanish message. */
const ENGLISH_DEFAULT =
  /^\s*(\d{3}\s*)?(not found|bad request|unauthorized|forbidden|internal server error|payload too large|method not allowed|unsupported media type)\b|\b(too big|too small|invalid (input|string|option|type|format|element|key|union)|expected (a |an )?(string|number|int|object|array|boolean|one of)|must match pattern|unrecognized keys?|required)\b/i;

/** Spanish words people read, not a framework's English default («404 Not Found», «Too big: …»). */
function isSpanish(message: string): boolean {
  if (ENGLISH_DEFAULT.test(message)) return false;
  return /[áéíóúñ¿¡«»]|\b(el|la|los|las|de|del|que|en|un|una|es|no|para|por|con|su|esa|ese|este|esta|revise|envíe|inicie|escriba)\b/i.test(message);
}

/** An /api refusal: a 4xx (or one of `allowed`) in JSON, with error.code and a Spanish error.message. */
const jsonRefusal =
  (allowed?: number[]): Check =>
  (a) => {
    if (!statusIn(a, allowed)) return `expected ${wanted(allowed)}; ${described(a)}`;
    if (!/^application\/json\b/i.test(a.type)) return `expected JSON in the error shape; ${described(a)}`;
    let body: { error?: { code?: unknown; message?: unknown; fields?: unknown } };
    try {
      body = JSON.parse(a.text);
    } catch {
      return `body is not JSON; ${described(a)}`;
    }
    const error = body?.error;
    if (typeof error?.code !== 'string' || error.code === '') return `no error.code; ${described(a)}`;
    if (typeof error.message !== 'string' || !isSpanish(error.message)) return `error.message is not a Spanish sentence; ${described(a)}`;
    if (error.fields !== undefined) {
      if (typeof error.fields !== 'object' || error.fields === null || Object.values(error.fields).some((value) => typeof value !== 'string'))
        return `error.fields is not a map of field → message; ${described(a)}`;
      const english = Object.entries(error.fields as Record<string, string>).filter(([, message]) => !isSpanish(message));
      if (english.length > 0)
        return `error.fields has messages that are not Spanish (${english.map(([field, message]) => `${field}: «${message}»`).join('; ')}); ${described(a)}`;
    }
    return null;
  };

/** A successful JSON answer, for input that must be tolerated (the search text is never refused). */
const jsonOk: Check = (a) => (a.status === 200 && /^application\/json\b/i.test(a.type) ? null : `expected 200 JSON; ${described(a)}`);

/** Zod's English defaults as they would show in a page's error summary. */
const ZOD_ENGLISH =
  /\b(too big|too small|invalid (input|string|option|type|format)|must match pattern|expected (string|number|object|array|boolean)|received (number|string|array|object|null|undefined|boolean))\b/i;
const visibleText = (html: string) => html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ').replace(/<[^>]*>/g, ' ');

/** A workspace refusal: a 4xx (or one of `allowed`) drawn as a Spanish HTML page, with no English error in it. */
const pageRefusal =
  (allowed?: number[]): Check =>
  (a) => {
    if (!statusIn(a, allowed)) return `expected ${wanted(allowed)}; ${described(a)}`;
    if (!/^text\/html\b/i.test(a.type) || !a.text.includes('<html lang="es"')) return `expected a Spanish HTML page; ${described(a)}`;
    const english = ZOD_ENGLISH.exec(visibleText(a.text));
    if (english)
      return `the page shows an English error («${short(visibleText(a.text).slice(Math.max(0, english.index - 40), english.index + 80))}»); answered ${a.status}`;
    return null;
  };

/** A refusal outside /api that may be plain text or a page, but is Spanish and not empty. */
const spanishRefusal =
  (allowed?: number[]): Check =>
  (a) => {
    if (!statusIn(a, allowed)) return `expected ${wanted(allowed)}; ${described(a)}`;
    if (/^application\/json\b/i.test(a.type)) return `expected a page or text, not JSON; ${described(a)}`;
    const words = /^text\/html\b/i.test(a.type) ? (a.text.includes('<html lang="es"') ? 'página' : '') : a.text;
    if (!isSpanish(words)) return `expected a Spanish message; ${described(a)}`;
    return null;
  };

/** A page drawn for odd query or path input: the page (200) or its refusal (4xx), in Spanish HTML, never a 5xx. */
const pageDrawn: Check = (a) => {
  if (a.status !== 200 && !(a.status >= 400 && a.status < 500)) return `expected 200 or a 4xx; ${described(a)}`;
  if (!/^text\/html\b/i.test(a.type) || !a.text.includes('<html lang="es"')) return `expected a Spanish HTML page; ${described(a)}`;
  return null;
};

/** A post/redirect/get answer: 303 to a path of this site that `expected` accepts, with no header injected. */
const redirectTo =
  (expected: (location: string) => boolean, description: string): Check =>
  (a) => {
    if (a.status !== 303) return `expected 303 to ${description}; ${described(a)}`;
    if (/[\r\n]/.test(a.location) || /x=1/.test(a.setCookie)) return `a header was injected; ${described(a)}`;
    if (!a.location.startsWith('/') || a.location.startsWith('//') || new URL(a.location, ORIGIN).origin !== ORIGIN)
      return `redirects off the site; ${described(a)}`;
    return expected(a.location) ? null : `expected 303 to ${description}; ${described(a)}`;
  };

/** Passes when either check passes (the first one's complaint is kept otherwise). */
const either =
  (first: Check, second: Check): Check =>
  (a) => {
    const problem = first(a);
    return problem === null || second(a) === null ? null : problem;
  };

const emptyAudit: Check = (a) => (a.status === 200 && a.text === '{"audit":[]}' ? null : `expected a 4xx or an empty audit trail; ${described(a)}`);

const toSignIn = redirectTo((location) => location.startsWith('/admin/entrar?volver='), 'the sign-in page');

// --- Callers --------------------------------------------------------------------------------------

const CALLERS = ['anonymous', 'admin', 'token'] as const;
type Caller = (typeof CALLERS)[number];

/**
 * Whether a caller gets as far as the route's input checks: anonymous callers of a signed-in route
 * are refused first (401), so a few cases show that refusal is clean and the rest are not repeated.
 */
const reachesInput = (caller: Caller, op: Operation) => !(caller === 'anonymous' && op.secured && !op.template.endsWith('/password'));

function apiHeaders(caller: Caller, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { Origin: ORIGIN, ...extra };
  if (caller === 'admin') headers.Cookie = adminCookie;
  if (caller === 'token') headers.Authorization = `Bearer ${token}`;
  return headers;
}

// --- The JSON routes, from the OpenAPI document ---------------------------------------------------

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
}
interface Operation {
  method: string;
  template: string;
  pathParams: string[];
  queryParams: string[];
  body?: JsonSchema;
  secured: boolean;
}

const docResponse = await app.request(`${ORIGIN}/api/openapi.json`);
const doc = (await docResponse.json()) as {
  paths: Record<
    string,
    Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; security?: unknown[] }>
  >;
  components?: { schemas?: Record<string, JsonSchema> };
};
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);
const operations: Operation[] = Object.entries(doc.paths).flatMap(([template, item]) =>
  Object.entries(item)
    .filter(([method]) => HTTP_METHODS.has(method))
    .map(([method, op]) => ({
      method: method.toUpperCase(),
      template,
      pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
      queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      body: op.requestBody?.content?.['application/json']?.schema,
      secured: (op.security ?? []).length > 0,
    })),
);

function resolved(schema: JsonSchema | undefined): JsonSchema {
  if (!schema) return {};
  if (schema.$ref) return resolved(doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')]);
  return schema;
}

/** The JSON types a schema admits (through anyOf/oneOf/allOf); empty when it admits anything. */
function typesOf(schema: JsonSchema | undefined): Set<string> {
  const s = resolved(schema);
  const types = new Set<string>(Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);
  for (const part of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) for (const type of typesOf(part)) types.add(type);
  if (types.has('integer')) types.add('number');
  return types;
}

/** An object with every documented field set to a value of a type the field does not take. */
function wrongTypes(schema: JsonSchema | undefined): Record<string, unknown> {
  const candidates: [string, unknown][] = [
    ['number', 12345],
    ['string', 'texto'],
    ['boolean', true],
    ['array', ['x']],
    ['object', { anidado: {} }],
  ];
  const properties = resolved(schema).properties ?? {};
  const body: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(properties)) {
    const types = typesOf(field);
    body[name] = (candidates.find(([type]) => types.size > 0 && !types.has(type)) ?? ['null', null])[1];
  }
  return Object.keys(body).length > 0 ? body : { inesperado: [[]] };
}

/** Well-formed values for path parameters, used while another part of the request is the bad one. */
const GOOD_PARAMS: Record<string, string> = { slug: SLUG, id: String(feedbackId), code: reportCode };

/** Bad values for every path parameter name the document uses. */
const BAD_PATH_VALUES: Record<string, [what: string, value: string][]> = {
  slug: [
    ['an overlong slug', 'a'.repeat(121)],
    ['a slug with %00', 'prueba%00dui'],
    ['a slug of ..', '..'],
    ['a slug with an encoded ../', '%2e%2e%2fadmin'],
    ['an uppercase slug', 'PRUEBA-EMISION-DUI'],
    ['a unicode slug', 'tr%C3%A1mite-%F0%9F%98%80'],
    ['a slug with broken percent-encoding', '%E0%A4%A'],
    ['a well-formed slug that does not exist', 'no-existe'],
  ],
  id: [
    ['the id abc', 'abc'],
    ['the id -1', '-1'],
    ['the id 1e9999', '1e9999'],
    ['a 20-digit id', '99999999999999999999'],
    ['the id 1.5', '1.5'],
    ['the id 0', '0'],
    ['a well-formed id that does not exist', '999999999999'],
  ],
  code: [
    ['an overlong code', 'K'.repeat(41)],
    ['a code with %00', 'K7QM%002XDT'],
    ['a code of ..', '..'],
    ['a code with a wrong check symbol', 'K7QM-2XDT-9RBH-4D'],
    ['a unicode code', '%C3%91%C3%91%C3%91%C3%91'],
    ['a code with broken percent-encoding', '%E0%A4%A'],
    ['a well-formed code that does not exist', 'K7QM-2XDT-9RBH-4C'],
  ],
};

/** A body that is right, for cases where only the path is wrong. */
const GOOD_BODIES: Record<string, unknown> = {
  'POST /api/procedures/{slug}/feedback': { kind: 'useful' },
  [`PUT /api/admin/procedures/{slug}`]: fixtureProcedures()[0],
  'POST /api/admin/feedback/{id}/resolve': { note: 'Revisado durante la prueba' },
  'POST /api/reports': { kind: 'complaint', description: 'Un caso bien escrito para la prueba.', anonymous: true },
  'POST /api/reports/{code}/messages': { message: 'Mensaje de prueba' },
  'POST /api/reports/{code}/actions': { action: 'delete_contact' },
  'POST /api/admin/reports/{code}/events': { type: 'internal_note', message: 'Nota de prueba' },
  'PUT /api/admin/report-routes': { kind: 'complaint', queue: 'quejas', to_named: true, priority: 'normal' },
  'POST /api/admin/procedures/{slug}/merge': { into: 'prueba-pasaporte-renovacion' },
};

/** Wrong values for every query parameter the document uses (each must be refused with a 400). */
const BAD_QUERY_VALUES: Record<string, string[]> = {
  page: ['abc', '0', '-1', '1e9999', '99999999999999999999', '1001'],
  limit: ['0', '51', 'abc', '-5'],
  en_linea: ['2', 'true', 's%C3%AD'],
  modo: ['todo', 'SUGERENCIAS', '%00'],
  categoria: ['IDENTIDAD', '%00', 'a'.repeat(121), '..%2F..'],
  institucion: ['RNPN', 'tr%C3%A1mite', 'a'.repeat(121)],
  status: ['xyz', 'OPEN'],
  kind: ['xyz', 'USEFUL'],
  tramite: ['NO-EXISTE', '%00', 'a'.repeat(121)],
  queue: ['xyz', 'EMERGENCIAS', '%00'],
  overdue: ['2', 'si'],
  escalated: ['2', 'si'],
};
/** Query parameters that take any text: odd values must still get a normal answer, never a 5xx. */
const TOLERATED_QUERY_VALUES: Record<string, string[]> = {
  q: ['%22', '*', 'NEAR(a%20b)', 'a%20OR%20AND%20NOT', 'titulo%3Adui%20%5E%20-%20()', '%00%01', '%E0%A4%A', 'x'.repeat(5000)],
};

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? GOOD_PARAMS[name] ?? name);
const label = (method: string, path: string, caller: string, what: string) => `${method} ${short(path)} as ${caller}, ${what}`;

interface BodyCase {
  what: string;
  headers: Record<string, string>;
  body: () => BodyInit;
  allowed?: (caller: Caller, op: Operation) => number[] | undefined;
  /** Also sent by callers refused before their input is read. */
  always?: boolean;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const hugeJson = () => JSON.stringify({ message: 'x'.repeat(OVER_API_LIMIT) });

function bodyCases(op: Operation): BodyCase[] {
  const json = { 'Content-Type': 'application/json' };
  return [
    { what: 'a JSON body with no Content-Type', headers: {}, body: () => bytes('{"a":1}') },
    {
      what: 'JSON text sent as text/plain',
      headers: { 'Content-Type': 'text/plain' },
      body: () => JSON.stringify(GOOD_BODIES[`${op.method} ${op.template}`] ?? { a: 1 }),
    },
    { what: 'malformed JSON {"a":', headers: json, body: () => '{"a":', always: true },
    { what: 'an empty JSON body', headers: json, body: () => '' },
    { what: 'the JSON []', headers: json, body: () => '[]' },
    { what: 'the JSON null', headers: json, body: () => 'null' },
    { what: 'the JSON "x"', headers: json, body: () => '"x"' },
    { what: 'the JSON {}', headers: json, body: () => '{}' },
    { what: 'an object whose fields have the wrong types', headers: json, body: () => JSON.stringify(wrongTypes(op.body)), always: true },
    { what: 'JSON nested 20,000 levels deep', headers: json, body: () => '['.repeat(20_000) + ']'.repeat(20_000) },
    {
      what: 'a body over 256 KB with its Content-Length',
      headers: { ...json, 'Content-Length': String(hugeJson().length) },
      body: hugeJson,
      allowed: () => [413],
      always: true,
    },
    {
      what: 'a body over 256 KB streamed without Content-Length',
      headers: json,
      body: () =>
        new ReadableStream({
          start(controller) {
            for (let sent = 0; sent <= OVER_API_LIMIT; sent += 16 * 1024) controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
            controller.close();
          },
        }),
      // A route that refuses the caller before reading the body never learns how long it is.
      allowed: (caller, op) => (caller === 'anonymous' && op.secured && !op.template.endsWith('/password') ? [401, 413] : [413]),
    },
  ];
}

/**
 * Bodies of the right shape whose values are wrong (too long, out of range, unknown references),
 * by operation. None of them may be accepted, so none changes anything.
 */
const doc0 = fixtureProcedures()[0];
const goodReport = { kind: 'complaint', description: 'Un caso bien escrito para la prueba.', anonymous: true };
const WRONG_VALUES: Record<string, [what: string, body: unknown][]> = {
  'POST /api/reports': [
    ['an unknown kind', { ...goodReport, kind: 'robo' }],
    ['a nine-character description', { ...goodReport, description: 'muy corto' }],
    ['a 4,001-character description', { ...goodReport, description: 'd'.repeat(4001) }],
    ['a description of control characters', { ...goodReport, description: '\u0001\u0002'.repeat(10) }],
    ['anonymous as a string', { ...goodReport, anonymous: 'sí' }],
    ['violence without a code word', { ...goodReport, kind: 'violence' }],
    ['a three-letter code word', { ...goodReport, kind: 'violence', code_word: 'sol' }],
    ['a procedure that does not exist', { ...goodReport, procedure: 'no-existe' }],
    ['an uppercase institution', { ...goodReport, institution: 'RNPN' }],
    ['a missing requirement without its procedure', { ...goodReport, kind: 'missing_requirement' }],
    ['a municipality of another department', { ...goodReport, location: { department: 'Santa Ana', municipality: 'San Miguel Centro' } }],
    ['coordinates outside El Salvador', { ...goodReport, location: { lat: 40.4, lng: -3.7 } }],
    ['a latitude without longitude', { ...goodReport, location: { lat: 13.7 } }],
    ['a latitude of 1e308', { ...goodReport, location: { lat: 1e308, lng: 0 } }],
    ['an unknown contact channel', { ...goodReport, anonymous: false, contact: { channel: 'paloma', value: 'x' } }],
    ['an SMS number with letters', { ...goodReport, anonymous: false, contact: { channel: 'sms', value: 'siete mil' } }],
    ['safe hours as «mañana»', { ...goodReport, anonymous: false, contact: { channel: 'sms', value: '70001234', safe_hours: 'mañana' } }],
  ],
  'POST /api/admin/procedures/{slug}/merge': [
    ['a replacement that is not published', { into: '/tramites/no-existe' }],
    ['a replacement that is no address', { into: 'el otro trámite' }],
    ['the entry as its own replacement', { into: `/tramites/${SLUG}` }],
    ['a number for the replacement', { into: 5 }],
    ['an empty replacement', { into: '' }],
    ['a 600-character note', { into: 'prueba-pasaporte-renovacion', note: 'n'.repeat(600) }],
  ],
  'POST /api/admin/procedures/{slug}/verify/undo': [
    ['a date in another format', { previous_verified_at: '01/12/2026' }],
    ['a number for the date', { previous_verified_at: 20261201 }],
  ],
  'POST /api/reports/{code}/messages': [
    ['an empty message', { message: '   ' }],
    ['a 2,001-character message', { message: 'm'.repeat(2001) }],
    ['a message of control characters', { message: '\u0001\u0002' }],
  ],
  'POST /api/reports/{code}/actions': [
    ['an unknown action', { action: 'borrar-todo' }],
    ['a 2,001-character reason', { action: 'close', reason: 'r'.repeat(2001) }],
  ],
  'POST /api/admin/reports/{code}/events': [
    ['an unknown type', { type: 'xyz' }],
    ['a public reply with nothing said', { type: 'public_reply' }],
    ['an unknown status', { type: 'status', status: 'volando' }],
    ['a status only the citizen may set', { type: 'status', status: 'withdrawn' }],
    ['a referral to an institution that does not exist', { type: 'refer', institution: 'no-existe' }],
    ['a merge into a code that does not exist', { type: 'merge', into: 'K7QM-2XDT-9RBH-4C' }],
    ['a 2,001-character note', { type: 'internal_note', message: 'n'.repeat(2001) }],
  ],
  'PUT /api/admin/report-routes': [
    ['an unknown kind', { kind: 'robo', queue: 'quejas', to_named: true, priority: 'normal' }],
    ['violence outside the 198 queue', { kind: 'violence', queue: 'quejas', to_named: false, priority: 'urgent' }],
    ['an unknown target institution', { kind: 'complaint', queue: 'quejas', to_named: true, priority: 'normal', target: 'no-existe' }],
    ['an unknown priority', { kind: 'complaint', queue: 'quejas', to_named: true, priority: 'ya' }],
  ],
  'POST /api/procedures/{slug}/feedback': [
    ['an unknown kind', { kind: 'xyz' }],
    ['an unknown part', { kind: 'not_like_this', part: 'xyz' }],
    ['«not like this» with nothing said', { kind: 'not_like_this' }],
    ['a message of control characters', { kind: 'not_like_this', message: '\u0001\u0002' }],
    ['a 2,001-character message', { kind: 'not_like_this', message: 'm'.repeat(2001) }],
  ],
  'POST /api/admin/login': [
    ['an empty email and password', { email: ' ', password: '' }],
    ['a 201-character email', { email: 'x'.repeat(201), password: 'y' }],
    ['a 201-character password', { email: 'admin@portal.test', password: 'y'.repeat(201) }],
  ],
  'POST /api/admin/password': [
    ['a 201-character new password', { current_password: 'x', new_password: 'y'.repeat(201) }],
    ['a 201-character current password', { current_password: 'x'.repeat(201), new_password: 'y' }],
    ['a confirmation that does not match', { current_password: 'x', new_password: 'girasol-tranvia-nube-ocho', confirm_password: 'otra' }],
  ],
  'PUT /api/admin/procedures/{slug}': [
    ['a slug that is not the address’s', { ...doc0, slug: 'otro-tramite' }],
    ['a negative cost', { ...doc0, cost: { amount: -1, currency: 'USD' } }],
    ['a cost of 1e308 in euros', { ...doc0, cost: { amount: 1e308, currency: 'EUR' } }],
    ['a javascript: link', { ...doc0, online_url: 'javascript:alert(1)' }],
    ['a date not in the calendar', { ...doc0, updated_at: '2026-13-45' }],
    ['an uppercase category', { ...doc0, category: 'IDENTIDAD' }],
    ['an office with no name', { ...doc0, offices: [{}] }],
    ['an unknown change kind', { ...doc0, change_kind: 'xyz' }],
    ['a 501-character change note', { ...doc0, change_note: 'n'.repeat(501) }],
  ],
  'POST /api/admin/feedback/{id}/resolve': [
    ['a two-letter note', { note: 'ok' }],
    ['a 2,001-character note', { note: 'n'.repeat(2001) }],
    ['a note of control characters', { note: '\u0000\u0001abc' }],
    ['the version 1.5', { note: 'Nota de prueba', version: 1.5 }],
    ['the version -3', { note: 'Nota de prueba', version: -3 }],
    ['the version 1e308', { note: 'Nota de prueba', version: 1e308 }],
    ['a version the procedure never had', { note: 'Nota de prueba', version: 999 }],
  ],
  'POST /api/admin/people': [
    ['an email with no @', { email: 'sin arroba', role: 'admin' }],
    ['a 300-character email', { email: `${'a'.repeat(300)}@portal.test`, role: 'admin' }],
    ['an unknown role', { email: 'nuevo@portal.test', role: 'root' }],
    ['an institution that does not exist', { email: 'nuevo@portal.test', role: 'officer', institution: 'no-existe' }],
    ['a 121-character institution', { email: 'nuevo@portal.test', role: 'officer', institution: 'a'.repeat(121) }],
    ['an unknown queue', { email: 'nuevo@portal.test', role: 'operator', queue: 'xyz' }],
    ['a 201-character name', { email: 'nuevo@portal.test', role: 'admin', name: 'n'.repeat(201) }],
  ],
  'POST /api/admin/tokens': [
    ['an institution that does not exist', { institution: 'no-existe', name: 'Sistema de prueba' }],
    ['a 121-character institution', { institution: 'a'.repeat(121), name: 'Sistema de prueba' }],
    ['a two-letter name', { institution: 'rnpn', name: '  ab  ' }],
    ['a 121-character name', { institution: 'rnpn', name: 'n'.repeat(121) }],
  ],
};

describe('the OpenAPI document this test walks', () => {
  it('lists every public and admin JSON route, with their parameters and bodies', () => {
    expect(docResponse.status).toBe(200);
    const names = operations.map((op) => `${op.method} ${op.template}`);
    for (const name of [
      'GET /api/health',
      'GET /api/search',
      'GET /api/procedures/{slug}',
      'POST /api/procedures/{slug}/feedback',
      'POST /api/admin/login',
      'POST /api/admin/password',
      'PUT /api/admin/procedures/{slug}',
      'POST /api/admin/feedback/{id}/resolve',
      'POST /api/admin/people/{id}/disable',
      'POST /api/admin/tokens',
    ]) {
      expect(names).toContain(name);
    }
    expect(operations.filter((op) => op.body).length).toBeGreaterThanOrEqual(7);
  });

  it('has bad values listed here for every path parameter, query parameter and body it documents', () => {
    const missing = operations.flatMap((op) => [
      ...op.pathParams.filter((name) => !BAD_PATH_VALUES[name]).map((name) => `${op.method} ${op.template}: path parameter «${name}»`),
      ...op.queryParams
        .filter((name) => !BAD_QUERY_VALUES[name] && !TOLERATED_QUERY_VALUES[name])
        .map((name) => `${op.method} ${op.template}: query parameter «${name}»`),
      ...(op.body && !WRONG_VALUES[`${op.method} ${op.template}`] ? [`${op.method} ${op.template}: bodies with wrong values`] : []),
    ]);
    expect(missing).toEqual([]);
  });
});

describe('every JSON route of the OpenAPI document refuses bad input with a 4xx in the error shape', () => {
  for (const op of operations.filter((o) => o.body)) {
    it(`${op.method} ${op.template} refuses bodies that are not the JSON object it documents, for every caller`, async () => {
      const cases = CALLERS.flatMap((caller) =>
        bodyCases(op)
          .filter((c) => c.always || reachesInput(caller, op))
          .map((c): Case => {
            const path = fill(op.template, {});
            return {
              label: label(op.method, path, caller, c.what),
              send: () => send(op.method, path, { headers: apiHeaders(caller, c.headers), body: c.body() }),
              check: jsonRefusal(c.allowed?.(caller, op)),
            };
          }),
      );
      expect(await problemsOf(cases)).toEqual([]);
    });
  }

  for (const op of operations.filter((o) => o.body)) {
    it(`${op.method} ${op.template} refuses objects of the right shape whose values are wrong, for every caller`, async () => {
      const path = fill(op.template, {});
      // Anonymous callers meet these routes' sign-in check first; the body cases above cover them.
      const callers: Caller[] = op.secured ? ['admin', 'token'] : [...CALLERS];
      const cases = callers.flatMap((caller) =>
        (WRONG_VALUES[`${op.method} ${op.template}`] ?? []).map(([what, body]): Case => ({
          label: label(op.method, path, caller, what),
          send: () => send(op.method, path, { headers: apiHeaders(caller, { 'Content-Type': 'application/json' }), body: JSON.stringify(body) }),
          check: jsonRefusal(),
        })),
      );
      expect(await problemsOf(cases)).toEqual([]);
    });
  }

  for (const op of operations.filter((o) => o.pathParams.length > 0)) {
    it(`${op.method} ${op.template} refuses malformed and unknown path parameters, for every caller`, async () => {
      const goodBody = GOOD_BODIES[`${op.method} ${op.template}`] ?? (op.body ? {} : undefined);
      const cases = CALLERS.flatMap((caller) =>
        op.pathParams.flatMap((param) =>
          (BAD_PATH_VALUES[param] ?? []).slice(0, reachesInput(caller, op) ? undefined : 2).map(([what, value]): Case => {
            const path = fill(op.template, { [param]: value });
            return {
              label: label(op.method, path, caller, what),
              send: () =>
                send(op.method, path, {
                  headers: apiHeaders(caller, goodBody === undefined ? {} : { 'Content-Type': 'application/json' }),
                  body: goodBody === undefined ? undefined : JSON.stringify(goodBody),
                }),
              // An audit trail is kept by slug, so a slug with no procedure may have an empty one.
              check: value === 'no-existe' && op.template.endsWith('/audit') ? either(jsonRefusal(), emptyAudit) : jsonRefusal(),
            };
          }),
        ),
      );
      expect(await problemsOf(cases)).toEqual([]);
    });
  }

  for (const op of operations.filter((o) => o.queryParams.length > 0)) {
    it(`${op.method} ${op.template} refuses wrong query values, for every caller`, async () => {
      const cases = CALLERS.flatMap((caller) =>
        op.queryParams.flatMap((param) =>
          (BAD_QUERY_VALUES[param] ?? []).slice(0, reachesInput(caller, op) ? undefined : 1).map((value): Case => {
            const path = `${fill(op.template, {})}?${param}=${value}`;
            return {
              label: label(op.method, path, caller, `${param}=${short(value)}`),
              send: () => send(op.method, path, { headers: apiHeaders(caller) }),
              check: jsonRefusal(),
            };
          }),
        ),
      );
      expect(await problemsOf(cases)).toEqual([]);
    });
  }

  // The public search: odd text is searched, not refused. (The workspace's name filter, `q` of
  // GET /api/admin/procedures, is behind sign-in and refuses a 5,000-character one with a 400.)
  for (const op of operations.filter((o) => !o.template.startsWith('/api/admin/') && o.queryParams.some((name) => TOLERATED_QUERY_VALUES[name]))) {
    it(`${op.method} ${op.template} answers odd free text (search syntax, control characters, broken encoding, 5,000 characters) normally`, async () => {
      const cases = (['anonymous', 'token'] as const).flatMap((caller) =>
        op.queryParams.flatMap((param) =>
          (TOLERATED_QUERY_VALUES[param] ?? []).map((value): Case => {
            const path = `${fill(op.template, {})}?${param}=${value}`;
            return {
              label: label(op.method, path, caller, `${param}=${short(value)}`),
              send: () => send(op.method, path, { headers: apiHeaders(caller) }),
              check: jsonOk,
            };
          }),
        ),
      );
      expect(await problemsOf(cases)).toEqual([]);
    });
  }
});

describe('JSON routes outside the OpenAPI document refuse bad input with a 4xx in the error shape', () => {
  it('GET /api/admin/me refuses callers without a valid session cookie', async () => {
    const cookies = ['portal_sesion=no-es-una-sesion', `portal_sesion=${'a'.repeat(5000)}`, 'portal_sesion=%E0%A4%A', 'portal_sesion=', 'portal_sesion="\\"'];
    const cases: Case[] = [
      { label: 'GET /api/admin/me as anonymous', send: () => send('GET', '/api/admin/me'), check: jsonRefusal([401]) },
      {
        label: 'GET /api/admin/me with the bearer token',
        send: () => send('GET', '/api/admin/me', { headers: apiHeaders('token') }),
        check: jsonRefusal([401]),
      },
      ...cookies.map((cookie): Case => ({
        label: `GET /api/admin/me with Cookie ${short(cookie)}`,
        send: () => send('GET', '/api/admin/me', { headers: { Cookie: cookie } }),
        check: jsonRefusal([401]),
      })),
    ];
    expect(await problemsOf(cases)).toEqual([]);
  });

  it('GET /api/admin/procedures refuses malformed, unknown and non-bearer Authorization headers', async () => {
    const values = [
      'Bearer',
      'Bearer   ',
      `Bearer tsv_${'a'.repeat(5000)}`,
      'Bearer tsv_aaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      `Bearer ${token} extra`,
      'Basic YWRtaW46YWRtaW4=',
      `Token ${token}`,
    ];
    const cases = values.map((value): Case => ({
      label: `GET /api/admin/procedures with Authorization: ${short(value)}`,
      send: () => send('GET', '/api/admin/procedures', { headers: { Authorization: value } }),
      check: jsonRefusal([401]),
    }));
    expect(await problemsOf(cases)).toEqual([]);
  });

  it('POST /api/admin/logout refuses cross-site calls and oversized bodies', async () => {
    const cases: Case[] = [
      {
        label: 'POST /api/admin/logout with a foreign Origin',
        send: () => send('POST', '/api/admin/logout', { headers: { Origin: EVIL, Cookie: 'portal_sesion=no-es-una-sesion' } }),
        check: jsonRefusal([403]),
      },
      {
        label: 'POST /api/admin/logout with Sec-Fetch-Site: cross-site',
        send: () => send('POST', '/api/admin/logout', { headers: { 'Sec-Fetch-Site': 'cross-site' } }),
        check: jsonRefusal([403]),
      },
      {
        label: 'POST /api/admin/logout with a text/plain body and no Origin',
        send: () => send('POST', '/api/admin/logout', { headers: { 'Content-Type': 'text/plain' }, body: '{}' }),
        check: jsonRefusal([403]),
      },
      {
        label: 'POST /api/admin/logout with a body over 256 KB',
        send: () =>
          send('POST', '/api/admin/logout', {
            headers: { Origin: ORIGIN, 'Content-Type': 'application/json', 'Content-Length': String(hugeJson().length) },
            body: hugeJson(),
          }),
        check: jsonRefusal([413]),
      },
    ];
    expect(await problemsOf(cases)).toEqual([]);
  });

  it('unknown /api paths and methods answer a JSON 404, never the HTML 404 page', async () => {
    const unknown: [string, string][] = [
      ['GET', '/api/nope'],
      ['POST', '/api/nope'],
      ['GET', '/api/admin/nope'],
      ['POST', '/api/admin/nope'],
      ['GET', '/api/procedures/x/y/z'],
      ['POST', '/api/procedures/x/y/z'],
      ['GET', '/api'],
      ['GET', '/api/'],
      ['GET', '/api/%00'],
      ['GET', '/api/procedures/'],
      ['DELETE', '/api/search'],
      ['PATCH', `/api/procedures/${SLUG}`],
      ['PUT', '/api/health'],
      ['POST', '/api/openapi.json'],
      ['GET', `/api/admin/procedures/${SLUG}`],
      ['DELETE', '/api/admin/people/1'],
      // Exempt from the origin check (webhooks), but no route lives there yet.
      ['POST', '/api/telegram/webhook'],
      ['POST', '/api/sms/entrante'],
    ];
    const cases = (['anonymous', 'admin'] as const).flatMap((caller) =>
      unknown.map(([method, path]): Case => ({
        label: label(method, path, caller, 'an unknown address'),
        send: () => send(method, path, { headers: apiHeaders(caller) }),
        // Without a session or token, /api/admin/* asks for one before saying whether the address exists.
        check: jsonRefusal(caller === 'anonymous' && path.startsWith('/api/admin/') ? [401, 404] : [404]),
      })),
    );
    expect(await problemsOf(cases)).toEqual([]);
  });
});

// --- HTML forms -------------------------------------------------------------------------------------

type Fields = Record<string, string>;
const form = (path: string, fields: Fields, headers: Record<string, string> = {}) =>
  send('POST', path, { headers: { Origin: ORIGIN, Cookie: pageCookie, ...headers }, body: new URLSearchParams(fields) });
const formCase = (path: string, what: string, fields: Fields, check: Check): Case => ({
  label: `POST ${short(path)}, ${what}`,
  send: () => form(path, fields),
  check,
});

/**
 * Every POST of the workspace (api/admin/pages.ts), aimed at targets that do not exist, so that
 * even a broken check could change nothing.
 */
const WORKSPACE_POSTS = [
  '/admin/salir',
  '/admin/clave',
  '/admin/nuevo-tramite',
  '/admin/tramites/no-existe',
  '/admin/tramites/no-existe/verificar',
  '/admin/tramites/no-existe/archivar',
  '/admin/opiniones/999999999999/resolver',
  '/admin/importar',
  '/admin/instituciones',
  '/admin/temas',
  '/admin/personas',
  '/admin/personas/999999999999/desactivar',
  '/admin/tokens',
  '/admin/tokens/999999999999/revocar',
];
const FORM_POSTS = ['/admin/entrar', ...WORKSPACE_POSTS, `/tramites/${SLUG}/opinion`, '/buscar/falta'];

const feedbackStatus = async () => String((await t.store.db.execute({ sql: 'SELECT status FROM feedback WHERE id = ?', args: [feedbackId] })).rows[0].status);

describe('the HTML forms refuse bad input with a 4xx page or a redirect back, never a 500', () => {
  it('signing in never sends anyone off the workspace, whatever «volver» holds', async () => {
    const values: [string, string][] = [
      ['CR/LF and a header', '/admin\r\nSet-Cookie: x=1'],
      ['an encoded CR/LF', '/admin%0d%0aSet-Cookie:%20x=1'],
      ['an encoded CR/LF inside the workspace', '/admin/%0d%0aSet-Cookie:%20x=1'],
      ['//evil.example', '//evil.example'],
      ['https://evil.example', 'https://evil.example'],
      ['/admin//evil.example', '/admin//evil.example'],
      ['a backslash', '/\\evil.example'],
      ['5,000 characters', `/admin/${'a'.repeat(5000)}`],
    ];
    const cases = values.map(([what, volver]): Case => ({
      label: `POST /admin/entrar with volver = ${what}`,
      send: async () => {
        const response = await formSignIn(volver);
        return {
          status: response.status,
          type: response.headers.get('Content-Type') ?? '',
          text: await response.text(),
          location: response.headers.get('Location') ?? '',
          setCookie: response.headers.get('Set-Cookie') ?? '',
        };
      },
      check: redirectTo((location) => location === '/admin' || (/^\/admin[/?]/.test(location) && !location.includes('//')), 'a path inside /admin'),
    }));
    const pages = values.map(([what, volver]): Case => ({
      label: `GET /admin/entrar?volver= ${what}`,
      send: () => send('GET', `/admin/entrar?volver=${encodeURIComponent(volver)}`),
      check: pageDrawn,
    }));
    expect(await problemsOf([...cases, ...pages])).toEqual([]);
  });

  it('every workspace POST without its CSRF token, or with a wrong one, is a 403 page', async () => {
    const cases = WORKSPACE_POSTS.flatMap((path): Case[] => [
      formCase(path, 'without csrf', {}, pageRefusal([403])),
      formCase(path, 'with a wrong csrf', { csrf: 'no-es-el-token' }, pageRefusal([403])),
    ]);
    cases.push(formCase('/admin/tokens', 'with a 5,000-character csrf', { csrf: 'a'.repeat(5000) }, pageRefusal([403])));
    expect(await problemsOf(cases)).toEqual([]);
    // The session survived the refused «salir».
    expect((await send('GET', '/admin', { headers: { Cookie: pageCookie } })).status).toBe(200);
  });

  it('every workspace POST without a session goes to the sign-in page', async () => {
    const cases = WORKSPACE_POSTS.map((path): Case => ({
      label: `POST ${path} without a session`,
      send: () => send('POST', path, { headers: { Origin: ORIGIN }, body: new URLSearchParams({ csrf }) }),
      check: toSignIn,
    }));
    expect(await problemsOf(cases)).toEqual([]);
  });

  it('resolving feedback with a bad version or note goes back with an error, and resolves nothing', async () => {
    const back = (error: string) =>
      redirectTo((location) => location === `/admin/opiniones?error=${error}&id=${feedbackId}`, `/admin/opiniones?error=${error}`);
    const path = `/admin/opiniones/${feedbackId}/resolver`;
    const note = 'Se corrigió el costo en la ficha';
    const cases: Case[] = [
      formCase(path, 'version=abc', { csrf, note, version: 'abc' }, back('version')),
      formCase(path, 'version=-3', { csrf, note, version: '-3' }, back('version')),
      formCase(path, 'version=1.5', { csrf, note, version: '1.5' }, back('version')),
      formCase(path, 'version=1e9999', { csrf, note, version: '1e9999' }, back('version')),
      formCase(path, 'an empty note', { csrf, note: '' }, back('nota')),
      formCase(path, 'no note at all', { csrf }, back('nota')),
      formCase(path, 'a 5,000-character note', { csrf, note: 'n'.repeat(5000) }, back('nota')),
      formCase(path, 'a note of control characters', { csrf, note: '\u0001\u0002\u0003\u0004' }, pageRefusal()),
      formCase(path, 'a version the procedure never had', { csrf, note, version: '999999' }, pageRefusal([400])),
      formCase('/admin/opiniones/999999999999/resolver', 'an id that does not exist', { csrf, note }, pageRefusal([404])),
      formCase('/admin/opiniones/0/resolver', 'the id 0', { csrf, note }, pageRefusal([404])),
      ...['abc', '-1', '1e9999', '99999999999999999999', '1.5', '%00'].map((id) =>
        formCase(`/admin/opiniones/${id}/resolver`, `the id ${id}`, { csrf, note }, pageRefusal([404])),
      ),
    ];
    expect(await problemsOf(cases)).toEqual([]);
    expect(await feedbackStatus()).toBe('open');
    const errorPage = await send('GET', `/admin/opiniones?error=version&id=${feedbackId}`, { headers: { Cookie: pageCookie } });
    expect(errorPage.status).toBe(200);
    expect(errorPage.text).toContain('Escriba la versión como un número entero');
  });

  it('the workspace forms refuse missing, wrong and oversized fields with a 4xx page', async () => {
    const long = (n: number) => 'x'.repeat(n);
    const cases: Case[] = [
      formCase('/admin/entrar', 'no fields', {}, pageRefusal([400])),
      formCase('/admin/entrar', 'a 300-character email', { email: long(300), password: 'y' }, pageRefusal([400])),
      formCase('/admin/clave', 'no fields', { csrf }, pageRefusal([400])),
      formCase('/admin/clave', 'a 300-character password', { csrf, current_password: long(300), new_password: 'y' }, pageRefusal([400])),
      formCase('/admin/nuevo-tramite', 'no fields', { csrf }, pageRefusal([400])),
      formCase(
        '/admin/nuevo-tramite',
        'a slug with ../ and a cost of 1e9999',
        { csrf, slug: '../etc', title: 'Título', cost_amount: '1e9999', institution: 'rnpn' },
        pageRefusal([400]),
      ),
      formCase(`/admin/tramites/${SLUG}`, 'an empty title and a cost in words', { csrf, title: '', cost_amount: 'diez' }, pageRefusal([400])),
      formCase(
        `/admin/tramites/${SLUG}`,
        'a 5,000-character title',
        { csrf, title: long(5000), summary: long(5000), category: 'identidad', steps: 'Ir', channel_presencial: 'on' },
        pageRefusal([400]),
      ),
      formCase('/admin/tramites/no-existe', 'no fields', { csrf }, pageRefusal()),
      formCase(`/admin/tramites/${SLUG}/archivar`, 'a 600-character note', { csrf, nota: long(600) }, pageRefusal([400])),
      formCase('/admin/tramites/no-existe/verificar', 'a slug that does not exist', { csrf }, pageRefusal([404])),
      formCase('/admin/tramites/no-existe/archivar', 'a slug that does not exist', { csrf }, pageRefusal([404])),
      formCase('/admin/tramites/PRUEBA-EMISION-DUI/verificar', 'an uppercase slug', { csrf }, pageRefusal([404])),
      formCase('/admin/tramites/prueba%00dui/verificar', 'a slug with %00', { csrf }, pageRefusal([404])),
      formCase(`/admin/tramites/${'a'.repeat(121)}/archivar`, 'an overlong slug', { csrf }, pageRefusal([404])),
      formCase('/admin/tramites/tr%C3%A1mite/archivar', 'a unicode slug', { csrf }, pageRefusal([404])),
      formCase('/admin/instituciones', 'no fields', { csrf }, pageRefusal([400])),
      formCase(
        '/admin/instituciones',
        'an accented slug and a javascript: website',
        { csrf, slug: 'ÁÉÍ', name: 'x', acronym: long(40), website: 'javascript:alert(1)' },
        pageRefusal([400]),
      ),
      formCase('/admin/temas', 'no fields', { csrf }, pageRefusal([400])),
      formCase('/admin/temas', 'a slug of .. and a 200-character name', { csrf, slug: '..', name: long(200) }, pageRefusal([400])),
      formCase('/admin/personas', 'no fields', { csrf }, pageRefusal([400])),
      formCase('/admin/personas', 'an email that is not one and an unknown role', { csrf, email: 'no-es-correo', role: 'root' }, pageRefusal([400])),
      formCase(
        '/admin/personas',
        'an institution that does not exist',
        { csrf, email: 'nuevo@portal.test', role: 'officer', institution: 'no-existe' },
        pageRefusal([400]),
      ),
      formCase(
        '/admin/personas',
        'a 121-character institution',
        { csrf, email: 'nuevo@portal.test', role: 'officer', institution: 'a'.repeat(121) },
        pageRefusal([400]),
      ),
      formCase('/admin/tokens', 'a 121-character institution', { csrf, institution: 'a'.repeat(121), name: 'Sistema de prueba' }, pageRefusal([400])),
      formCase(
        '/admin/clave',
        'a 201-character confirmation',
        { csrf, current_password: 'x', new_password: 'y', confirm_password: 'z'.repeat(201) },
        pageRefusal([400]),
      ),
      formCase('/admin/personas', 'an unknown queue', { csrf, email: 'operador@portal.test', role: 'operator', queue: 'xyz' }, pageRefusal([400])),
      formCase('/admin/personas/abc/desactivar', 'the id abc', { csrf }, pageRefusal([404])),
      formCase('/admin/personas/-1/desactivar', 'the id -1', { csrf }, pageRefusal([404])),
      formCase('/admin/personas/999999999999/desactivar', 'an id that does not exist', { csrf }, pageRefusal([404])),
      formCase('/admin/tokens', 'no fields', { csrf }, pageRefusal([400])),
      formCase('/admin/tokens', 'an institution that does not exist', { csrf, institution: 'no-existe', name: 'Sistema de prueba' }, pageRefusal([404])),
      formCase('/admin/tokens', 'a one-letter name', { csrf, institution: 'rnpn', name: 'x' }, pageRefusal([400])),
      formCase('/admin/tokens/abc/revocar', 'the id abc', { csrf }, pageRefusal([404])),
      formCase('/admin/tokens/0/revocar', 'the id 0', { csrf }, pageRefusal([404])),
      formCase('/admin/nope', 'an action that does not exist', { csrf }, pageRefusal([404])),
    ];
    expect(await problemsOf(cases)).toEqual([]);
    const procedure = await t.store.db.execute({ sql: 'SELECT status, version FROM procedures WHERE slug = ?', args: [SLUG] });
    expect(procedure.rows[0]).toMatchObject({ status: 'published', version: 1 });
  });

  it('the catalog upload refuses bodies that are not valid multipart, and files it cannot read', async () => {
    const multipart = (fields: Record<string, string | File>) => {
      const data = new FormData();
      for (const [name, value] of Object.entries(fields)) data.append(name, value);
      return data;
    };
    const upload = (what: string, body: BodyInit, check: Check, headers: Record<string, string> = {}): Case => ({
      label: `POST /admin/importar, ${what}`,
      send: () => send('POST', '/admin/importar', { headers: { Origin: ORIGIN, Cookie: pageCookie, ...headers }, body }),
      check,
    });
    const boundary = 'frontera';
    const cases: Case[] = [
      upload('a multipart Content-Type with a body that is not multipart', 'esto no es multipart', pageRefusal([400, 403]), {
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
      }),
      upload('multipart without a boundary', `--${boundary}\r\n`, pageRefusal([400, 403]), { 'Content-Type': 'multipart/form-data' }),
      upload(
        'multipart cut off in the middle',
        `--${boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n${csrf}\r\n--${boundary}\r\nContent-Disposition: form-data; name="archivo"; filename="c.json"\r\n\r\n[`,
        pageRefusal([400, 403]),
        { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      ),
      upload('no file', multipart({ csrf }), pageRefusal([400])),
      upload('«archivo» as text, not a file', multipart({ csrf, archivo: 'texto' }), pageRefusal([400])),
      upload('an empty file', multipart({ csrf, archivo: new File([], 'vacio.json') }), pageRefusal([400])),
      upload('a file that is neither .json nor .csv', multipart({ csrf, archivo: new File(['MZ'], 'catalogo.exe') }), pageRefusal([400])),
      upload('a .json file that is not JSON', multipart({ csrf, archivo: new File(['{'], 'catalogo.json') }), pageRefusal([400])),
      upload('a .json file that is not a list', multipart({ csrf, archivo: new File(['{"slug":"x"}'], 'catalogo.json') }), pageRefusal([400])),
      upload(
        'a .json list of things that are not procedures',
        multipart({ csrf, archivo: new File(['[1, "x", null, {}]'], 'catalogo.json'), prueba: 'on' }),
        pageRefusal(),
      ),
      upload(
        'a .csv file with an unclosed quote',
        multipart({ csrf, archivo: new File(['slug,title\n"sin cerrar'], 'catalogo.csv'), prueba: 'on' }),
        pageRefusal([400]),
      ),
      upload(
        'a .csv file in UTF-16 with a NUL in it',
        multipart({ csrf, archivo: new File([new Uint8Array([0xff, 0xfe, 0x73, 0x00, 0x00, 0x00])], 'catalogo.csv'), prueba: 'on' }),
        pageDrawn,
      ),
    ];
    expect(await problemsOf(cases)).toEqual([]);
  });

  it('the public forms refuse unknown procedures and bad fields without a 500, and redirect back with an error', async () => {
    const opinion = `/tramites/${SLUG}/opinion`;
    const backToProcedure = redirectTo((location) => location.startsWith(`/tramites/${SLUG}?opinion=error`), 'the procedure with opinion=error');
    const backToSearch = (aviso: string) =>
      redirectTo((location) => location.startsWith('/buscar?') && location.includes(`aviso=${aviso}`), `/buscar with aviso=${aviso}`);
    const publicForm = (path: string, what: string, fields: Fields, check: Check): Case => ({
      label: `POST ${short(path)}, ${what}`,
      send: () => send('POST', path, { headers: { Origin: ORIGIN }, body: new URLSearchParams(fields) }),
      check,
    });
    const badSlugs = BAD_PATH_VALUES.slug.filter(([, value]) => value !== '..');
    const cases: Case[] = [
      ...badSlugs.map(([what, value]) => publicForm(`/tramites/${value}/opinion`, what, { kind: 'useful' }, spanishRefusal([404]))),
      publicForm(opinion, 'an unknown kind', { kind: 'xyz' }, backToProcedure),
      publicForm(opinion, 'no kind', {}, backToProcedure),
      publicForm(opinion, 'an unknown part', { kind: 'not_like_this', part: 'xyz' }, backToProcedure),
      publicForm(opinion, 'a 5,000-character message', { kind: 'not_like_this', message: 'm'.repeat(5000) }, backToProcedure),
      publicForm(opinion, 'a message of control characters', { kind: 'not_like_this', message: '\u0001\u0002' }, backToProcedure),
      {
        label: `POST ${opinion}, a body that is not multipart under a multipart Content-Type`,
        send: () =>
          send('POST', opinion, { headers: { Origin: ORIGIN, 'Content-Type': 'multipart/form-data; boundary=frontera' }, body: 'esto no es multipart' }),
        check: backToProcedure,
      },
      {
        label: `POST ${opinion}, a body over 64 KB`,
        send: () =>
          send('POST', opinion, { headers: { Origin: ORIGIN }, body: new URLSearchParams({ kind: 'not_like_this', message: 'm'.repeat(OVER_FORM_LIMIT) }) }),
        check: spanishRefusal([413]),
      },
      publicForm('/buscar/falta', 'an empty search', { q: '' }, backToSearch('error')),
      publicForm('/buscar/falta', 'a 5,000-character search', { q: 'q'.repeat(5000) }, backToSearch('error')),
      publicForm('/buscar/falta', 'a 5,000-character detail', { q: 'licencia de pesca', detalle: 'd'.repeat(5000) }, backToSearch('error')),
      publicForm('/buscar/falta', 'a search with CR/LF and a header', { q: 'pesca\r\nSet-Cookie: x=1' }, backToSearch('gracias')),
      publicForm('/buscar/falta', 'the honeypot filled', { q: 'pesca', sitio_web: 'https://spam.example' }, backToSearch('gracias')),
      {
        label: 'POST /buscar/falta, a body that is not multipart under a multipart Content-Type',
        send: () =>
          send('POST', '/buscar/falta', {
            headers: { Origin: ORIGIN, 'Content-Type': 'multipart/form-data; boundary=frontera' },
            body: 'esto no es multipart',
          }),
        check: backToSearch('error'),
      },
      {
        label: 'POST /buscar/falta, a body over 64 KB',
        send: () => send('POST', '/buscar/falta', { headers: { Origin: ORIGIN }, body: new URLSearchParams({ q: 'q'.repeat(OVER_FORM_LIMIT) }) }),
        check: spanishRefusal([413]),
      },
      {
        label: 'POST /admin/tokens, a body over 64 KB',
        send: () => form('/admin/tokens', { csrf, name: 'n'.repeat(OVER_FORM_LIMIT) }),
        check: spanishRefusal([413]),
      },
      {
        label: 'POST /admin/tokens, a body that is not multipart under a multipart Content-Type',
        send: () =>
          send('POST', '/admin/tokens', {
            headers: { Origin: ORIGIN, Cookie: pageCookie, 'Content-Type': 'multipart/form-data; boundary=frontera' },
            body: 'esto no es multipart',
          }),
        check: pageRefusal([400, 403]),
      },
    ];
    expect(await problemsOf(cases)).toEqual([]);
  });

  it('form posts with a foreign Origin, a cross-site Sec-Fetch-Site, or neither Origin nor Sec-Fetch-Site are a 403', async () => {
    const fields = (path: string): Fields => (path.startsWith('/admin/') && path !== '/admin/entrar' ? { csrf } : { kind: 'useful', q: 'pesca' });
    const crossSite = new Set(['/admin/entrar', '/admin/tokens', `/tramites/${SLUG}/opinion`, '/buscar/falta']);
    const cases = FORM_POSTS.flatMap((path): Case[] => [
      { label: `POST ${path} with Origin ${EVIL}`, send: () => form(path, fields(path), { Origin: EVIL }), check: spanishRefusal([403]) },
      {
        label: `POST ${path} with neither Origin nor Sec-Fetch-Site`,
        send: () => send('POST', path, { headers: { Cookie: pageCookie }, body: new URLSearchParams(fields(path)) }),
        check: spanishRefusal([403]),
      },
      ...(crossSite.has(path)
        ? [
            {
              label: `POST ${path} with Sec-Fetch-Site: cross-site and no Origin`,
              send: () => send('POST', path, { headers: { Cookie: pageCookie, 'Sec-Fetch-Site': 'cross-site' }, body: new URLSearchParams(fields(path)) }),
              check: spanishRefusal([403]),
            },
          ]
        : []),
    ]);
    expect(await problemsOf(cases)).toEqual([]);
    expect((await send('GET', '/admin', { headers: { Cookie: pageCookie } })).status).toBe(200);
  });
});

describe('pages asked for with odd paths and query values are drawn or refused, never a 500', () => {
  it('public pages answer 200 or a 4xx page for bad query values and slugs', async () => {
    const paths = [
      '/buscar?pagina=abc',
      '/buscar?pagina=1e9999&en_linea=2',
      '/buscar?categoria=%00&institucion=..%2F..',
      '/buscar?q=%E0%A4%A',
      `/buscar?q=${'x'.repeat(5000)}`,
      '/buscar?aviso=%0d%0a&q=%22*NEAR(',
      '/tramites/NO-EXISTE',
      '/tramites/prueba%00dui',
      '/tramites/%E0%A4%A',
      `/tramites/${'a'.repeat(121)}`,
      `/tramites/${SLUG}?opinion=%0d%0a&campo=%3Cscript%3E&tipo=xyz`,
      '/categorias/%E0%A4%A',
      '/categorias/tr%C3%A1mite',
      '/instituciones/%2e%2e%2fadmin',
      '/instituciones/RNPN',
    ];
    const cases = paths.map((path): Case => ({ label: `GET ${short(path)}`, send: () => send('GET', path), check: pageDrawn }));
    expect(await problemsOf(cases)).toEqual([]);
  });

  it('workspace pages answer 200 or a 4xx page for bad query values and slugs', async () => {
    const paths = [
      '/admin?aviso=%3Cscript%3E',
      '/admin/opiniones?estado=xyz&tipo=xyz&tramite=NO-EXISTE&id=abc&error=zzz',
      '/admin/opiniones?error=nota&id=%0d%0a',
      '/admin/tramites/NO-EXISTE',
      '/admin/tramites/no-existe',
      '/admin/tramites/%E0%A4%A',
      '/admin/tramites/no-existe/historial',
      `/admin/tramites/${'a'.repeat(121)}/historial`,
      '/admin/personas?aviso=%E0%A4%A',
      '/admin/tokens?aviso=creado',
      '/admin/importar?prueba=xyz',
      '/admin/nope',
    ];
    const cases = paths.map((path): Case => ({
      label: `GET ${short(path)} signed in`,
      send: () => send('GET', path, { headers: { Cookie: pageCookie } }),
      check: pageDrawn,
    }));
    expect(await problemsOf(cases)).toEqual([]);
  });
});

describe('after all of the above', () => {
  it('nothing was logged as an unhandled error, and the test stayed bounded', () => {
    expect(unhandled).toEqual([]);
    // Every route × case × caller, in process: about 1,350 requests (the reports routes added ~250, the workspace findings ~230), a few seconds.
    expect(requestsSent).toBeLessThan(1400);
  });
});
