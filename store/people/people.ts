import { AppError } from '../app-error.ts';
import { appendAudit, type Actor } from '../audit/audit.ts';
import { hmacHex, randomToken, sha256Hex } from '../crypto.ts';
import type { Db, Store } from '../db.ts';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

export type Role = 'admin' | 'officer' | 'operator';
export const QUEUES = ['emergencias', '198', 'quejas'] as const;
export type Queue = (typeof QUEUES)[number];

export interface Person {
  id: number;
  email: string;
  name: string | null;
  role: Role;
  institutionId: number | null;
  institutionSlug: string | null;
  queue: Queue | null;
  mustChangePassword: boolean;
  disabled: boolean;
}

const PERSON_SQL = `SELECT p.id, p.email, p.name, p.role, p.institution_id, i.slug AS institution_slug, p.queue,
       p.must_change_password, p.disabled_at, p.password_hash
  FROM people p LEFT JOIN institutions i ON i.id = p.institution_id`;

function toPerson(row: Record<string, unknown>): Person {
  return {
    id: Number(row.id),
    email: String(row.email),
    name: row.name === null ? null : String(row.name),
    role: String(row.role) as Role,
    institutionId: row.institution_id === null ? null : Number(row.institution_id),
    institutionSlug: row.institution_slug === null ? null : String(row.institution_slug),
    queue: row.queue === null ? null : (String(row.queue) as Queue),
    mustChangePassword: Number(row.must_change_password) === 1,
    disabled: row.disabled_at !== null,
  };
}

export function personActor(person: Person): Actor {
  return { kind: 'person', id: person.id, email: person.email, role: person.role, institutionId: person.institutionId, queue: person.queue };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface NewPerson {
  email: string;
  name?: string;
  role: Role;
  institutionSlug?: string;
  queue?: string;
}

/**
 * Creates a person with a generated one-time password (returned once, never stored in clear).
 * `by` is null only for the first admin, created by the system at first start.
 */
export async function createPerson(store: Store, input: NewPerson, by: Actor | null, options: { iterations?: number } = {}): Promise<{ person: Person; oneTimePassword: string }> {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 200) throw new AppError('invalid_email', 'Escriba un correo válido, como nombre@institucion.gob.sv.', { fields: { email: 'Correo no válido.' } });
  if (!['admin', 'officer', 'operator'].includes(input.role)) throw new AppError('invalid_role', 'El rol debe ser admin, officer u operator.', { fields: { role: 'Rol no válido.' } });
  if (by && (by.kind !== 'person' || by.role !== 'admin')) throw new AppError('forbidden', 'Solo una persona administradora puede crear cuentas.', { status: 403 });
  let institutionId: number | null = null;
  if (input.role === 'officer') {
    if (!input.institutionSlug) throw new AppError('institution_required', 'Un oficial de información necesita su institución (--institution SLUG).', { fields: { institution: 'Un oficial de información necesita su institución: elíjala de la lista.' } });
    const row = await store.db.execute({ sql: 'SELECT id FROM institutions WHERE slug = ?', args: [input.institutionSlug] });
    if (!row.rows[0]) throw new AppError('unknown_institution', `No existe la institución «${input.institutionSlug}».`, { fields: { institution: 'Institución desconocida.' } });
    institutionId = Number(row.rows[0].id);
  }
  let queue: string | null = null;
  if (input.role === 'operator') {
    if (!input.queue || !(QUEUES as readonly string[]).includes(input.queue)) {
      throw new AppError('queue_required', `Un operador necesita su cola: ${QUEUES.join(', ')} (--queue).`, { fields: { queue: 'Un operador necesita su cola: emergencias, 198 o quejas.' } });
    }
    queue = input.queue;
  }
  const oneTimePassword = generatePassword();
  const passwordHash = await hashPassword(oneTimePassword, options.iterations);
  const person = await store.write(async (tx) => {
    const existing = await tx.execute({ sql: 'SELECT id FROM people WHERE email = ?', args: [email] });
    if (existing.rows[0]) throw new AppError('email_taken', `Ya existe una cuenta con el correo ${email}.`, { status: 409, fields: { email: 'Correo ya registrado.' } });
    const inserted = await tx.execute({
      sql: 'INSERT INTO people (email, name, role, institution_id, queue, password_hash) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
      args: [email, input.name?.trim() || null, input.role, institutionId, queue, passwordHash],
    });
    const id = Number(inserted.rows[0].id);
    const created = await getPerson(tx, id);
    const actor: Actor = by ?? { kind: 'person', id, email, role: input.role, institutionId, queue };
    await appendAudit(tx, actor, { action: 'person.create', entity: 'person', entityId: String(id), after: { email, role: input.role, institutionId, queue } });
    return created as Person;
  });
  return { person, oneTimePassword };
}

