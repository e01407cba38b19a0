import { AppError } from '../app-error.ts';
import { randomToken, sha256Hex } from '../crypto.ts';
import type { Store } from '../db.ts';
import type { Actor } from '../policy.ts';
import { getPerson, personActor, type Person } from './people.ts';

export const SESSION_IDLE_MS = 30 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60 * 1000;

export interface ActiveSession {
  person: Person;
  csrfToken: string;
  idHash: string;
}

/** A new session (new id at every sign-in); returns the cookie value, which is never stored. */
export async function createSession(store: Store, person: Person): Promise<{ cookieValue: string; csrfToken: string }> {
  const cookieValue = randomToken(32);
  const csrfToken = randomToken(24);
  const at = store.clock.now().toISOString();
  await store.batch([
    {
      sql: 'INSERT INTO sessions (id_hash, person_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
      args: [await sha256Hex(cookieValue), person.id, csrfToken, at, at],
    },
  ]);
  return { cookieValue, csrfToken };
}

/**
 * The person behind a session cookie, or null when the session is unknown, idle for 30 minutes,
 * older than 12 hours, or the account is disabled. Touches the session (idle timer) when valid,
 * unless `touch: false`: a live queue polling by itself is not the person being there, and must
 * not keep an unattended workstation signed in.
 */
export async function readSession(store: Store, cookieValue: string, options: { touch?: boolean } = {}): Promise<ActiveSession | null> {
  const now = store.clock.now().getTime();
  const idHash = await sha256Hex(cookieValue);
  const rows = await store.db.execute({ sql: 'SELECT person_id, csrf_token, created_at, last_seen_at FROM sessions WHERE id_hash = ?', args: [idHash] });
  const row = rows.rows[0];
  if (!row) return null;
  const expired = now - Date.parse(String(row.last_seen_at)) > SESSION_IDLE_MS || now - Date.parse(String(row.created_at)) > SESSION_ABSOLUTE_MS;
  const person = expired ? null : await getPerson(store.db, Number(row.person_id));
  if (!person || person.disabled) {
    await store.batch([{ sql: 'DELETE FROM sessions WHERE id_hash = ?', args: [idHash] }]);
    return null;
  }
  // Touch at most once a minute: reading a page should rarely write.
  if (options.touch !== false && now - Date.parse(String(row.last_seen_at)) > 60_000) {
    await store.batch([{ sql: 'UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?', args: [new Date(now).toISOString(), idHash] }]);
  }
  return { person, csrfToken: String(row.csrf_token), idHash };
}

/**
 * The actor a session acts as. A person still on a one-time password acts as nobody until they
 * choose their own: every JSON route and page asks here, so none can forget the rule.
 */
export function sessionActor(session: ActiveSession): Actor {
  if (session.person.mustChangePassword) {
    throw new AppError('password_change_required', 'Antes de continuar, cambie su contraseña de un solo uso (POST /api/admin/password o /admin/clave).', {
      status: 403,
    });
  }
  return personActor(session.person);
}

export async function endSession(store: Store, cookieValue: string): Promise<void> {
  await store.batch([{ sql: 'DELETE FROM sessions WHERE id_hash = ?', args: [await sha256Hex(cookieValue)] }]);
}

/**
 * A one-time secret kept for the page a form redirects to. `path`: the only page that may show it
 * (a case's contact belongs on that case's page, never on another one).
 */
export interface Flash {
  label: string;
  value: string;
  path?: string;
}

/**
 * Keeps a one-time secret (a new account's password, a new token) for the page the form redirects
 * to, encrypted. Post/redirect/get: if that page fails to draw, the secret is still there on reload.
 */
export async function keepFlash(store: Store, session: ActiveSession, flash: Flash): Promise<void> {
  await store.batch([{ sql: 'UPDATE sessions SET flash = ? WHERE id_hash = ?', args: [await store.cipher.encrypt(JSON.stringify(flash)), session.idHash] }]);
}

/** The kept secret, if any (it stays until `clearFlash`, called once the page showing it is drawn). */
export async function peekFlash(store: Store, session: ActiveSession): Promise<Flash | null> {
  const rows = await store.db.execute({ sql: 'SELECT flash FROM sessions WHERE id_hash = ?', args: [session.idHash] });
  const stored = rows.rows[0]?.flash;
  if (stored === null || stored === undefined) return null;
  try {
    return JSON.parse(await store.cipher.decrypt(String(stored))) as Flash;
  } catch {
    return null;
  }
}

export async function clearFlash(store: Store, session: ActiveSession): Promise<void> {
  await store.batch([{ sql: 'UPDATE sessions SET flash = NULL WHERE id_hash = ?', args: [session.idHash] }]);
}
