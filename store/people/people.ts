import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import type { Db, Store } from '../db.ts';
import { assertCanManagePeople, QUEUES, systemActor, type Actor, type Queue, type Role } from '../policy.ts';
import { DUMMY_HASH, generatePassword, hashIterations, hashPassword, passwordProblem, PBKDF2_ITERATIONS, verifyPassword } from './passwords.ts';

export { QUEUES, type Queue, type Role } from '../policy.ts';

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
  /** Receives the escalations of the queue (operators) or institution (officers). */
  supervisor: boolean;
}

const PERSON_SQL = `SELECT p.id, p.email, p.name, p.role, p.institution_id, i.slug AS institution_slug, p.queue,
       p.must_change_password, p.disabled_at, p.password_hash, p.supervisor
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
    supervisor: Number(row.supervisor ?? 0) === 1,
  };
}

/**
 * The actor a person acts as. Requests get theirs through `sessionActor` (sessions.ts), which
 * also refuses a session still on its one-time password; this plain mapping is for the system
 * itself (tests, commands) acting on a person's behalf.
 */
export function personActor(person: Person): Actor {
  return {
    kind: 'person',
    id: person.id,
    email: person.email,
    role: person.role,
    institutionId: person.institutionId,
    queue: person.queue,
    supervisor: person.supervisor,
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface NewPerson {
  email: string;
  name?: string;
  role: Role;
  institutionSlug?: string;
  queue?: string;
  supervisor?: boolean;
}

/**
 * Creates a person with a generated one-time password (returned once, never stored in clear).
 * `by` is an admin, or null for the system itself (the first admin at first start,
 * `npm run user:create` on the server), recorded as `system:cli`.
 */
export async function createPerson(
  store: Store,
  input: NewPerson,
  by: Actor | null,
  options: { iterations?: number } = {},
): Promise<{ person: Person; oneTimePassword: string }> {
  if (by) assertCanManagePeople(by);
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 200)
    throw new AppError('invalid_email', 'Escriba un correo válido, como nombre@institucion.gob.sv.', {
      fields: { email: 'Correo no válido: escríbalo como nombre@institucion.gob.sv.' },
    });
  if (!['admin', 'officer', 'operator'].includes(input.role))
    throw new AppError('invalid_role', 'El rol debe ser admin, officer u operator.', { fields: { role: 'Elija un rol de la lista.' } });
  if ((input.name ?? '').length > 200)
    throw new AppError('invalid_name', 'Acorte el nombre a 200 caracteres.', { fields: { name: 'Acorte el nombre a 200 caracteres.' } });
  let institutionId: number | null = null;
  if (input.role === 'officer') {
    if (!input.institutionSlug)
      throw new AppError('institution_required', 'Un oficial de información necesita su institución (--institution SLUG).', {
        fields: { institution: 'Un oficial de información necesita su institución: elíjala de la lista.' },
      });
    const row = await store.db.execute({ sql: 'SELECT id FROM institutions WHERE slug = ?', args: [input.institutionSlug] });
    if (!row.rows[0])
      throw new AppError('unknown_institution', `No existe la institución «${input.institutionSlug}».`, {
        fields: { institution: 'Institución desconocida: elíjala de la lista.' },
      });
    institutionId = Number(row.rows[0].id);
  }
  let queue: string | null = null;
  if (input.role === 'operator') {
    if (!input.queue || !(QUEUES as readonly string[]).includes(input.queue)) {
      throw new AppError('queue_required', `Un operador necesita su cola: ${QUEUES.join(', ')} (--queue).`, {
        fields: { queue: 'Un operador necesita su cola: emergencias, 198 o quejas.' },
      });
    }
    queue = input.queue;
  }
  const oneTimePassword = generatePassword();
  const passwordHash = await hashPassword(oneTimePassword, options.iterations);
  const person = await store.write(async (tx) => {
    const existing = await tx.execute({ sql: 'SELECT id FROM people WHERE email = ?', args: [email] });
    if (existing.rows[0])
      throw new AppError('email_taken', `Ya existe una cuenta con el correo ${email}.`, {
        status: 409,
        fields: { email: 'Ya hay una cuenta con ese correo.' },
      });
    const inserted = await tx.execute({
      sql: 'INSERT INTO people (email, name, role, institution_id, queue, supervisor, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      args: [email, input.name?.trim() || null, input.role, institutionId, queue, input.supervisor ? 1 : 0, passwordHash, store.clock.now().toISOString()],
    });
    const id = Number(inserted.rows[0].id);
    const created = await getPerson(tx, id);
    const actor: Actor = by ?? systemActor('cli');
    await appendAudit(store, tx, actor, {
      action: 'person.create',
      entity: 'person',
      entityId: String(id),
      after: { email, role: input.role, institutionId, queue, supervisor: input.supervisor ?? false },
    });
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

/**
 * The person with this email and password, or null (the same answer, in about the same time, for
 * an unknown email, a wrong password and a disabled account). A hash made with another iteration
 * count is rehashed with the current one (PBKDF2_ITERATIONS).
 */
export async function authenticate(store: Store, email: string, password: string, options: { iterations?: number } = {}): Promise<Person | null> {
  const rows = await store.db.execute({ sql: `${PERSON_SQL} WHERE p.email = ?`, args: [email.trim().toLowerCase()] });
  const row = rows.rows[0];
  const stored = row ? String(row.password_hash) : DUMMY_HASH;
  const ok = await verifyPassword(password, stored);
  if (!row || !ok || row.disabled_at !== null) return null;
  const wanted = options.iterations ?? PBKDF2_ITERATIONS;
  if (hashIterations(stored) !== wanted) {
    const rehashed = await hashPassword(password, wanted);
    await store.batch([{ sql: 'UPDATE people SET password_hash = ? WHERE id = ? AND password_hash = ?', args: [rehashed, Number(row.id), stored] }]);
  }
  return toPerson(row);
}

/**
 * Sets a new password chosen by the person, who must give the current one (a session left open on
 * a shared computer must not be enough to take the account). Ends their other sessions.
 */
export async function changePassword(
  store: Store,
  person: Person,
  passwords: { current: string; next: string },
  options: { iterations?: number; keepSessionHash?: string } = {},
): Promise<void> {
  const stored = await store.db.execute({ sql: 'SELECT password_hash FROM people WHERE id = ?', args: [person.id] });
  if (!stored.rows[0] || !(await verifyPassword(passwords.current, String(stored.rows[0].password_hash)))) {
    throw new AppError('wrong_password', 'La contraseña actual no es correcta.', {
      status: 400,
      fields: { current_password: 'La contraseña actual no es correcta: escriba la que usó para entrar.' },
    });
  }
  if (passwords.next === passwords.current) {
    throw new AppError('same_password', 'La contraseña nueva debe ser distinta de la actual.', {
      fields: { new_password: 'Elija una contraseña distinta de la actual.' },
    });
  }
  const problem = passwordProblem(passwords.next, [person.email, ...person.email.split(/[@.]/)]);
  if (problem) throw new AppError('weak_password', problem, { fields: { new_password: problem } });
  const hash = await hashPassword(passwords.next, options.iterations);
  await store.write(async (tx) => {
    await tx.execute({ sql: 'UPDATE people SET password_hash = ?, must_change_password = 0 WHERE id = ?', args: [hash, person.id] });
    await tx.execute({ sql: 'DELETE FROM sessions WHERE person_id = ? AND id_hash <> ?', args: [person.id, options.keepSessionHash ?? ''] });
    await appendAudit(store, tx, personActor(person), { action: 'person.password', entity: 'person', entityId: String(person.id) });
  });
}

/** Disables an account and ends its sessions at once (admins only). */
export async function disablePerson(store: Store, by: Actor, personId: number): Promise<void> {
  assertCanManagePeople(by);
  await store.write(async (tx) => {
    const before = await getPerson(tx, personId);
    if (!before) throw new AppError('not_found', 'No existe esa cuenta.', { status: 404 });
    await tx.execute({ sql: 'UPDATE people SET disabled_at = ? WHERE id = ?', args: [store.clock.now().toISOString(), personId] });
    await tx.execute({ sql: 'DELETE FROM sessions WHERE person_id = ?', args: [personId] });
    await appendAudit(store, tx, by, { action: 'person.disable', entity: 'person', entityId: String(personId), before, after: { ...before, disabled: true } });
  });
}

export interface PersonRow {
  id: number;
  email: string;
  name: string | null;
  role: string;
  institution: string | null;
  queue: string | null;
  disabled: boolean;
}

/** Every account, active first (admins only). */
export async function listPeople(db: Db, actor: Actor): Promise<PersonRow[]> {
  assertCanManagePeople(actor);
  const rows = await db.execute(
    'SELECT p.id, p.email, p.role, p.name, i.slug AS institution, p.queue, p.disabled_at FROM people p LEFT JOIN institutions i ON i.id = p.institution_id ORDER BY p.disabled_at IS NOT NULL, p.email',
  );
  return rows.rows.map((row) => ({
    id: Number(row.id),
    email: String(row.email),
    name: row.name === null ? null : String(row.name),
    role: String(row.role),
    institution: row.institution === null ? null : String(row.institution),
    queue: row.queue === null ? null : String(row.queue),
    disabled: row.disabled_at !== null,
  }));
}

/**
 * Gives a person who forgot their password a new one-time password (admins only): the old one
 * stops working, their sessions end, and they must choose their own at the next sign-in. Audited
 * as `person.password_reset`; the password is returned once and never stored in clear.
 */
export async function resetPassword(
  store: Store,
  by: Actor,
  personId: number,
  options: { iterations?: number } = {},
): Promise<{ person: Person; oneTimePassword: string }> {
  assertCanManagePeople(by);
  const oneTimePassword = generatePassword();
  const passwordHash = await hashPassword(oneTimePassword, options.iterations);
  const person = await store.write(async (tx) => {
    const before = await getPerson(tx, personId);
    if (!before) throw new AppError('not_found', 'No existe esa cuenta.', { status: 404 });
    if (before.disabled) throw new AppError('person_disabled', 'Esa cuenta está desactivada: no se le puede dar una contraseña nueva.', { status: 409 });
    await tx.execute({ sql: 'UPDATE people SET password_hash = ?, must_change_password = 1 WHERE id = ?', args: [passwordHash, personId] });
    await tx.execute({ sql: 'DELETE FROM sessions WHERE person_id = ?', args: [personId] });
    await appendAudit(store, tx, by, {
      action: 'person.password_reset',
      entity: 'person',
      entityId: String(personId),
      before: { mustChangePassword: before.mustChangePassword },
      after: { mustChangePassword: true },
    });
    return { ...before, mustChangePassword: true };
  });
  return { person, oneTimePassword };
}

const SYSTEM_NAMES: Record<string, string> = {
  'system:seed': 'Sistema (carga inicial del catálogo)',
  'system:cli': 'Sistema (comando en el servidor)',
  'system:jobs': 'Sistema (tareas programadas)',
};

/**
 * Names for people to read behind recorded actor labels: a person's name (their email when they
 * have none), «Sistema … (token)» for an institution's system, the system's job. Unknown labels
 * are left out (the caller shows the label itself).
 *
 * @example (await actorNames(db, ['person:2'])).get('person:2') // 'Ana Martínez'
 */
export async function actorNames(db: Db, labels: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const ids = (prefix: string) =>
    [...new Set(labels.filter((label) => label.startsWith(`${prefix}:`)).map((label) => Number(label.slice(prefix.length + 1))))].filter(Number.isInteger);
  const people = ids('person');
  if (people.length > 0) {
    const rows = await db.execute({ sql: `SELECT id, name, email FROM people WHERE id IN (${people.map(() => '?').join(', ')})`, args: people });
    for (const row of rows.rows) names.set(`person:${row.id}`, row.name === null || String(row.name).trim() === '' ? String(row.email) : String(row.name));
  }
  const tokens = ids('token');
  if (tokens.length > 0) {
    const rows = await db.execute({ sql: `SELECT id, name FROM api_tokens WHERE id IN (${tokens.map(() => '?').join(', ')})`, args: tokens });
    for (const row of rows.rows) names.set(`token:${row.id}`, `${String(row.name)} (token)`);
  }
  for (const label of labels) if (SYSTEM_NAMES[label]) names.set(label, SYSTEM_NAMES[label]);
  return names;
}
