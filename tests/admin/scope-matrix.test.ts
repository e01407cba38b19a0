import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeeklyReports } from '../../store/transparency/weekly.ts';
import { NEW_PROCEDURE_PATH } from '../../api/admin/paths.ts';
import { createApi } from '../../api/app.ts';
import { consoleLog } from '../../api/errors.ts';
import { createWebApp } from '../../api/web-app.ts';
import { verifyProcedure } from '../../store/catalog/editing.ts';
import type { ProcedureDocumentInput } from '../../store/catalog/exchange-format.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { saveCategory, saveInstitution } from '../../store/catalog/reference.ts';
import { createPerson, personActor } from '../../store/people/people.ts';
import { createApiToken, readApiToken } from '../../store/people/tokens.ts';
import { systemActor, type Actor } from '../../store/policy.ts';
import { createReport } from '../../store/reports/reports.ts';
import { saveRoute } from '../../store/reports/routing.ts';
import { formatTrackingCode } from '../../store/reports/tracking-code.ts';
import { asRows, createTestStore, type TestStore } from '../fixtures/store.ts';
import { createTestWebApp } from '../fixtures/web.ts';

/**
 * The scope matrix: every JSON admin route (read from the OpenAPI document, so a new route cannot
 * be left out), every HTML form POST under /admin (read from api/admin/pages.ts) and every admin
 * page (read from site/pages/admin), for every kind of caller, against an entry of the caller's own
 * institution and one of another. A cell that succeeds must change exactly what it says; a cell
 * that is refused must change nothing (audit log, procedures, feedback, people, tokens,
 * institutions, themes).
 *
 * Each cell works on its own target (a procedure, a feedback row, a person or a token created for it
 * in beforeAll), or restores what it changed, so no cell depends on another.
 */

const ORIGIN = 'http://portal.test';
const FAST = 1_000; // PBKDF2 iterations: accounts are hashed and checked with the same count.
const SIGN_IN = /^\/admin\/entrar\?volver=/;
const NEW_PASSWORD = 'girasol-tranvia-nube-ocho';

// --- Who calls ----------------------------------------------------------------------------------

type Role = 'anonymous' | 'officer-rnpn' | 'officer-dgme' | 'operator' | 'token-rnpn' | 'admin' | 'one-time';
type PersonRole = Exclude<Role, 'anonymous' | 'token-rnpn'>;
const ROLES: readonly Role[] = ['anonymous', 'officer-rnpn', 'officer-dgme', 'operator', 'token-rnpn', 'admin', 'one-time'];
const PERSON_ROLES: readonly PersonRole[] = ['officer-rnpn', 'officer-dgme', 'operator', 'admin', 'one-time'];
const ROLE_NAMES: Record<Role, string> = {
  anonymous: 'an anonymous caller',
  'officer-rnpn': 'the RNPN officer',
  'officer-dgme': 'the DGME officer',
  operator: 'an operator',
  'token-rnpn': 'the RNPN institution token',
  admin: 'an admin',
  'one-time': 'a person still on the one-time password',
};
/** The shared accounts (the one-time one is an RNPN officer who never changed the password). */
const ACCOUNTS: Record<PersonRole, { email: string; role: 'admin' | 'officer' | 'operator'; institution?: string; queue?: string }> = {
  admin: { email: 'admin@portal.test', role: 'admin' },
  'officer-rnpn': { email: 'oficial@rnpn.gob.sv', role: 'officer', institution: 'rnpn' },
  'officer-dgme': { email: 'oficial@dgme.gob.sv', role: 'officer', institution: 'dgme' },
  operator: { email: 'operador@portal.test', role: 'operator', queue: 'quejas' },
  'one-time': { email: 'recien-llegada@rnpn.gob.sv', role: 'officer', institution: 'rnpn' },
};
const TOKEN_NAME = 'Sistema de citas RNPN de la matriz';

/** The institution a caller keeps, and one it does not (RNPN and DGME for callers without one). */
const own = (role: Role) => (role === 'officer-dgme' ? 'dgme' : 'rnpn');
const foreign = (role: Role) => (role === 'officer-dgme' ? 'rnpn' : 'dgme');
const instOf = (role: Role, target: string) => (target === 'foreign' ? foreign(role) : own(role));
const keepsCatalog = (role: Role) => role === 'officer-rnpn' || role === 'officer-dgme' || role === 'token-rnpn';
const isOfficer = (role: Role) => role === 'officer-rnpn' || role === 'officer-dgme';

// --- What is read: the fixture entries and feedback texts, never shown outside their scope ---

const FIXTURE: Record<string, { slug: string; title: string; summary: string }> = {
  rnpn: {
    slug: 'prueba-emision-dui',
    title: 'Emisión de prueba del DUI',
    summary: 'Trámite de prueba para obtener el documento de identidad por primera vez.',
  },
  dgme: {
    slug: 'prueba-pasaporte-renovacion',
    title: 'Renovación de prueba del pasaporte',
    summary: 'Trámite de prueba para renovar el pasaporte ordinario vencido o por vencer.',
  },
};
const FEEDBACK_TEXT: Record<string, string> = {
  rnpn: 'Opinión reservada sobre el DUI en la matriz',
  dgme: 'Opinión reservada sobre el pasaporte en la matriz',
};
/** What a refused page may never show. */
const SECRETS = [FIXTURE.rnpn.title, FIXTURE.dgme.title, FEEDBACK_TEXT.rnpn, FEEDBACK_TEXT.dgme, ACCOUNTS.admin.email, TOKEN_NAME];

// --- Targets each cell needs, registered while the cells are collected, created in beforeAll ---

const needs = {
  procedures: new Map<string, string>(), // slug → institution
  feedback: new Map<string, string>(), // key → institution (a row on that institution's fixture entry)
  people: new Map<string, string>(), // email → institution (an officer to disable)
  tokens: new Map<string, string>(), // name → institution (a token to revoke)
  accounts: new Map<string, { role: 'admin' | 'officer' | 'operator'; institution?: string; queue?: string; oneTime: boolean }>(), // signed in by the cell itself
  reports: new Map<string, { kind: 'complaint' | 'violence' | 'missing_requirement' | 'emergency'; institution: string; early?: boolean }>(), // key → a case of its own (with a contact)
  routes: new Map<string, string>(), // key → a routing rule of its own (on the matrix entry of that key)
  drafts: new Map<string, string>(), // slug → institution (a new entry proposed by a bulk import)
};
/** A case for the cell: a complaint routed to `institution`, or a violence case (198 queue only). */
const needReport = (key: string, target: string, role: Role) => {
  needs.reports.set(key, target === 'violence' ? { kind: 'violence', institution: 'rnpn' } : { kind: 'complaint', institution: instOf(role, target) });
  return key;
};
/**
 * A case for a workspace cell (never a complaint, so the JSON list's complaints stay as they are):
 * a «requisito» case on its own or another institution's fixture entry, an emergency (another
 * queue than the matrix's quejas operator works, with no institution), or a violence case.
 * `early`: its deadline before every other case's, so it is on the first page of every queue.
 */
const needCase = (key: string, target: string, role: Role, early = false) => {
  needs.reports.set(
    key,
    target === 'violence'
      ? { kind: 'violence', institution: 'rnpn', early }
      : target === 'other-queue'
        ? { kind: 'emergency', institution: 'rnpn', early }
        : { kind: 'missing_requirement', institution: instOf(role, target), early },
  );
  return key;
};
const reportCodes = new Map<string, string>(); // key → tracking code (formatted)
const routeIds = new Map<string, number>();
const entrySlug = (key: string) => `m-${key}`;
const needEntry = (key: string, institution: string) => {
  needs.procedures.set(entrySlug(key), institution);
  return entrySlug(key);
};
const draftSlug = (key: string) => `b-${key}`;
const needDraft = (key: string, institution: string) => {
  needs.drafts.set(draftSlug(key), institution);
  return draftSlug(key);
};
/** One waiting draft per institution, for the drafts page's scoped read. */
const DRAFT_TITLE: Record<string, string> = { rnpn: 'Borrador de la matriz del RNPN', dgme: 'Borrador de la matriz de la DGME' };
/** A dedicated account of the same kind as `role`, for cells that sign in, change a password or sign out. */
const needAccount = (prefix: string, role: PersonRole) => {
  const email = `${prefix}-${role}@portal.test`;
  const { role: kind, institution, queue } = ACCOUNTS[role];
  needs.accounts.set(email, { role: kind, institution, queue, oneTime: role === 'one-time' });
  return email;
};

function entryDoc(slug: string, institution: string, extra: Partial<ProcedureDocumentInput> = {}): ProcedureDocumentInput {
  return {
    slug,
    title: `Trámite de la matriz ${slug}`.slice(0, 160),
    summary: 'Entrada de prueba creada para la matriz de permisos.',
    category: 'identidad',
    institution,
    requirements: ['Ninguno'],
    steps: ['Presentarse en la oficina'],
    cost: { amount: 0, currency: 'USD' },
    channels: ['presencial'],
    updated_at: '2026-01-15',
    ...extra,
  };
}
/** The edit form's fields for an entry (institution only counts for admins). */
function formOf(slug: string, institution: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    slug,
    title: `Trámite de la matriz ${slug}`.slice(0, 160),
    summary: 'Resumen cambiado desde el formulario de la matriz.',
    category: 'identidad',
    institution,
    requirements: 'Ninguno',
    steps: 'Presentarse en la oficina',
    cost_amount: '0',
    channel_presencial: 'on',
    accion: 'publicar',
    nota: 'Cambio de la matriz',
    ...extra,
  };
}

// --- State set up in beforeAll ------------------------------------------------------------------