export async function getPerson(db: Db, id: number): Promise<Person | null> {
  const rows = await db.execute({ sql: `${PERSON_SQL} WHERE p.id = ?`, args: [id] });
  return rows.rows[0] ? toPerson(rows.rows[0]) : null;
}

export async function countAdmins(db: Db): Promise<number> {
  const rows = await db.execute("SELECT count(*) AS n FROM people WHERE role = 'admin' AND disabled_at IS NULL");
  return Number(rows.rows[0].n);
}

/** The person with this email and password, or null (same answer for unknown email and wrong password). */
export async function authenticate(db: Db, email: string, password: string): Promise<Person | null> {
  const rows = await db.execute({ sql: `${PERSON_SQL} WHERE p.email = ?`, args: [email.trim().toLowerCase()] });
  const row = rows.rows[0];
  // Hash anyway when the email is unknown, so timing does not reveal which accounts exist.
  const ok = await verifyPassword(password, row ? String(row.password_hash) : 'pbkdf2-sha256$600000$00$00');
  if (!row || !ok || row.disabled_at !== null) return null;
  return toPerson(row);
}

/** Sets a new password chosen by the person (policy checked), ending their other sessions. */
export async function changePassword(store: Store, person: Person, newPassword: string, options: { iterations?: number; keepSessionHash?: string } = {}): Promise<void> {
  const problem = passwordProblem(newPassword, [person.email, ...person.email.split(/[@.]/)]);
  if (problem) throw new AppError('weak_password', problem, { fields: { password: problem } });
  const hash = await hashPassword(newPassword, options.iterations);
  await store.write(async (tx) => {
    await tx.execute({ sql: 'UPDATE people SET password_hash = ?, must_change_password = 0 WHERE id = ?', args: [hash, person.id] });
    await tx.execute({ sql: 'DELETE FROM sessions WHERE person_id = ? AND id_hash <> ?', args: [person.id, options.keepSessionHash ?? ''] });
    await appendAudit(tx, personActor(person), { action: 'person.password', entity: 'person', entityId: String(person.id) });
  });
}

/** Disables an account and ends its sessions at once. */
export async function disablePerson(store: Store, by: Actor, personId: number): Promise<void> {
  if (by.kind !== 'person' || by.role !== 'admin') throw new AppError('forbidden', 'Solo una persona administradora puede desactivar cuentas.', { status: 403 });
  await store.write(async (tx) => {
    const before = await getPerson(tx, personId);
    if (!before) throw new AppError('not_found', 'No existe esa cuenta.', { status: 404 });
    await tx.execute({ sql: "UPDATE people SET disabled_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?", args: [personId] });
    await tx.execute({ sql: 'DELETE FROM sessions WHERE person_id = ?', args: [personId] });
    await appendAudit(tx, by, { action: 'person.disable', entity: 'person', entityId: String(personId), before, after: { ...before, disabled: true } });
  });
}

// --- Sessions ---------------------------------------------------------------------------------

export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;