let t: TestStore;
let app: ReturnType<typeof createWebApp>;
let tokenRnpn = '';
let adminActor: Actor;
const passwords = new Map<string, string>(); // email → current password
const jsonCookies: Partial<Record<Role, string>> = {};
const htmlSessions: Partial<Record<Role, { cookie: string; csrf: string }>> = {};
const feedbackIds = new Map<string, number>();
const personIds = new Map<string, number>();
const tokenIds = new Map<string, number>();
const institutionIds = new Map<string, number>();
const institutionRows = new Map<string, { name: string; acronym?: string; website?: string }>();
const categoryRows = new Map<string, { name: string; description?: string }>();
/** Weekly report ids by institution slug ('' = the whole portal's). */
const weeklyIds = new Map<string, number>();

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = await createTestWebApp(t, { remoteAddress: () => '192.0.2.91' });
  const admin = await createPerson(t.store, { email: ACCOUNTS.admin.email, role: 'admin' }, null, { iterations: FAST });
  adminActor = personActor(admin.person);
  passwords.set(ACCOUNTS.admin.email, admin.oneTimePassword);
  for (const role of PERSON_ROLES.filter((r) => r !== 'admin')) {
    const { email, role: kind, institution, queue } = ACCOUNTS[role];
    passwords.set(
      email,
      (await createPerson(t.store, { email, role: kind, institutionSlug: institution, queue }, adminActor, { iterations: FAST })).oneTimePassword,
    );
  }
  for (const [email, account] of needs.accounts) {
    passwords.set(
      email,
      (await createPerson(t.store, { email, role: account.role, institutionSlug: account.institution, queue: account.queue }, adminActor, { iterations: FAST }))
        .oneTimePassword,
    );
  }
  tokenRnpn = (await createApiToken(t.store, adminActor, 'rnpn', TOKEN_NAME)).token;
  await buildWeeklyReports(t.store);
  for (const row of (await t.store.db.execute('SELECT w.id, i.slug FROM weekly_reports w LEFT JOIN institutions i ON i.id = w.institution_id')).rows) {
    weeklyIds.set(row.slug === null ? '' : String(row.slug), Number(row.id));
  }

  for (const row of (await t.store.db.execute('SELECT id, slug, name, acronym, website FROM institutions')).rows) {
    institutionIds.set(String(row.slug), Number(row.id));
    institutionRows.set(String(row.slug), {
      name: String(row.name),
      acronym: row.acronym === null ? undefined : String(row.acronym),
      website: row.website === null ? undefined : String(row.website),
    });
  }
  for (const row of (await t.store.db.execute('SELECT slug, name, description FROM categories')).rows) {
    categoryRows.set(String(row.slug), { name: String(row.name), description: row.description === null ? undefined : String(row.description) });
  }

  const report = await importCatalog(t.store, asRows([...needs.procedures].map(([slug, institution]) => entryDoc(slug, institution))), {
    actor: systemActor('cli'),
    source: 'matriz',
  });
  if (!report.written) throw new Error(`matrix entries rejected: ${JSON.stringify(report.issues)}`);
  const drafts = await importCatalog(
    t.store,
    asRows([
      ...[...needs.drafts].map(([slug, institution]) => entryDoc(slug, institution)),
      ...Object.entries(DRAFT_TITLE).map(([institution, title]) => entryDoc(`borrador-fijo-${institution}`, institution, { title })),
    ]),
    { actor: systemActor('cli'), source: 'matriz', asDrafts: true },
  );
  if (!drafts.written) throw new Error(`matrix drafts rejected: ${JSON.stringify(drafts.issues)}`);

  const feedbackRows = [...needs.feedback].map(([key, institution]) => ({
    sql: "INSERT INTO feedback (procedure_id, kind, part, message) SELECT id, 'not_like_this', 'costo', ? FROM procedures WHERE slug = ?",
    args: [`Opinión de la celda ${key}`, FIXTURE[institution].slug],
  }));
  await t.store.batch([
    ...feedbackRows,
    ...Object.entries(FIXTURE).flatMap(([institution, entry]) => [
      {
        sql: "INSERT INTO feedback (procedure_id, kind, part, message) SELECT id, 'not_like_this', 'oficinas', ? FROM procedures WHERE slug = ?",
        args: [FEEDBACK_TEXT[institution], entry.slug],
      },
      { sql: "INSERT INTO feedback (procedure_id, kind) SELECT id, 'want_online' FROM procedures WHERE slug = ?", args: [entry.slug] },
    ]),
  ]);
  for (const row of (await t.store.db.execute("SELECT id, message FROM feedback WHERE message LIKE 'Opinión de la celda %'")).rows) {
    feedbackIds.set(String(row.message).slice('Opinión de la celda '.length), Number(row.id));
  }
  for (const [email, institution] of needs.people) {
    personIds.set(email, (await createPerson(t.store, { email, role: 'officer', institutionSlug: institution }, adminActor, { iterations: FAST })).person.id);
  }
  for (const [name, institution] of needs.tokens) tokenIds.set(name, (await createApiToken(t.store, adminActor, institution, name)).id);

  for (const [key, { kind, institution }] of needs.reports) {
    const { code } = await createReport(
      t.store,
      {
        kind,
        channel: 'web',
        description: `Relato reservado de la celda ${key}`,
        institutionSlug: kind === 'complaint' ? institution : undefined,
        procedureSlug: kind === 'missing_requirement' ? FIXTURE[institution].slug : undefined,
        anonymous: false,
        contact: { channel: 'email', value: `persona-${key}@correo.test` },
        codeWord: kind === 'violence' ? 'palabra de la matriz' : undefined,
      },
      { codeWordIterations: FAST },
    );
    reportCodes.set(key, formatTrackingCode(code));
  }
  const early = [...needs.reports].filter(([, need]) => need.early).map(([key]) => (reportCodes.get(key) ?? '').replace(/-/g, ''));
  if (early.length > 0)
    await t.store.batch([{ sql: `UPDATE reports SET due_at = '2026-01-01T00:00:00.000Z' WHERE code IN (${early.map(() => '?').join(', ')})`, args: early }]);
  for (const key of needs.routes.keys()) {
    await saveRoute(t.store, adminActor, { kind: 'complaint', procedure: entrySlug(key), queue: 'quejas', toNamed: true, priority: 'normal' });
    const row = await t.store.db.execute({
      sql: 'SELECT r.id FROM report_routes r JOIN procedures p ON p.id = r.procedure_id WHERE p.slug = ?',
      args: [entrySlug(key)],
    });
    routeIds.set(key, Number(row.rows[0].id));
  }

  // Everyone has chosen a password, except the one-time accounts.
  const oneTime = [ACCOUNTS['one-time'].email, ...[...needs.accounts].filter(([, a]) => a.oneTime).map(([email]) => email)];
  await t.store.batch([
    'UPDATE people SET must_change_password = 0',
    { sql: `UPDATE people SET must_change_password = 1 WHERE email IN (${oneTime.map(() => '?').join(', ')})`, args: oneTime },
  ]);
  for (const role of PERSON_ROLES) {
    jsonCookies[role] = await jsonSignIn(ACCOUNTS[role].email);
    htmlSessions[role] = await htmlSignIn(ACCOUNTS[role].email);
  }
});
afterAll(() => t?.cleanup());

// --- Requests -----------------------------------------------------------------------------------