/** A new session (new id at every sign-in); returns the cookie value, which is never stored. */
export async function createSession(store: Store, person: Person, now = new Date()): Promise<{ cookieValue: string; csrfToken: string }> {
  const cookieValue = randomToken(32);
  const csrfToken = randomToken(24);
  const at = now.toISOString();
  await store.batch([
    { sql: 'INSERT INTO sessions (id_hash, person_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)', args: [await sha256Hex(cookieValue), person.id, csrfToken, at, at] },
  ]);
  return { cookieValue, csrfToken };
}

export interface ActiveSession {
  person: Person;
  csrfToken: string;
  idHash: string;
}

/**
 * The person behind a session cookie, or null when the session is unknown, idle for 30 minutes,
 * older than 12 hours, or the account is disabled. Touches the session (idle timer) when valid.
 */
export async function readSession(store: Store, cookieValue: string, now = new Date()): Promise<ActiveSession | null> {
  const idHash = await sha256Hex(cookieValue);
  const rows = await store.db.execute({ sql: 'SELECT person_id, csrf_token, created_at, last_seen_at FROM sessions WHERE id_hash = ?', args: [idHash] });
  const row = rows.rows[0];
  if (!row) return null;
  const expired = now.getTime() - Date.parse(String(row.last_seen_at)) > SESSION_IDLE_MS || now.getTime() - Date.parse(String(row.created_at)) > SESSION_ABSOLUTE_MS;
  const person = expired ? null : await getPerson(store.db, Number(row.person_id));
  if (!person || person.disabled) {
    await store.batch([{ sql: 'DELETE FROM sessions WHERE id_hash = ?', args: [idHash] }]);
    return null;
  }
  // Touch at most once a minute: reading a page should rarely write.
  if (now.getTime() - Date.parse(String(row.last_seen_at)) > 60_000) {
    await store.batch([{ sql: 'UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?', args: [now.toISOString(), idHash] }]);
  }
  return { person, csrfToken: String(row.csrf_token), idHash };
}

export async function endSession(store: Store, cookieValue: string): Promise<void> {
  await store.batch([{ sql: 'DELETE FROM sessions WHERE id_hash = ?', args: [await sha256Hex(cookieValue)] }]);
}

// --- Institution API tokens -------------------------------------------------------------------

/** Creates a token for an institution's systems; the token is shown once and stored hashed. */
export async function createApiToken(store: Store, by: Actor, institutionSlug: string, name: string): Promise<string> {
  if (by.kind !== 'person' || by.role !== 'admin') throw new AppError('forbidden', 'Solo una persona administradora puede crear tokens.', { status: 403 });
  const institution = await store.db.execute({ sql: 'SELECT id FROM institutions WHERE slug = ?', args: [institutionSlug] });
  if (!institution.rows[0]) throw new AppError('unknown_institution', `No existe la institución «${institutionSlug}».`, { status: 404 });
  const token = `tsv_${randomToken(32)}`;
  await store.write(async (tx) => {
    const inserted = await tx.execute({
      sql: 'INSERT INTO api_tokens (institution_id, name, token_hash, created_by) VALUES (?, ?, ?, ?) RETURNING id',
      args: [Number(institution.rows[0].id), name, await sha256Hex(token), by.id],
    });
    await appendAudit(tx, by, { action: 'token.create', entity: 'api_token', entityId: String(inserted.rows[0].id), after: { institutionSlug, name } });
  });
  return token;
}

/** The institution actor behind a bearer token, or null when unknown or revoked. */
export async function readApiToken(db: Db, token: string): Promise<Actor | null> {
  const rows = await db.execute({ sql: 'SELECT id, institution_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL', args: [await sha256Hex(token)] });
  const row = rows.rows[0];
  return row ? { kind: 'token', id: Number(row.id), institutionId: Number(row.institution_id) } : null;
}

/** A keyed hash of a client address that changes daily (for «one per client per day»). */
export async function dailyClientHash(key: string, clientAddress: string, day: string): Promise<string> {
  return (await hmacHex(key, `${day}|${clientAddress}`)).slice(0, 32);
}