async function jsonSignIn(email: string): Promise<string> {
  const response = await app.request(`${ORIGIN}/api/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
    body: JSON.stringify({ email, password: passwords.get(email) }),
  });
  if (response.status !== 200) throw new Error(`JSON sign-in of ${email}: ${response.status}`);
  return (response.headers.get('Set-Cookie') ?? '').split(';')[0];
}

async function htmlSignIn(email: string): Promise<{ cookie: string; csrf: string }> {
  const response = await app.request(`${ORIGIN}/admin/entrar`, {
    method: 'POST',
    body: new URLSearchParams({ email, password: passwords.get(email) ?? '' }),
    headers: { Origin: ORIGIN },
  });
  if (response.status !== 303) throw new Error(`HTML sign-in of ${email}: ${response.status}`);
  const cookie = (response.headers.get('Set-Cookie') ?? '').split(';')[0];
  // /admin/clave is drawn for every person, also one still on a one-time password.
  const html = await (await app.request(`${ORIGIN}/admin/clave`, { headers: { Cookie: cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error(`no CSRF token for ${email}`);
  return { cookie, csrf };
}

function callJson(role: Role, method: string, path: string, body?: unknown, cookie?: string) {
  const headers: Record<string, string> = { Origin: ORIGIN };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (role === 'token-rnpn') headers.Authorization = `Bearer ${tokenRnpn}`;
  const session = cookie ?? jsonCookies[role];
  if (session) headers.Cookie = session;
  return app.request(`${ORIGIN}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** A form POST as `role`: its HTML session and CSRF token; the token is sent as a bearer header (forms ignore it). */
function postForm(
  role: Role,
  path: string,
  fields: Record<string, string> | FormData,
  session: { cookie: string; csrf: string } | null = htmlSessions[role] ?? null,
) {
  const headers: Record<string, string> = { Origin: ORIGIN };
  if (role === 'token-rnpn') headers.Authorization = `Bearer ${tokenRnpn}`;
  if (session) headers.Cookie = session.cookie;
  let body: FormData | URLSearchParams;
  if (fields instanceof FormData) {
    if (session) fields.set('csrf', session.csrf);
    body = fields;
  } else {
    body = new URLSearchParams({ ...fields, ...(session ? { csrf: session.csrf } : {}) });
  }
  return app.request(`${ORIGIN}${path}`, { method: 'POST', body, headers });
}

function getPage(role: Role, path: string) {
  const headers: Record<string, string> = {};
  if (role === 'token-rnpn') headers.Authorization = `Bearer ${tokenRnpn}`;
  const session = htmlSessions[role];
  if (session) headers.Cookie = session.cookie;
  return app.request(`${ORIGIN}${path}`, { headers });
}

/** An upload of exchange-format records as the importer's form sends it. */
function uploadForm(records: unknown[], options: { dryRun?: boolean } = {}): FormData {
  const form = new FormData();
  form.set('archivo', new File([JSON.stringify(records, null, 2)], 'carga.json', { type: 'application/json' }));
  if (options.dryRun) form.set('prueba', 'on');
  return form;
}

// --- Snapshots: what a refused write must leave as it was ---------------------------------------

interface Snapshot {
  audit: number;
  rows: Map<string, string>;
}

async function snapshot(): Promise<Snapshot> {
  const rows = new Map<string, string>();
  const add = async (prefix: string, key: string, sql: string) => {
    const result = await t.store.db.execute(sql);
    for (const row of result.rows) rows.set(`${prefix}:${String(row[key])}`, JSON.stringify(result.columns.map((column) => row[column])));
  };
  await add('procedure', 'slug', 'SELECT slug, institution_id, version, status, updated_at, verified_at FROM procedures');
  await add('feedback', 'id', 'SELECT id, status FROM feedback');
  await add('person', 'email', 'SELECT email, role, institution_id, queue, disabled_at, must_change_password, password_hash FROM people');
  await add('token', 'name', 'SELECT name, institution_id, revoked_at FROM api_tokens');
  await add('institution', 'slug', 'SELECT slug, name, acronym, website, profile FROM institutions');
  await add('category', 'slug', 'SELECT slug, name, description FROM categories');
  await add('moved', 'address', "SELECT kind || ':' || old_slug AS address, new_slug FROM moved_addresses");
  await add('report', 'code', 'SELECT code, state, institution_id, taken_by, updated_at, contact IS NULL AS no_contact FROM reports');
  await add('events', 'code', 'SELECT r.code, count(e.id) AS n FROM reports r LEFT JOIN report_events e ON e.report_id = r.id GROUP BY r.id');
  await add(
    'route',
    'rule',
    "SELECT r.kind || ':' || coalesce(i.slug, '*') || ':' || coalesce(p.slug, '*') AS rule, r.queue, r.target_institution_id, r.to_named, r.priority FROM report_routes r LEFT JOIN institutions i ON i.id = r.institution_id LEFT JOIN procedures p ON p.id = r.procedure_id",
  );
  const audit = Number((await t.store.db.execute('SELECT count(*) AS n FROM audit_log')).rows[0].n);
  return { audit, rows };
}

/** What changed between two snapshots: `audit+N` and `kind:key` for every row added, removed or changed. */
function changesBetween(before: Snapshot, after: Snapshot): string[] {
  const keys = new Set([...before.rows.keys(), ...after.rows.keys()]);
  const changed = [...keys].filter((key) => before.rows.get(key) !== after.rows.get(key));
  if (after.audit !== before.audit) changed.push(`audit${after.audit > before.audit ? '+' : ''}${after.audit - before.audit}`);
  return changed.sort();
}

async function institutionOf(slug: string): Promise<string> {
  const rows = await t.store.db.execute({
    sql: 'SELECT i.slug FROM procedures p JOIN institutions i ON i.id = p.institution_id WHERE p.slug = ?',
    args: [slug],
  });
  return String(rows.rows[0]?.slug);
}

// --- Expectations -------------------------------------------------------------------------------

interface Cell {
  role: Role;
  target: string;
  /** Unique per route × role × target; names the cell's own targets. */
  key: string;
}

interface Outcome {
  allowed: boolean;
  status: number;
  /** JSON: the error code of a refusal. */
  code?: string;
  /** HTML: where a 303 leads. */
  location?: string | RegExp;
  /** Exactly what the call changes (see changesBetween); none when absent. */
  changes?: string[];
  has?: string[];
  lacks?: string[];
  /** Further checks once the answer is in (and state to put back); `cookie` is the session the call used. */
  then?: (text: string, cookie?: string) => Promise<void>;
}

const allowed = (status: number, more: Omit<Outcome, 'allowed' | 'status'> = {}): Outcome => ({ allowed: true, status, ...more });
const refused = (status: number, more: Omit<Outcome, 'allowed' | 'status'> = {}): Outcome => ({ allowed: false, status, ...more });

/**
 * A JSON route behind requireActor: 401 without a session or token, 403 password_change_required
 * on a one-time password, 403 forbidden outside `may`; `ok` otherwise.
 */
const guardedJson =
  (may: (cell: Cell) => boolean, ok: (cell: Cell) => Outcome) =>
  (cell: Cell): Outcome => {
    if (cell.role === 'anonymous') return refused(401, { code: 'unauthorized' });
    if (cell.role === 'one-time') return refused(403, { code: 'password_change_required' });
    return may(cell) ? ok(cell) : refused(403, { code: 'forbidden' });
  };

/**
 * A workspace form or page: 303 to sign in without a session (a bearer token is no session), 303
 * to /admin/clave on a one-time password, the 403 «Sin acceso» page (showing nothing private)
 * outside `may`; `ok` otherwise.
 */
const guardedHtml =
  (may: (cell: Cell) => boolean, ok: (cell: Cell) => Outcome, refusal: (cell: Cell) => Outcome = () => refused(403, { has: ['Sin acceso'], lacks: SECRETS })) =>
  (cell: Cell): Outcome => {
    if (cell.role === 'anonymous' || cell.role === 'token-rnpn') return refused(303, { location: SIGN_IN });
    if (cell.role === 'one-time') return refused(303, { location: '/admin/clave' });
    return may(cell) ? ok(cell) : refusal(cell);
  };

/** Admins anywhere; officers and the token in their own institution only. */
const keepsOwn = (cell: Cell) => cell.role === 'admin' || (keepsCatalog(cell.role) && cell.target === 'own');
/** Admins anywhere; officers in their own institution only (tokens never). */
const officerOwn = (cell: Cell) => cell.role === 'admin' || (isOfficer(cell.role) && cell.target === 'own');
/** Readers of a scoped list: admins, and officers (who must see only their own institution's rows). */
const officersAndAdmin = (cell: Cell) => cell.role === 'admin' || isOfficer(cell.role);
const catalogKeepers = (cell: Cell) => cell.role === 'admin' || keepsCatalog(cell.role);
const adminOnly = (cell: Cell) => cell.role === 'admin';

/** A scoped list: own rows shown; another institution's shown to admins only, never to anyone else. */
const scopedRead = (cell: Cell, ownMarker: string, foreignMarker: string): Pick<Outcome, 'has' | 'lacks'> =>
  cell.role === 'admin'
    ? { has: [cell.target === 'own' ? ownMarker : foreignMarker] }
    : cell.target === 'own'
      ? { has: [ownMarker], lacks: [foreignMarker] }
      : { lacks: [foreignMarker] };

const TARGETS = {
  entry: { own: 'on an entry of its own institution', foreign: 'on an entry of another institution' },
  list: { own: 'its own institution’s rows', foreign: 'another institution’s rows' },
};

// --- The JSON admin API -------------------------------------------------------------------------

interface JsonRoute {
  targets: Record<string, string>;
  /** Registers the targets a cell needs, while cells are collected. */
  prepare?: (cell: Cell) => void;
  request: (cell: Cell) => Promise<{ path: string; body?: unknown; cookie?: string }> | { path: string; body?: unknown; cookie?: string };
  outcome: (cell: Cell) => Outcome;
}

const putTargets = {
  own: 'publish an entry of its own institution',
  foreign: 'take another institution’s entry into its own',
  'foreign-in-place': 'edit another institution’s entry in place',
  'new-theme': 'publish its own entry under a theme that does not exist',
  'unknown-institution': 'publish a new entry in an institution that does not exist',
};

const JSON_ROUTES: Record<string, JsonRoute> = {
  'POST /api/admin/login': {
    targets: { self: 'sign in with the credentials it has' },
    request: ({ role }) => ({
      path: '/api/admin/login',
      cookie: '', // a fresh browser: signing in ends the session a browser already has
      // Anonymous: an unknown account; the token: its bearer secret is not a password.
      body:
        role === 'anonymous'
          ? { email: 'nadie@portal.test', password: 'no-es-la-clave-de-nadie' }
          : role === 'token-rnpn'
            ? { email: 'sistema@rnpn.gob.sv', password: tokenRnpn }
            : { email: ACCOUNTS[role].email, password: passwords.get(ACCOUNTS[role].email) },
    }),
    outcome: ({ role }) =>
      role === 'anonymous' || role === 'token-rnpn'
        ? refused(401, { code: 'invalid_credentials' })
        : allowed(200, { has: [`"mustChangePassword":${role === 'one-time'}`] }),
  },
  'POST /api/admin/logout': {
    targets: { self: 'sign out' },
    prepare: ({ role }) => {
      if (role !== 'anonymous' && role !== 'token-rnpn') needAccount('salida-json', role);
    },
    request: async ({ role }) => ({
      path: '/api/admin/logout',
      cookie: role === 'anonymous' || role === 'token-rnpn' ? undefined : await jsonSignIn(`salida-json-${role}@portal.test`),
    }),
    outcome: ({ role }) =>
      allowed(200, {
        // The session is over: the same cookie now calls as nobody.
        then: async (_text, cookie) => {
          if (cookie) expect((await callJson('anonymous', 'GET', '/api/admin/me', undefined, cookie)).status).toBe(401);
        },
      }),
  },
  'POST /api/admin/password': {
    targets: { self: 'change its own password' },
    prepare: ({ role }) => {
      if (role !== 'anonymous' && role !== 'token-rnpn') needAccount('clave-json', role);
    },
    request: async ({ role }) => {
      if (role === 'anonymous' || role === 'token-rnpn')
        return { path: '/api/admin/password', body: { current_password: 'lo-que-sea-de-prueba', new_password: NEW_PASSWORD } };
      const email = `clave-json-${role}@portal.test`;
      return { path: '/api/admin/password', body: { current_password: passwords.get(email), new_password: NEW_PASSWORD }, cookie: await jsonSignIn(email) };
    },
    // The one route open to a one-time password; never to a token (it has no password).
    outcome: ({ role }) =>
      role === 'anonymous' || role === 'token-rnpn'
        ? refused(401, { code: 'unauthorized' })
        : allowed(200, { changes: ['audit+1', `person:clave-json-${role}@portal.test`] }),
  },
  'GET /api/admin/procedures': {
    targets: { own: 'list its own institution’s entries', foreign: 'list another institution’s entries' },
    request: () => ({ path: '/api/admin/procedures' }),
    outcome: guardedJson(catalogKeepers, (cell) =>
      allowed(200, {
        ...scopedRead(cell, `"slug":"${FIXTURE[own(cell.role)].slug}"`, `"slug":"${FIXTURE[foreign(cell.role)].slug}"`),
        then: async (text) => {
          if (cell.role === 'admin') return;
          const { procedures } = JSON.parse(text) as { procedures: { institutionSlug: string }[] };
          expect(new Set(procedures.map((p) => p.institutionSlug))).toEqual(new Set([own(cell.role)]));
        },
      }),
    ),
  },
  'PUT /api/admin/procedures/{slug}': {
    targets: putTargets,
    prepare: (cell) => {
      if (cell.target === 'unknown-institution') return;
      needEntry(cell.key, cell.target === 'foreign' || cell.target === 'foreign-in-place' ? foreign(cell.role) : own(cell.role));
    },
    request: ({ role, target, key }) => {
      const slug = entrySlug(key);
      const summary = 'Resumen cambiado por la matriz de permisos.';
      const doc =
        target === 'own'
          ? entryDoc(slug, own(role), { summary })
          : target === 'foreign'
            ? entryDoc(slug, own(role), { summary })
            : target === 'foreign-in-place'
              ? entryDoc(slug, foreign(role), { summary })
              : target === 'new-theme'
                ? entryDoc(slug, own(role), { category: `tema-${key}` })
                : entryDoc(slug, `inst-${key}`, { institution_name: 'Institución inventada por la matriz' });
      const { updated_at: _today, ...body } = doc;
      return { path: `/api/admin/procedures/${slug}`, body: { ...body, change_note: 'Cambio de la matriz' } };
    },
    outcome: guardedJson(keepsOwn, ({ role, target, key }) => {
      const slug = entrySlug(key);
      const extra = target === 'new-theme' ? [`category:tema-${key}`] : target === 'unknown-institution' ? [`institution:inst-${key}`] : [];
      return allowed(200, {
        changes: ['audit+1', `procedure:${slug}`, ...extra].sort(),
        then: async () => {
          if (target === 'foreign') expect(await institutionOf(slug), 'the admin moved it').toBe(own(role));
        },
      });
    }),
  },
  'GET /api/admin/procedures/{slug}/versions': {
    targets: { own: 'read the versions of its own institution’s entry', foreign: 'read the versions of another institution’s entry' },
    request: ({ role, target }) => ({ path: `/api/admin/procedures/${FIXTURE[instOf(role, target)].slug}/versions` }),
    outcome: guardedJson(keepsOwn, () => allowed(200, { has: ['"version":1'] })),
  },
  'POST /api/admin/procedures/{slug}/verify': {
    targets: { own: 'verify an entry of its own institution', foreign: 'verify another institution’s entry' },
    prepare: (cell) => void needEntry(cell.key, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/api/admin/procedures/${entrySlug(key)}/verify` }),
    outcome: guardedJson(keepsOwn, ({ key }) => allowed(200, { changes: ['audit+1', `procedure:${entrySlug(key)}`] })),
  },
  'POST /api/admin/procedures/{slug}/verify/undo': {
    targets: { own: 'undo «Verificado hoy» on an entry of its own institution', foreign: 'undo «Verificado hoy» on another institution’s entry' },
    prepare: (cell) => void needEntry(cell.key, instOf(cell.role, cell.target)),
    // Verified just before (by the system), so there is a verification to undo: back to «never».
    request: async ({ key }) => {
      await verifyProcedure(t.store, systemActor('cli'), entrySlug(key));
      return { path: `/api/admin/procedures/${entrySlug(key)}/verify/undo`, body: { previous_verified_at: null } };
    },
    outcome: guardedJson(keepsOwn, ({ key }) =>
      allowed(200, {
        changes: ['audit+1', `procedure:${entrySlug(key)}`],
        then: async () => {
          const row = await t.store.db.execute({ sql: 'SELECT verified_at FROM procedures WHERE slug = ?', args: [entrySlug(key)] });
          expect(row.rows[0].verified_at).toBeNull();
        },
      }),
    ),
  },
  'POST /api/admin/procedures/{slug}/archive': {
    targets: { own: 'archive an entry of its own institution', foreign: 'archive another institution’s entry' },
    prepare: (cell) => void needEntry(cell.key, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/api/admin/procedures/${entrySlug(key)}/archive` }),
    outcome: guardedJson(keepsOwn, ({ key }) => allowed(200, { changes: ['audit+1', `procedure:${entrySlug(key)}`] })),
  },
  'POST /api/admin/procedures/{slug}/merge': {
    targets: { own: 'merge an entry of its own institution into another', foreign: 'merge another institution’s entry into another' },
    prepare: (cell) => void needEntry(cell.key, instOf(cell.role, cell.target)),
    // Into a fixture entry that no cell archives: any institution's published entry may be the one that replaces it.
    request: ({ key }) => ({
      path: `/api/admin/procedures/${entrySlug(key)}/merge`,
      body: { into: `/tramites/${FIXTURE.rnpn.slug}`, note: 'Unido por la matriz' },
    }),
    outcome: guardedJson(keepsOwn, ({ key }) => allowed(200, { changes: ['audit+1', `moved:procedure:${entrySlug(key)}`, `procedure:${entrySlug(key)}`] })),
  },
  'GET /api/admin/procedures/{slug}/audit': {
    targets: { own: 'read the audit trail of its own institution’s entry', foreign: 'read the audit trail of another institution’s entry' },
    request: ({ role, target }) => ({ path: `/api/admin/procedures/${FIXTURE[instOf(role, target)].slug}/audit` }),
    outcome: guardedJson(adminOnly, () => allowed(200, { has: ['"audit":['] })),
  },
  'GET /api/admin/feedback': {
    targets: { own: 'read its own institution’s feedback', foreign: 'read another institution’s feedback' },
    // The whole list, and the list filtered on the other institution's entry.
    request: ({ role, target }) => ({ path: target === 'own' ? '/api/admin/feedback' : `/api/admin/feedback?tramite=${FIXTURE[foreign(role)].slug}` }),
    outcome: guardedJson(officersAndAdmin, (cell) => allowed(200, scopedRead(cell, FEEDBACK_TEXT[own(cell.role)], FEEDBACK_TEXT[foreign(cell.role)]))),
  },
  'POST /api/admin/feedback/{id}/resolve': {
    targets: { own: 'resolve its own institution’s feedback', foreign: 'resolve another institution’s feedback' },
    prepare: (cell) => void needs.feedback.set(`json-${cell.key}`, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/api/admin/feedback/${feedbackIds.get(`json-${key}`)}/resolve`, body: { note: 'Corregido por la matriz', version: 1 } }),
    outcome: guardedJson(officerOwn, ({ key }) => allowed(200, { changes: ['audit+1', `feedback:${feedbackIds.get(`json-${key}`)}`] })),
  },
  'GET /api/admin/feedback/want-online': {
    targets: { own: 'rank its own institution’s «want online» requests', foreign: 'rank another institution’s «want online» requests' },
    request: () => ({ path: '/api/admin/feedback/want-online' }),
    outcome: guardedJson(officersAndAdmin, (cell) =>
      allowed(200, scopedRead(cell, `"slug":"${FIXTURE[own(cell.role)].slug}"`, `"slug":"${FIXTURE[foreign(cell.role)].slug}"`)),
    ),
  },
  'GET /api/admin/feedback/counts': {
    targets: { own: 'count its own institution’s «useful» and «want online»', foreign: 'count another institution’s «useful» and «want online»' },
    request: () => ({ path: '/api/admin/feedback/counts' }),
    outcome: guardedJson(officersAndAdmin, (cell) =>
      allowed(200, scopedRead(cell, `"slug":"${FIXTURE[own(cell.role)].slug}"`, `"slug":"${FIXTURE[foreign(cell.role)].slug}"`)),
    ),
  },
  'POST /api/admin/people/{id}/password-reset': {
    targets: {
      own: 'give a new one-time password to an account of its own institution',
      foreign: 'give a new one-time password to an account of another institution',
    },
    prepare: (cell) => void needs.people.set(`clave-nueva-json-${cell.key}@portal.test`, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/api/admin/people/${personIds.get(`clave-nueva-json-${key}@portal.test`)}/password-reset` }),
    outcome: guardedJson(adminOnly, ({ key }) =>
      allowed(200, { has: ['"oneTimePassword":', '"mustChangePassword":true'], changes: ['audit+1', `person:clave-nueva-json-${key}@portal.test`] }),
    ),
  },
  'POST /api/admin/people': {
    targets: { own: 'create an officer account in its own institution', foreign: 'create an officer account in another institution' },
    request: ({ role, target, key }) => ({
      path: '/api/admin/people',
      body: { email: `cuenta-${key}@portal.test`, role: 'officer', institution: instOf(role, target) },
    }),
    outcome: guardedJson(adminOnly, ({ key }) => allowed(201, { changes: ['audit+1', `person:cuenta-${key}@portal.test`] })),
  },
  'POST /api/admin/people/{id}/disable': {
    targets: { own: 'disable an account of its own institution', foreign: 'disable an account of another institution' },
    prepare: (cell) => void needs.people.set(`baja-json-${cell.key}@portal.test`, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/api/admin/people/${personIds.get(`baja-json-${key}@portal.test`)}/disable` }),
    outcome: guardedJson(adminOnly, ({ key }) => allowed(200, { changes: ['audit+1', `person:baja-json-${key}@portal.test`] })),
  },
  'POST /api/admin/tokens': {
    targets: { own: 'create a token for its own institution', foreign: 'create a token for another institution' },
    request: ({ role, target, key }) => ({ path: '/api/admin/tokens', body: { institution: instOf(role, target), name: `Sistema ${key}` } }),
    outcome: guardedJson(adminOnly, ({ key }) => allowed(201, { changes: ['audit+1', `token:Sistema ${key}`] })),
  },
  ...REPORT_JSON_ROUTES(),
  // Served outside the OpenAPI document (plain Hono routes): listed here so they are not forgotten either.
  'GET /api/admin/me': {
    targets: { self: 'read who it is' },
    request: () => ({ path: '/api/admin/me' }),
    // For people with a session: a token is told it is not one (401).
    outcome: (cell) =>
      cell.role === 'token-rnpn'
        ? refused(401, { code: 'unauthorized' })
        : guardedJson(
            () => true,
            ({ role }) => allowed(200, { has: [ACCOUNTS[role as PersonRole].email] }),
          )(cell),
  },
};
/**
 * Cases: a complaint routed to the caller's institution, one routed to another, and a violence
 * case. Operators here work the quejas queue (every complaint, whichever institution); officers and
 * the token their institution's; admins every case but violence, which only 198 operators see.
 * A case outside the scope answers 404, as if it did not exist.
 */
function REPORT_JSON_ROUTES(): Record<string, JsonRoute> {
  const caseTargets = { own: 'a case routed to its own institution', foreign: 'a case routed to another institution', violence: 'a violence case (198 queue)' };
  const seesCase = (cell: Cell) =>
    cell.target !== 'violence' &&
    (cell.role === 'admin' || cell.role === 'operator' || ((isOfficer(cell.role) || cell.role === 'token-rnpn') && cell.target === 'own'));
  const hidden = () => refused(404, { code: 'not_found' });
  const caseCall =
    (ok: (cell: Cell) => Outcome, people = false) =>
    (cell: Cell): Outcome =>
      guardedJson(
        () => true,
        (c) => (!seesCase(c) ? hidden() : people && c.role === 'token-rnpn' ? refused(403, { code: 'forbidden' }) : ok(c)),
      )(cell);
  const reportKey = (cell: Cell) => (cell.target === 'violence' ? `v-${cell.key}` : cell.key);
  return {
    'GET /api/admin/reports': {
      targets: caseTargets,
      prepare: (cell) => void needReport(reportKey(cell), cell.target, cell.role),
      request: () => ({ path: '/api/admin/reports?status=all&kind=complaint&limit=50' }),
      outcome: (cell) =>
        guardedJson(
          () => true,
          (c) => allowed(200, { then: async (text) => expect(text.includes(reportCodes.get(reportKey(c)) ?? '?'), 'lists the case').toBe(seesCase(c)) }),
        )(cell),
    },
    'GET /api/admin/reports/{code}': {
      targets: caseTargets,
      prepare: (cell) => void needReport(reportKey(cell), cell.target, cell.role),
      request: (cell) => ({ path: `/api/admin/reports/${reportCodes.get(reportKey(cell))}` }),
      outcome: caseCall((cell) =>
        allowed(200, { has: [`Relato reservado de la celda ${reportKey(cell)}`], lacks: [`persona-${reportKey(cell)}@correo.test`] }),
      ),
    },
    'POST /api/admin/reports/{code}/events': {
      targets: caseTargets,
      prepare: (cell) => void needReport(reportKey(cell), cell.target, cell.role),
      request: (cell) => ({
        path: `/api/admin/reports/${reportCodes.get(reportKey(cell))}/events`,
        body: { type: 'internal_note', message: 'Nota de la matriz' },
      }),
      outcome: caseCall((cell) => {
        const code = reportCodes.get(reportKey(cell)) ?? '';
        return allowed(201, {
          changes: ['audit+1', `events:${code.replace(/-/g, '')}`],
          then: async () => {
            const events = await t.store.db.execute({
              sql: "SELECT count(*) AS n FROM report_events e JOIN reports r ON r.id = e.report_id WHERE r.code = ? AND e.type = 'internal_note'",
              args: [code.replace(/-/g, '')],
            });
            expect(Number(events.rows[0].n)).toBe(1);
          },
        });
      }),
    },
    'POST /api/admin/reports/{code}/contact': {
      targets: caseTargets,
      prepare: (cell) => void needReport(reportKey(cell), cell.target, cell.role),
      request: (cell) => ({ path: `/api/admin/reports/${reportCodes.get(reportKey(cell))}/contact` }),
      outcome: caseCall(
        (cell) =>
          allowed(200, {
            has: [`persona-${reportKey(cell)}@correo.test`],
            changes: ['audit+1', `events:${reportCodes.get(reportKey(cell))?.replace(/-/g, '')}`],
          }),
        true,
      ),
    },
    'GET /api/admin/report-routes': {
      targets: { all: 'read the routing table' },
      request: () => ({ path: '/api/admin/report-routes' }),
      outcome: guardedJson(
        () => true,
        () => allowed(200, { has: ['"kind":"violence"'] }),
      ),
    },
    'PUT /api/admin/report-routes': {
      targets: { own: 'route complaints about its own institution', foreign: 'route complaints about another institution' },
      request: (cell) => ({
        path: '/api/admin/report-routes',
        body: { kind: 'missing_requirement', institution: instOf(cell.role, cell.target), queue: 'quejas', to_named: true, priority: 'high' },
      }),
      outcome: guardedJson(adminOnly, (cell) => allowed(200, { changes: ['audit+1', `route:missing_requirement:${instOf(cell.role, cell.target)}:*`] })),
    },
    'DELETE /api/admin/report-routes/{id}': {
      targets: { one: 'delete a routing rule' },
      prepare: (cell) => {
        needEntry(cell.key, 'rnpn');
        needs.routes.set(cell.key, 'rnpn');
      },
      request: (cell) => ({ path: `/api/admin/report-routes/${routeIds.get(cell.key)}` }),
      outcome: guardedJson(adminOnly, (cell) => allowed(200, { changes: ['audit+1', `route:complaint:*:${entrySlug(cell.key)}`] })),
    },
  };
}

/** JSON admin routes that the OpenAPI document does not list. */
const UNDOCUMENTED = new Set(['POST /api/admin/logout', 'GET /api/admin/me']);

// --- The workspace's HTML forms -----------------------------------------------------------------

interface FormRequest {
  path: string;
  fields: Record<string, string> | FormData;
  session?: { cookie: string; csrf: string } | null;
}

interface FormRoute {
  targets: Record<string, string>;
  prepare?: (cell: Cell) => void;
  /** `session`: the one to use instead of the role's shared one (null: none). */
  request: (cell: Cell) => Promise<FormRequest> | FormRequest;
  outcome: (cell: Cell) => Outcome;
}

const published = (slug: string) => `/admin/tramites/${slug}?aviso=publicado`;

// --- Cases in the workspace: the case page's forms, the queue, the routing table -------------------

/** The four cases a workspace cell aims at, said after what it does («take», «open the page of»). */
const caseTargets = (doing: string) => ({
  own: `${doing} a case routed to its own institution`,
  foreign: `${doing} a case routed to another institution`,
  'other-queue': `${doing} an emergencias case (another queue, no institution)`,
  violence: `${doing} a violence case (198 queue)`,
});
/**
 * Who sees a workspace cell's case: admins every one but violence; the quejas operator both
 * «requisito» cases (every institution's) but not the emergency; officers their own institution's.
 * Nobody in the matrix works the 198 queue, so a violence case is everyone's 404, admins' too.
 */
const seesCaseHtml = (cell: Cell) =>
  cell.target !== 'violence' &&
  (cell.role === 'admin' || (cell.role === 'operator' && cell.target !== 'other-queue') || (isOfficer(cell.role) && cell.target === 'own'));
const caseCode = (key: string) => reportCodes.get(key) ?? '?';
const canonical = (key: string) => caseCode(key).replace(/-/g, '');
const caseStory = (key: string) => `Relato reservado de la celda ${key}`;

/** A case form: the sign-in and password rules of every form, then 404 outside the case's scope. */
const caseForm = (ok: (cell: Cell) => Outcome) =>
  guardedHtml(
    () => true,
    (cell) => (seesCaseHtml(cell) ? ok(cell) : refused(404, { has: ['No existe ese caso'], lacks: [caseStory(cell.key), `persona-${cell.key}@correo.test`] })),
  );

function CASE_FORM_ROUTES(): Record<string, FormRoute> {
  const doing: Record<string, string> = {
    tomar: 'take',
    estado: 'change the status of',
    responder: 'reply in public on',
    nota: 'write an internal note on',
    remitir: 'refer',
    unir: 'merge into another',
  };
  const event = (action: string, fields: (cell: Cell) => Record<string, string>, changes: (cell: Cell) => string[], location?: string): FormRoute => ({
    targets: caseTargets(doing[action]),
    prepare: (cell) => {
      needCase(cell.key, cell.target, cell.role);
      if (action === 'unir') needCase(`${cell.key}-into`, cell.target, cell.role);
    },
    request: (cell) => ({ path: `/admin/casos/${caseCode(cell.key)}/${action}`, fields: fields(cell) }),
    outcome: caseForm((cell) =>
      allowed(303, { location: location ?? `/admin/casos/${caseCode(cell.key)}?aviso=${action}`, changes: ['audit+1', ...changes(cell)].sort() }),
    ),
  });
  const touched = (cell: Cell) => [`events:${canonical(cell.key)}`, `report:${canonical(cell.key)}`];
  return {
    'POST /admin/casos/{code}/tomar': event('tomar', () => ({}), touched),
    'POST /admin/casos/{code}/estado': event('estado', () => ({ status: 'in_progress', message: '' }), touched),
    'POST /admin/casos/{code}/responder': event('responder', () => ({ message: 'Respuesta pública de la matriz' }), touched),
    'POST /admin/casos/{code}/nota': event(
      'nota',
      () => ({ message: 'Nota interna de la matriz' }),
      (cell) => [`events:${canonical(cell.key)}`],
    ),
    'POST /admin/casos/{code}/remitir': event('remitir', () => ({ institution: 'vmt', consent: 'on' }), touched, '/admin/casos?aviso=remitido'),
    'POST /admin/casos/{code}/unir': event(
      'unir',
      (cell) => ({ into: caseCode(`${cell.key}-into`) }),
      (cell) => [...touched(cell), `events:${canonical(`${cell.key}-into`)}`],
    ),
    'POST /admin/casos/{code}/contacto': {
      targets: caseTargets('open the contact of'),
      prepare: (cell) => void needCase(cell.key, cell.target, cell.role),
      request: (cell) => ({ path: `/admin/casos/${caseCode(cell.key)}/contacto`, fields: {} }),
      outcome: caseForm((cell) => {
        const location = `/admin/casos/${caseCode(cell.key)}?aviso=contacto`;
        return allowed(303, {
          location,
          changes: ['audit+1', `events:${canonical(cell.key)}`],
          // Shown once on the case page it was opened for (and so taken out of the shared session).
          then: async (_text, cookie) => {
            const shown = await (await app.request(`${ORIGIN}${location}`, { headers: { Cookie: cookie ?? '' } })).text();
            expect(shown).toContain(`persona-${cell.key}@correo.test`);
            const again = await (await app.request(`${ORIGIN}${location}`, { headers: { Cookie: cookie ?? '' } })).text();
            expect(again).not.toContain(`persona-${cell.key}@correo.test`);
          },
        });
      }),
    },
    'POST /admin/enrutamiento': {
      targets: { own: 'route corruption reports that name its own institution', foreign: 'route corruption reports that name another institution' },
      request: (cell) => ({
        path: '/admin/enrutamiento',
        fields: { kind: 'corruption', institution: instOf(cell.role, cell.target), procedure: '', queue: 'quejas', target: '', priority: 'urgent' },
      }),
      outcome: guardedHtml(adminOnly, (cell) =>
        allowed(303, { location: '/admin/enrutamiento?aviso=guardada', changes: ['audit+1', `route:corruption:${instOf(cell.role, cell.target)}:*`] }),
      ),
    },
    'POST /admin/enrutamiento/{id}/borrar': {
      targets: { one: 'delete a routing rule' },
      prepare: (cell) => {
        needEntry(cell.key, 'rnpn');
        needs.routes.set(cell.key, 'rnpn');
      },
      request: (cell) => ({ path: `/admin/enrutamiento/${routeIds.get(cell.key)}/borrar`, fields: {} }),
      outcome: guardedHtml(adminOnly, (cell) =>
        allowed(303, { location: '/admin/enrutamiento?aviso=borrada', changes: ['audit+1', `route:complaint:*:${entrySlug(cell.key)}`] }),
      ),
    },
  };
}

function CASE_PAGES(): Record<string, PageRoute> {
  return {
    '/admin/casos': {
      targets: caseTargets('find in its queue'),
      // The cell's case is due before every other one: on the first page whatever the matrix filed.
      prepare: (cell) => void needCase(`list-${cell.key}`, cell.target, cell.role, true),
      path: () => '/admin/casos?estado=todos',
      outcome: guardedHtml(
        () => true,
        (cell) => allowed(200, seesCaseHtml(cell) ? { has: [caseCode(`list-${cell.key}`)] } : { lacks: [caseCode(`list-${cell.key}`)] }),
      ),
    },
    '/admin/casos/{code}': {
      targets: caseTargets('open the page of'),
      prepare: (cell) => void needCase(`page-${cell.key}`, cell.target, cell.role),
      path: (cell) => `/admin/casos/${caseCode(`page-${cell.key}`)}`,
      outcome: guardedHtml(
        () => true,
        (cell) =>
          seesCaseHtml(cell)
            ? allowed(200, { has: [caseStory(`page-${cell.key}`), 'Ver contacto'], lacks: [`persona-page-${cell.key}@correo.test`] })
            : refused(404, { has: ['No existe ese caso'], lacks: [caseStory(`page-${cell.key}`), `persona-page-${cell.key}@correo.test`] }),
      ),
    },
    '/admin/enrutamiento': {
      targets: { self: 'open the routing table' },
      path: () => '/admin/enrutamiento',
      outcome: guardedHtml(adminOnly, () => allowed(200, { has: ['Violencia contra las mujeres', 'name="priority"'] })),
    },
  };
}

const FORM_ROUTES: Record<string, FormRoute> = {
  ...CASE_FORM_ROUTES(),
  'POST /admin/instituciones/{slug}/perfil': {
    targets: { own: 'edit its own institution’s public profile', foreign: 'edit another institution’s public profile' },
    request: ({ role, target, key }) => ({
      path: `/admin/instituciones/${instOf(role, target)}/perfil`,
      fields: { description: `Perfil escrito por la celda ${key}.`, information_office_email: 'uaip@institucion.gob.sv' },
    }),
    outcome: guardedHtml(officerOwn, ({ role, target }) =>
      allowed(303, { location: `/admin/instituciones/${instOf(role, target)}?aviso=guardado`, changes: ['audit+1', `institution:${instOf(role, target)}`] }),
    ),
  },
  'POST /admin/borradores/{slug}/publicar': {
    targets: { own: 'publish a draft of its own institution', foreign: 'publish another institution’s draft' },
    prepare: (cell) => void needDraft(cell.key, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/admin/borradores/${draftSlug(key)}/publicar`, fields: { nota: 'Revisado por la matriz' } }),
    outcome: guardedHtml(keepsOwn, ({ key }) =>
      allowed(303, { location: '/admin/borradores?aviso=publicado', changes: ['audit+1', `procedure:${draftSlug(key)}`] }),
    ),
  },
  'POST /admin/borradores/{slug}/descartar': {
    targets: { own: 'discard a draft of its own institution', foreign: 'discard another institution’s draft' },
    prepare: (cell) => void needDraft(cell.key, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/admin/borradores/${draftSlug(key)}/descartar`, fields: {} }),
    outcome: guardedHtml(keepsOwn, ({ key }) =>
      allowed(303, { location: '/admin/borradores?aviso=descartado', changes: ['audit+1', `procedure:${draftSlug(key)}`] }),
    ),
  },
  [`POST ${NEW_PROCEDURE_PATH}`]: {
    targets: {
      own: 'create a new entry of its own institution',
      foreign: 'claim another institution’s existing entry through the «new» form (refused even for admins: the form never overwrites)',
      'new-theme': 'create a new entry under a theme that does not exist',
    },
    prepare: (cell) => {
      if (cell.target === 'foreign') needEntry(cell.key, foreign(cell.role));
    },
    request: ({ role, target, key }) => ({
      path: NEW_PROCEDURE_PATH,
      fields: formOf(entrySlug(key), own(role), target === 'new-theme' ? { category: `tema-${key}` } : {}),
    }),
    outcome: guardedHtml(keepsOwn, ({ role, target, key }) => {
      const slug = entrySlug(key);
      // Even an admin's «new» form never overwrites an existing entry: 409, nothing changes.
      if (target === 'foreign') return refused(409);
      return allowed(303, {
        location: published(slug),
        changes: ['audit+1', `procedure:${slug}`, ...(target === 'new-theme' ? [`category:tema-${key}`] : [])].sort(),
        then: async () => expect(await institutionOf(slug)).toBe(own(role)),
      });
    }),
  },
  'POST /admin/tramites/{slug}': {
    targets: {
      own: 'edit an entry of its own institution',
      foreign: 'take another institution’s entry through its edit form',
      'new-theme': 'move its own entry to a theme that does not exist',
      'preview-foreign': 'preview edits to another institution’s entry',
    },
    prepare: (cell) => void needEntry(cell.key, cell.target === 'preview-foreign' ? foreign(cell.role) : instOf(cell.role, cell.target)),
    request: ({ role, target, key }) => {
      const slug = entrySlug(key);
      const extra: Record<string, string> =
        target === 'new-theme' ? { category: `tema-${key}` } : target === 'preview-foreign' ? { accion: 'vista-previa' } : {};
      return { path: `/admin/tramites/${slug}`, fields: formOf(slug, own(role), extra) };
    },
    outcome: guardedHtml(
      keepsOwn,
      ({ role, target, key }) => {
        const slug = entrySlug(key);
        // A preview publishes nothing; the page around it is still the entry's, within scope.
        if (target === 'preview-foreign') return allowed(200, { has: ['Vista previa (aún no publicada)'] });
        return allowed(303, {
          location: published(slug),
          changes: ['audit+1', `procedure:${slug}`, ...(target === 'new-theme' ? [`category:tema-${key}`] : [])].sort(),
          then: async () => expect(await institutionOf(slug)).toBe(own(role)),
        });
      },
      // Nothing of the stored entry may show, not even its summary.
      () => refused(403, { has: ['Sin acceso'], lacks: [...SECRETS, 'Entrada de prueba creada para la matriz de permisos.'] }),
    ),
  },
  'POST /admin/tramites/{slug}/verificar': {
    targets: TARGETS.entry,
    prepare: (cell) => void needEntry(cell.key, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/admin/tramites/${entrySlug(key)}/verificar`, fields: {} }),
    outcome: guardedHtml(keepsOwn, ({ key }) =>
      allowed(303, { location: `/admin?aviso=verificado&tramite=${entrySlug(key)}&antes=ninguna`, changes: ['audit+1', `procedure:${entrySlug(key)}`] }),
    ),
  },
  'POST /admin/tramites/{slug}/deshacer-verificacion': {
    targets: { own: 'undo «Verificado hoy» on an entry of its own institution', foreign: 'undo «Verificado hoy» on another institution’s entry' },
    prepare: (cell) => void needEntry(cell.key, instOf(cell.role, cell.target)),
    request: async ({ key }) => {
      await verifyProcedure(t.store, systemActor('cli'), entrySlug(key));
      return { path: `/admin/tramites/${entrySlug(key)}/deshacer-verificacion`, fields: { previous_verified_at: 'ninguna' } };
    },
    outcome: guardedHtml(keepsOwn, ({ key }) =>
      allowed(303, { location: '/admin?aviso=verificacion-deshecha', changes: ['audit+1', `procedure:${entrySlug(key)}`] }),
    ),
  },
  'POST /admin/tramites/{slug}/archivar': {
    targets: TARGETS.entry,
    prepare: (cell) => void needEntry(cell.key, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/admin/tramites/${entrySlug(key)}/archivar`, fields: { nota: 'Archivado por la matriz' } }),
    outcome: guardedHtml(keepsOwn, ({ key }) => allowed(303, { location: '/admin?aviso=archivado', changes: ['audit+1', `procedure:${entrySlug(key)}`] })),
  },
  'POST /admin/opiniones/{id}/resolver': {
    targets: { own: 'resolve its own institution’s feedback', foreign: 'resolve another institution’s feedback' },
    prepare: (cell) => void needs.feedback.set(`html-${cell.key}`, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/admin/opiniones/${feedbackIds.get(`html-${key}`)}/resolver`, fields: { note: 'Corregido por la matriz', version: '1' } }),
    outcome: guardedHtml(officerOwn, ({ key }) =>
      allowed(303, { location: '/admin/opiniones?aviso=resuelta', changes: ['audit+1', `feedback:${feedbackIds.get(`html-${key}`)}`] }),
    ),
  },
  'POST /admin/importar': {
    targets: { own: 'upload a record of its own institution’s entry', foreign: 'upload another institution’s entry claiming its own institution' },
    prepare: (cell) => void needEntry(cell.key, instOf(cell.role, cell.target)),
    request: ({ role, key }) => ({
      path: '/admin/importar',
      fields: uploadForm([entryDoc(entrySlug(key), own(role), { summary: 'Resumen cambiado por una carga de la matriz.' })]),
    }),
    outcome: guardedHtml(
      keepsOwn,
      ({ role, key }) => {
        const slug = entrySlug(key);
        return allowed(200, {
          has: ['Importación completa: 0 nuevos, 1 actualizados'],
          changes: ['audit+1', `procedure:${slug}`],
          then: async () => expect(await institutionOf(slug)).toBe(own(role)),
        });
      },
      // Officers get the per-row report (nothing written); operators keep no catalog at all.
      ({ role, key }) =>
        isOfficer(role)
          ? refused(422, { has: [`«${entrySlug(key)}»`, 'ya existe y es de otra institución', 'No se guardó nada'] })
          : refused(403, { has: ['Sin acceso'], lacks: SECRETS }),
    ),
  },
  'POST /admin/instituciones': {
    targets: { own: 'rename its own institution', foreign: 'rename another institution', new: 'create an institution' },
    request: ({ role, target, key }): FormRequest => {
      if (target === 'new') return { path: '/admin/instituciones', fields: { slug: `inst-${key}`, name: 'Institución nueva de la matriz' } };
      const slug = instOf(role, target);
      const current = institutionRows.get(slug);
      return {
        path: '/admin/instituciones',
        fields: { slug, name: `${current?.name} (cambiado)`, acronym: current?.acronym ?? '', website: current?.website ?? '' },
      };
    },
    outcome: guardedHtml(adminOnly, ({ role, target, key }) => {
      const slug = target === 'new' ? `inst-${key}` : instOf(role, target);
      return allowed(303, {
        location: '/admin/instituciones?aviso=guardada',
        changes: ['audit+1', `institution:${slug}`],
        // Put the name back, so no other cell sees a renamed institution.
        then: async () => {
          if (target !== 'new') await saveInstitution(t.store, systemActor('cli'), { slug, ...(institutionRows.get(slug) as { name: string }) });
        },
      });
    }),
  },
  'POST /admin/temas': {
    targets: { existing: 'rename an existing theme', new: 'create a theme' },
    request: ({ target, key }): FormRequest =>
      target === 'new'
        ? { path: '/admin/temas', fields: { slug: `tema-${key}`, name: 'Tema nuevo de la matriz' } }
        : { path: '/admin/temas', fields: { slug: 'identidad', name: 'Identidad (cambiado)', description: categoryRows.get('identidad')?.description ?? '' } },
    outcome: guardedHtml(adminOnly, ({ target, key }) => {
      const slug = target === 'new' ? `tema-${key}` : 'identidad';
      return allowed(303, {
        location: '/admin/temas?aviso=guardado',
        changes: ['audit+1', `category:${slug}`],
        then: async () => {
          if (target !== 'new') await saveCategory(t.store, systemActor('cli'), { slug, ...(categoryRows.get(slug) as { name: string }) });
        },
      });
    }),
  },
  'POST /admin/personas': {
    targets: { own: 'create an officer account in its own institution', foreign: 'create an officer account in another institution' },
    request: ({ role, target, key }) => ({
      path: '/admin/personas',
      fields: { email: `cuenta-${key}@portal.test`, role: 'officer', institution: instOf(role, target) },
    }),
    outcome: guardedHtml(adminOnly, ({ key }) =>
      allowed(303, { location: '/admin/personas?aviso=creada', changes: ['audit+1', `person:cuenta-${key}@portal.test`] }),
    ),
  },
  'POST /admin/personas/{id}/desactivar': {
    targets: { own: 'disable an account of its own institution', foreign: 'disable an account of another institution' },
    prepare: (cell) => void needs.people.set(`baja-html-${cell.key}@portal.test`, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/admin/personas/${personIds.get(`baja-html-${key}@portal.test`)}/desactivar`, fields: {} }),
    outcome: guardedHtml(adminOnly, ({ key }) =>
      allowed(303, { location: '/admin/personas?aviso=desactivada', changes: ['audit+1', `person:baja-html-${key}@portal.test`] }),
    ),
  },
  'POST /admin/personas/{id}/nueva-clave': {
    targets: {
      own: 'give a new one-time password to an account of its own institution',
      foreign: 'give a new one-time password to an account of another institution',
    },
    prepare: (cell) => void needs.people.set(`clave-nueva-html-${cell.key}@portal.test`, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/admin/personas/${personIds.get(`clave-nueva-html-${key}@portal.test`)}/nueva-clave`, fields: {} }),
    outcome: guardedHtml(adminOnly, ({ key }) =>
      allowed(303, { location: '/admin/personas?aviso=nueva-clave', changes: ['audit+1', `person:clave-nueva-html-${key}@portal.test`] }),
    ),
  },
  'POST /admin/tokens': {
    targets: { own: 'create a token for its own institution', foreign: 'create a token for another institution' },
    request: ({ role, target, key }) => ({ path: '/admin/tokens', fields: { institution: instOf(role, target), name: `Sistema ${key}` } }),
    outcome: guardedHtml(adminOnly, ({ key }) => allowed(303, { location: '/admin/tokens?aviso=creado', changes: ['audit+1', `token:Sistema ${key}`] })),
  },
  'POST /admin/tokens/{id}/revocar': {
    targets: { own: 'revoke its own institution’s token', foreign: 'revoke another institution’s token' },
    prepare: (cell) => void needs.tokens.set(`Revocar ${cell.key}`, instOf(cell.role, cell.target)),
    request: ({ key }) => ({ path: `/admin/tokens/${tokenIds.get(`Revocar ${key}`)}/revocar`, fields: {} }),
    outcome: guardedHtml(adminOnly, ({ key }) => allowed(303, { location: '/admin/tokens?aviso=revocado', changes: ['audit+1', `token:Revocar ${key}`] })),
  },
  'POST /admin/entrar': {
    targets: { self: 'sign in with the credentials it has' },
    request: ({ role }) => ({
      path: '/admin/entrar',
      fields:
        role === 'anonymous'
          ? { email: 'nadie@portal.test', password: 'no-es-la-clave-de-nadie' }
          : role === 'token-rnpn'
            ? { email: 'sistema@rnpn.gob.sv', password: tokenRnpn }
            : { email: ACCOUNTS[role].email, password: passwords.get(ACCOUNTS[role].email) ?? '' },
      session: null, // a fresh browser: signing in ends the session a browser already has
    }),
    outcome: ({ role }) =>
      role === 'anonymous' || role === 'token-rnpn'
        ? refused(401, { has: ['El correo o la contraseña no son correctos.'] })
        : allowed(303, { location: '/admin' }),
  },
  'POST /admin/salir': {
    targets: { self: 'sign out' },
    prepare: ({ role }) => {
      if (role !== 'anonymous' && role !== 'token-rnpn') needAccount('salida-html', role);
    },
    request: async ({ role }) => ({
      path: '/admin/salir',
      fields: {},
      session: role === 'anonymous' || role === 'token-rnpn' ? null : await htmlSignIn(`salida-html-${role}@portal.test`),
    }),
    outcome: ({ role }) =>
      role === 'anonymous' || role === 'token-rnpn'
        ? refused(303, { location: SIGN_IN })
        : allowed(303, {
            location: '/admin/entrar?salida=1',
            then: async (_text, cookie) => {
              const again = await app.request(`${ORIGIN}/admin/clave`, { headers: { Cookie: cookie ?? '' } });
              expect(again.headers.get('Location')).toMatch(SIGN_IN);
            },
          }),
  },
  'POST /admin/clave': {
    targets: { self: 'change its own password' },
    prepare: ({ role }) => {
      if (role !== 'anonymous' && role !== 'token-rnpn') needAccount('clave-html', role);
    },
    request: async ({ role }) => {
      if (role === 'anonymous' || role === 'token-rnpn')
        return { path: '/admin/clave', fields: { current_password: 'lo-que-sea-de-prueba', new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD } };
      const email = `clave-html-${role}@portal.test`;
      return {
        path: '/admin/clave',
        fields: { current_password: passwords.get(email) ?? '', new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD },
        session: await htmlSignIn(email),
      };
    },
    outcome: ({ role }) =>
      role === 'anonymous' || role === 'token-rnpn'
        ? refused(303, { location: SIGN_IN })
        : allowed(303, { location: '/admin?aviso=clave', changes: ['audit+1', `person:clave-html-${role}@portal.test`] }),
  },
};

// --- The workspace's pages ----------------------------------------------------------------------

interface PageRoute {
  targets: Record<string, string>;
  /** Registers the targets a cell needs, while cells are collected. */
  prepare?: (cell: Cell) => void;
  path: (cell: Cell) => string;
  outcome: (cell: Cell) => Outcome;
}

const PAGES: Record<string, PageRoute> = {
  '/admin/borradores': {
    targets: TARGETS.list,
    path: () => '/admin/borradores',
    outcome: guardedHtml(catalogKeepers, (cell) => allowed(200, scopedRead(cell, DRAFT_TITLE[own(cell.role)], DRAFT_TITLE[foreign(cell.role)]))),
  },
  '/admin/instituciones/{slug}': {
    targets: { own: 'open its own institution’s profile form', foreign: 'open another institution’s profile form' },
    path: ({ role, target }) => `/admin/instituciones/${instOf(role, target)}`,
    outcome: guardedHtml(officerOwn, () => allowed(200, { has: ['name="information_office_email"'] })),
  },
  '/admin': {
    targets: { own: 'see its own institution’s entries', foreign: 'see another institution’s entries' },
    path: () => '/admin',
    // Operators keep no catalog: their start page counts their queue's cases, and shows no entry.
    outcome: guardedHtml(
      (cell) => catalogKeepers(cell) || cell.role === 'operator',
      (cell) =>
        cell.role === 'operator'
          ? allowed(200, { has: ['casos abiertos', 'href="/admin/casos"'], lacks: [FIXTURE.rnpn.title, FIXTURE.dgme.title] })
          : allowed(200, scopedRead(cell, FIXTURE[own(cell.role)].title, FIXTURE[foreign(cell.role)].title)),
    ),
  },
  ...CASE_PAGES(),
  [NEW_PROCEDURE_PATH]: {
    targets: { self: 'open the «new entry» form' },
    path: () => NEW_PROCEDURE_PATH,
    outcome: guardedHtml(catalogKeepers, () => allowed(200, { has: ['name="title"'] })),
  },
  '/admin/tramites/{slug}': {
    targets: { own: 'open the edit form of its own institution’s entry', foreign: 'open the edit form of another institution’s entry' },
    path: ({ role, target }) => `/admin/tramites/${FIXTURE[instOf(role, target)].slug}`,
    outcome: guardedHtml(
      keepsOwn,
      ({ role, target }) => allowed(200, { has: [FIXTURE[instOf(role, target)].summary] }),
      ({ role }) => refused(403, { has: ['Sin acceso'], lacks: [...SECRETS, FIXTURE[foreign(role)].summary] }),
    ),
  },
  '/admin/tramites/{slug}/historial': {
    targets: { own: 'read the history of its own institution’s entry', foreign: 'read the history of another institution’s entry' },
    path: ({ role, target }) => `/admin/tramites/${FIXTURE[instOf(role, target)].slug}/historial`,
    outcome: guardedHtml(keepsOwn, ({ role, target }) => allowed(200, { has: ['Versión 1', FIXTURE[instOf(role, target)].title] })),
  },
  '/admin/opiniones': {
    targets: { own: 'read its own institution’s feedback', foreign: 'read another institution’s feedback' },
    path: ({ role, target }) => (target === 'own' ? '/admin/opiniones?estado=todas' : `/admin/opiniones?estado=todas&tramite=${FIXTURE[foreign(role)].slug}`),
    outcome: guardedHtml(officersAndAdmin, (cell) => allowed(200, scopedRead(cell, FEEDBACK_TEXT[own(cell.role)], FEEDBACK_TEXT[foreign(cell.role)]))),
  },
  '/admin/busquedas': {
    targets: { self: 'read the search statistics of its institution (admins: all)' },
    path: () => '/admin/busquedas',
    outcome: guardedHtml(catalogKeepers, () => allowed(200, { has: ['Qué busca la gente'] })),
  },
  '/admin/informes': {
    targets: { self: 'list the weekly reports it may read' },
    path: () => '/admin/informes',
    outcome: guardedHtml(
      () => true,
      () => allowed(200, { has: ['Informes semanales de seguimiento'] }),
    ),
  },
  '/admin/informes/{id}': {
    targets: {
      portal: 'read the whole portal’s weekly report',
      own: 'read its own institution’s weekly report',
      foreign: 'read another institution’s weekly report',
    },
    path: ({ role, target }) => `/admin/informes/${weeklyIds.get(target === 'portal' ? '' : instOf(role, target))}`,
    outcome: guardedHtml(
      (cell) => cell.target === 'portal' || cell.role === 'admin' || (isOfficer(cell.role) && cell.target === 'own'),
      () => allowed(200, { has: ['Informe semanal:'] }),
      () => refused(404),
    ),
  },
  '/admin/importar': {
    targets: { self: 'open the importer' },
    path: () => '/admin/importar',
    outcome: guardedHtml(catalogKeepers, () => allowed(200, { has: ['name="archivo"'] })),
  },
  '/admin/instituciones': {
    targets: { self: 'open the institutions page' },
    path: () => '/admin/instituciones',
    outcome: guardedHtml(adminOnly, () => allowed(200, { has: ['Registro Nacional de las Personas Naturales'] })),
  },
  '/admin/temas': {
    targets: { self: 'open the themes page' },
    path: () => '/admin/temas',
    outcome: guardedHtml(adminOnly, () => allowed(200, { has: ['Migración y viajes'] })),
  },
  '/admin/personas': {
    targets: { self: 'open the accounts page' },
    path: () => '/admin/personas',
    // The navigation shows one's own email; nobody else's may appear.
    outcome: guardedHtml(
      adminOnly,
      () => allowed(200, { has: [ACCOUNTS['officer-dgme'].email] }),
      ({ role }) =>
        refused(403, { has: ['Sin acceso'], lacks: [...SECRETS, ...PERSON_ROLES.filter((other) => other !== role).map((other) => ACCOUNTS[other].email)] }),
    ),
  },
  '/admin/tokens': {
    targets: { self: 'open the tokens page' },
    path: () => '/admin/tokens',
    outcome: guardedHtml(adminOnly, () => allowed(200, { has: [TOKEN_NAME] })),
  },
  '/admin/clave': {
    targets: { self: 'open the password page' },
    path: () => '/admin/clave',
    // Open to everyone signed in, and the only page for a one-time password.
    outcome: ({ role }) =>
      role === 'anonymous' || role === 'token-rnpn' ? refused(303, { location: SIGN_IN }) : allowed(200, { has: ['name="new_password"'] }),
  },
  '/admin/aviso': {
    targets: { self: 'open the notice page' },
    path: () => '/admin/aviso',
    outcome: guardedHtml(
      () => true,
      () => allowed(200, { has: ['Espacio de oficiales'] }),
    ),
  },
  '/admin/entrar': {
    targets: { self: 'open the sign-in page' },
    path: () => '/admin/entrar',
    outcome: () => allowed(200, { has: ['name="password"'] }),
  },
};

// --- What exists, read from the code itself -----------------------------------------------------

/** The /api/admin operations of the OpenAPI document (read once, before the cells are built). */
async function documentedAdminRoutes(api: { request: (url: string) => Response | Promise<Response> }): Promise<string[]> {
  const document = (await (await api.request(`${ORIGIN}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/api/admin'))
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
}
// Only the route table is read: no route of the document touches the store.
const DOCUMENTED = await documentedAdminRoutes(createApi({ store: undefined as never, search: undefined as never, log: consoleLog }));

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every POST handler of api/admin/pages.ts and the case forms it registers, as `POST /admin/...` with `{param}`s. */
function formPostsInCode(): string[] {
  const source = ['api/admin/pages.ts', 'api/reports/workspace.ts'].map((file) => readFileSync(join(ROOT, file), 'utf8')).join('\n');
  return [...source.matchAll(/app\.post\(\s*(?:'([^']+)'|(NEW_PROCEDURE_PATH)[^,]*)/g)].map(([, literal, constant]) =>
    constant ? `POST ${NEW_PROCEDURE_PATH}` : `POST /admin${literal.replace(/:(\w+)\{(?:[^{}]|\{[^{}]*\})*\}/g, '{$1}')}`,
  );
}

/** Every page under site/pages/admin, as its address with `{param}`s. */
function adminPagesInCode(): string[] {
  const dir = join(ROOT, 'site/pages/admin');
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.astro'))
    .map((file) =>
      `/admin/${file
        .replace(/\\/g, '/')
        .replace(/\.astro$/, '')
        .replace(/(^|\/)index$/, '')
        .replace(/\[(\w+)\]/g, '{$1}')}`.replace(/\/$/, ''),
    );
}

// --- The cells ----------------------------------------------------------------------------------

function cellsOf(routeId: string, targets: Record<string, string>): Cell[] {
  const id = routeId
    .toLowerCase()
    .replace(/\{(\w+)\}/g, '$1')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return ROLES.flatMap((role) => Object.keys(targets).map((target) => ({ role, target, key: `${id}-${role}-${target}` })));
}

function title(outcome: Outcome, cell: Cell, phrase: string): string {
  return `${outcome.allowed ? 'lets' : 'does not let'} ${ROLE_NAMES[cell.role]} ${phrase} (${outcome.status}${outcome.code ? ` ${outcome.code}` : ''})`;
}

async function expectOutcome(response: Response, outcome: Outcome, before: Snapshot, cookie?: string): Promise<void> {
  const text = await response.text();
  const after = await snapshot();
  expect(response.status, text.slice(0, 300)).toBe(outcome.status);
  if (outcome.code) expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe(outcome.code);
  if (outcome.location instanceof RegExp) expect(response.headers.get('Location')).toMatch(outcome.location);
  else if (outcome.location !== undefined) expect(response.headers.get('Location')).toBe(outcome.location);
  for (const marker of outcome.has ?? []) expect(text, 'shows').toContain(marker);
  for (const marker of outcome.lacks ?? []) expect(text, 'must not show').not.toContain(marker);
  expect(changesBetween(before, after), outcome.changes ? 'changes exactly this' : 'changes nothing').toEqual(outcome.changes ?? []);
  await outcome.then?.(text, cookie);
}

describe('the matrix covers everything there is', () => {
  it('has an expectation for every /api/admin route of the OpenAPI document, and no route the document lost', async () => {
    const served = await documentedAdminRoutes(app);
    expect(served.sort()).toEqual([...DOCUMENTED].sort());
    expect(
      served.filter((route) => !(route in JSON_ROUTES)),
      'routes without expectations',
    ).toEqual([]);
    expect(
      Object.keys(JSON_ROUTES).filter((route) => !served.includes(route) && !UNDOCUMENTED.has(route)),
      'expectations for routes that no longer exist',
    ).toEqual([]);
  });

  it('has an expectation for every form POST that api/admin/pages.ts handles', () => {
    const posts = formPostsInCode();
    expect(posts.length).toBeGreaterThan(10);
    expect(
      posts.filter((route) => !(route in FORM_ROUTES)),
      'form POSTs without expectations',
    ).toEqual([]);
    expect(Object.keys(FORM_ROUTES).filter((route) => !posts.includes(route))).toEqual([]);
  });

  it('has an expectation for every page under site/pages/admin', () => {
    const pages = adminPagesInCode();
    expect(pages).toContain('/admin');
    expect(
      pages.filter((page) => !(page in PAGES)),
      'pages without expectations',
    ).toEqual([]);
    expect(Object.keys(PAGES).filter((page) => !pages.includes(page))).toEqual([]);
  });
});

describe('the JSON admin API, route × role × institution', () => {
  for (const route of [...new Set([...DOCUMENTED, ...Object.keys(JSON_ROUTES)])]) {
    const spec = JSON_ROUTES[route];
    describe(route, () => {
      if (!spec) {
        it('has an expectation in the matrix', () => expect.fail(`${route} is in the OpenAPI document but not in JSON_ROUTES: add who may call it`));
        return;
      }
      const method = route.split(' ')[0];
      for (const cell of cellsOf(route, spec.targets)) {
        spec.prepare?.(cell);
        const outcome = spec.outcome(cell);
        it(title(outcome, cell, spec.targets[cell.target]), async () => {
          const request = await spec.request(cell);
          const before = await snapshot();
          const response = await callJson(cell.role, method, request.path, request.body, request.cookie);
          await expectOutcome(response, spec.outcome(cell), before, request.cookie);
        });
      }
    });
  }
});

describe('the workspace forms, route × role × institution', () => {
  for (const [route, spec] of Object.entries(FORM_ROUTES)) {
    describe(route, () => {
      for (const cell of cellsOf(route, spec.targets)) {
        spec.prepare?.(cell);
        const outcome = spec.outcome(cell);
        it(title(outcome, cell, spec.targets[cell.target]), async () => {
          const request = await spec.request(cell);
          const before = await snapshot();
          const session = request.session === undefined ? (htmlSessions[cell.role] ?? null) : request.session;
          const response = await postForm(cell.role, request.path, request.fields, session);
          await expectOutcome(response, spec.outcome(cell), before, session?.cookie);
        });
      }
    });
  }
});

describe('the workspace pages, page × role × institution', () => {
  for (const [page, spec] of Object.entries(PAGES)) {
    describe(`GET ${page}`, () => {
      for (const cell of cellsOf(`get ${page}`, spec.targets)) {
        spec.prepare?.(cell);
        const outcome = spec.outcome(cell);
        it(title(outcome, cell, spec.targets[cell.target]), async () => {
          const before = await snapshot();
          const response = await getPage(cell.role, spec.path(cell));
          await expectOutcome(response, spec.outcome(cell), before);
        });
      }
    });
  }
});

// --- Imports ------------------------------------------------------------------------------------

const IMPORT = {
  takeover: needEntry('imp-takeover', 'dgme'),
  takeoverDry: needEntry('imp-takeover-dry', 'dgme'),
  mixedOwn: needEntry('imp-mixed-own', 'rnpn'),
  mixedForeign: needEntry('imp-mixed-foreign', 'dgme'),
  ownTheme: needEntry('imp-own-theme', 'rnpn'),
  adminMove: needEntry('imp-admin-move', 'dgme'),
  adminDry: needEntry('imp-admin-dry', 'dgme'),
  tokenForeign: needEntry('imp-token-foreign', 'dgme'),
  tokenOwnTheme: needEntry('imp-token-own-theme', 'rnpn'),
  tokenOwn: needEntry('imp-token-own', 'rnpn'),
  personForeign: needEntry('imp-person-foreign', 'dgme'),
  personOwnTheme: needEntry('imp-person-own-theme', 'rnpn'),
  operatorOwn: needEntry('imp-operator-own', 'rnpn'),
};
const changed = { summary: 'Resumen cambiado por una carga de la matriz.' };

async function upload(role: Role, records: unknown[], options: { dryRun?: boolean } = {}) {
  const before = await snapshot();
  const response = await postForm(role, '/admin/importar', uploadForm(records, options));
  const html = await response.text();
  return { status: response.status, html, changes: changesBetween(before, await snapshot()) };
}

describe('the importer, as the RNPN officer', () => {
  it('refuses a record for DGME’s existing entry that claims RNPN, names the row and writes nothing', async () => {
    const { status, html, changes } = await upload('officer-rnpn', [entryDoc(IMPORT.takeover, 'rnpn', changed)]);
    expect(status).toBe(422);
    expect(html).toMatch(
      new RegExp(
        `Registro 1 \\(línea \\d+, «${IMPORT.takeover}»\\) — identificador \\(slug\\): El trámite «${IMPORT.takeover}» ya existe y es de otra institución \\(dgme\\)`,
      ),
    );
    expect(html).toContain('No se guardó nada');
    expect(changes).toEqual([]);
    expect(await institutionOf(IMPORT.takeover)).toBe('dgme');
  });

  it('refuses a new entry in DGME, names the row and writes nothing', async () => {
    const { status, html, changes } = await upload('officer-rnpn', [entryDoc('m-imp-nuevo-en-dgme', 'dgme')]);
    expect(status).toBe(422);
    expect(html).toMatch(/Registro 1 \(línea \d+, «m-imp-nuevo-en-dgme»\) — institución: Solo puede cargar trámites de su institución \(rnpn\)/);
    expect(changes).toEqual([]);
    expect((await app.request(`${ORIGIN}/api/procedures/m-imp-nuevo-en-dgme`)).status).toBe(404);
  });

  it('refuses a record under a theme that does not exist, names the row and creates no theme', async () => {
    const { status, html, changes } = await upload('officer-rnpn', [entryDoc(IMPORT.ownTheme, 'rnpn', { ...changed, category: 'tema-de-la-carga' })]);
    expect(status).toBe(422);
    expect(html).toMatch(
      new RegExp(
        `Registro 1 \\(línea \\d+, «${IMPORT.ownTheme}»\\) — categoría: El tema «tema-de-la-carga» no existe, y solo la administración puede crear temas`,
      ),
    );
    expect(changes).toEqual([]);
  });

  it('refuses a record in an institution that does not exist, names the row and creates no institution', async () => {
    const { status, html, changes } = await upload('officer-rnpn', [
      entryDoc('m-imp-institucion-inventada', 'institucion-de-la-carga', { institution_name: 'Institución de la carga' }),
    ]);
    expect(status).toBe(422);
    expect(html).toMatch(
      /Registro 1 \(línea \d+, «m-imp-institucion-inventada»\) — institución: La institución «institucion-de-la-carga» no existe, y solo la administración puede crear instituciones/,
    );
    expect(changes).toEqual([]);
  });

  it('reports the DGME record in a dry run too, and writes nothing', async () => {
    const { status, html, changes } = await upload('officer-rnpn', [entryDoc(IMPORT.takeoverDry, 'rnpn', changed)], { dryRun: true });
    expect(status).toBe(422);
    expect(html).toMatch(
      new RegExp(
        `Registro 1 \\(línea \\d+, «${IMPORT.takeoverDry}»\\) — identificador \\(slug\\): El trámite «${IMPORT.takeoverDry}» ya existe y es de otra institución \\(dgme\\)`,
      ),
    );
    expect(changes).toEqual([]);
    expect(await institutionOf(IMPORT.takeoverDry)).toBe('dgme');
  });

  it('writes not even its own valid record when the same file also holds DGME’s entry', async () => {
    const { status, html, changes } = await upload('officer-rnpn', [
      entryDoc(IMPORT.mixedOwn, 'rnpn', changed),
      entryDoc(IMPORT.mixedForeign, 'rnpn', changed),
    ]);
    expect(status).toBe(422);
    expect(html).toMatch(new RegExp(`Registro 2 \\(línea \\d+, «${IMPORT.mixedForeign}»\\)`));
    expect(html).not.toContain(`«${IMPORT.mixedOwn}»`);
    expect(changes).toEqual([]);
  });
});

describe('the importer, as an admin', () => {
  it('moves DGME’s entry to RNPN when the record says so, with an audit record', async () => {
    const { status, html, changes } = await upload('admin', [entryDoc(IMPORT.adminMove, 'rnpn', changed)]);
    expect(status, html.slice(0, 300)).toBe(200);
    expect(html).toContain('Importación completa: 0 nuevos, 1 actualizados');
    expect(changes).toEqual(['audit+1', `procedure:${IMPORT.adminMove}`]);
    expect(await institutionOf(IMPORT.adminMove)).toBe('rnpn');
  });

  it('checks the same record in a dry run without moving anything', async () => {
    const { status, html, changes } = await upload('admin', [entryDoc(IMPORT.adminDry, 'rnpn', changed)], { dryRun: true });
    expect(status).toBe(200);
    expect(html).toContain('prueba sin guardar');
    expect(changes).toEqual([]);
    expect(await institutionOf(IMPORT.adminDry)).toBe('dgme');
  });
});

describe('importCatalog called directly', () => {
  /** A foreign entry claimed, a new entry in DGME, a new theme, an unknown institution. */
  const refusedRows = (foreignSlug: string, ownSlug: string, prefix: string) => [
    entryDoc(foreignSlug, 'rnpn', changed),
    entryDoc(`m-${prefix}-nuevo-en-dgme`, 'dgme'),
    entryDoc(ownSlug, 'rnpn', { ...changed, category: `tema-${prefix}` }),
    entryDoc(`m-${prefix}-institucion-inventada`, `inst-${prefix}`, { institution_name: 'Institución inventada' }),
  ];

  async function importAs(actor: Actor, records: ProcedureDocumentInput[]) {
    const before = await snapshot();
    const report = await importCatalog(t.store, asRows(records), { actor });
    return { report, changes: changesBetween(before, await snapshot()) };
  }

  it('refuses every out-of-scope row for an institution token, each named, writing nothing', async () => {
    const actor = (await readApiToken(t.store.db, tokenRnpn)) as Actor;
    expect(actor).toMatchObject({ kind: 'token' });
    const { report, changes } = await importAs(actor, refusedRows(IMPORT.tokenForeign, IMPORT.tokenOwnTheme, 'imp-token'));
    expect(report.written).toBe(false);
    expect(report.issues.map((issue) => [issue.row, issue.field])).toEqual([
      [1, 'slug'],
      [2, 'institution'],
      [3, 'category'],
      [4, 'institution'],
    ]);
    expect(changes).toEqual([]);
  });

  it('refuses every out-of-scope row for the RNPN officer, each named, writing nothing', async () => {
    const officer = (await t.store.db.execute({ sql: 'SELECT id FROM people WHERE email = ?', args: [ACCOUNTS['officer-rnpn'].email] })).rows[0];
    const actor: Actor = {
      kind: 'person',
      id: Number(officer.id),
      email: ACCOUNTS['officer-rnpn'].email,
      role: 'officer',
      institutionId: institutionIds.get('rnpn') as number,
      queue: null,
    };
    const { report, changes } = await importAs(actor, refusedRows(IMPORT.personForeign, IMPORT.personOwnTheme, 'imp-person'));
    expect(report.written).toBe(false);
    expect(report.issues.map((issue) => [issue.row, issue.field])).toEqual([
      [1, 'slug'],
      [2, 'institution'],
      [3, 'category'],
      [4, 'institution'],
    ]);
    expect(changes).toEqual([]);
  });

  it('refuses even an RNPN record for an operator, who keeps no catalog', async () => {
    const operator = (await t.store.db.execute({ sql: 'SELECT id FROM people WHERE email = ?', args: [ACCOUNTS.operator.email] })).rows[0];
    const actor: Actor = { kind: 'person', id: Number(operator.id), email: ACCOUNTS.operator.email, role: 'operator', institutionId: null, queue: 'quejas' };
    const { report, changes } = await importAs(actor, [entryDoc(IMPORT.operatorOwn, 'rnpn', changed)]);
    expect(report.written).toBe(false);
    expect(report.issues).toHaveLength(1);
    expect(changes).toEqual([]);
  });

  it('writes the token’s own institution’s record, with an audit record', async () => {
    const actor = (await readApiToken(t.store.db, tokenRnpn)) as Actor;
    const { report, changes } = await importAs(actor, [entryDoc(IMPORT.tokenOwn, 'rnpn', changed)]);
    expect(report).toMatchObject({ written: true, issues: [], counts: { updated: 1 } });
    expect(changes).toEqual(['audit+1', `procedure:${IMPORT.tokenOwn}`]);
  });
});
