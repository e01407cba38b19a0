import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import { randomToken, sha256Hex } from '../crypto.ts';
import type { Db, Store } from '../db.ts';
import { assertCanManageOpen311Clients, type Actor } from '../policy.ts';
import { OPEN311_KINDS, type ReportKind } from './kinds.ts';
import { normalizeTrackingCode } from './tracking-code.ts';

/**
 * Open311 GeoReport v2 in the store: the client applications that may post (each with an
 * `api_key`, issued by admins, shown once, kept only as a hash) and the public reading of cases.
 *
 * What a reading returns is public by construction: the queries never select the description,
 * the address, the contact or the attributes, and never a violence case (`kind IN OPEN311_KINDS`
 * in the SQL itself, so no caller can forget it).
 */

// --- Client applications -------------------------------------------------------------------

export interface Open311Client {
  id: number;
  name: string;
}

export interface Open311ClientListing extends Open311Client {
  createdAt: string;
  revoked: boolean;
}

/** `o311_` and 43 URL-safe characters (32 random bytes): told apart from institution tokens at a glance. */
const KEY_PATTERN = /^o311_[A-Za-z0-9_-]{43}$/;

function nameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 120 || /[\u0000-\u001F\u007F]/.test(name)) {
    return 'Escriba el nombre de la aplicación cliente (de 3 a 120 caracteres).';
  }
  return null;
}

/**
 * Issues an `api_key` for a client application (admins only). The key is random, returned once
 * and stored as its SHA-256 (like institution tokens: 256 random bits need no slow hash).
 *
 * @example const { apiKey } = await issueOpen311Key(store, systemActor('cli'), 'App Ciudadana')
 */
export async function issueOpen311Key(store: Store, actor: Actor, name: string): Promise<{ id: number; apiKey: string }> {
  assertCanManageOpen311Clients(actor);
  const label = name.trim();
  const problem = nameProblem(label);
  if (problem) throw new AppError('invalid_open311_client', problem, { fields: { name: problem } });
  const apiKey = `o311_${randomToken(32)}`;
  const keyHash = await sha256Hex(apiKey);
  const id = await store.write(async (tx) => {
    const inserted = await tx.execute({
      sql: 'INSERT INTO open311_clients (name, key_hash, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id',
      args: [label, keyHash, actor.kind === 'person' ? actor.id : null, store.clock.now().toISOString()],
    });
    const clientId = Number(inserted.rows[0].id);
    await appendAudit(store, tx, actor, { action: 'open311.key_issue', entity: 'open311_client', entityId: String(clientId), after: { name: label } });
    return clientId;
  });
  return { id, apiKey };
}

/** The client application behind an `api_key`, or null when unknown, malformed or revoked. */
export async function readOpen311Client(db: Db, apiKey: string): Promise<Open311Client | null> {
  if (!KEY_PATTERN.test(apiKey)) return null;
  const rows = await db.execute({
    sql: 'SELECT id, name FROM open311_clients WHERE key_hash = ? AND revoked_at IS NULL',
    args: [await sha256Hex(apiKey)],
  });
  const row = rows.rows[0];
  return row ? { id: Number(row.id), name: String(row.name) } : null;
}

/** Every client application, newest first (admins only). */
export async function listOpen311Clients(db: Db, actor: Actor): Promise<Open311ClientListing[]> {
  assertCanManageOpen311Clients(actor);
  const rows = await db.execute('SELECT id, name, created_at, revoked_at FROM open311_clients ORDER BY id DESC');
  return rows.rows.map((row) => ({ id: Number(row.id), name: String(row.name), createdAt: String(row.created_at), revoked: row.revoked_at !== null }));
}

/** Revokes a client's key at once (admins only); its cases stay. */
export async function revokeOpen311Client(store: Store, actor: Actor, clientId: number): Promise<void> {
  assertCanManageOpen311Clients(actor);
  await store.write(async (tx) => {
    const updated = await tx.execute({
      sql: 'UPDATE open311_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id',
      args: [store.clock.now().toISOString(), clientId],
    });
    if (updated.rows.length === 0) throw new AppError('not_found', 'No existe esa aplicación cliente o su clave ya estaba revocada.', { status: 404 });
    await appendAudit(store, tx, actor, { action: 'open311.key_revoke', entity: 'open311_client', entityId: String(clientId), after: { revoked: true } });
  });
}

// --- Public reading ------------------------------------------------------------------------

/** The most GET Service Requests returns at once (GeoReport v2, «Response Volume»). */
export const OPEN311_MAX_RESULTS = 1000;

/** A case as Open311 may show it: nothing she wrote, nothing that places her closer than ~100 m. */
export interface Open311Request {
  /** Canonical tracking code (no hyphens). */
  code: string;
  kind: ReportKind;
  status: 'open' | 'closed';
  stateName: string;
  /** The institution handling it (never the one a corruption report accuses). */
  institutionName: string | null;
  requestedAt: string;
  /** Last public change (closing, for a closed case); internal notes and openings do not count. */
  updatedAt: string;
  /** The SLA's resolve deadline while open. */
  expectedAt: string | null;
  /** WGS84, rounded to 3 decimals (about 110 m). */
  lat: number | null;
  lng: number | null;
  /** The district, municipality or department code from the reference data, the finest known. */
  areaCode: string | null;
}

// Events whose time is a public change of the case (what her own timeline shows, minus her messages).
const PUBLIC_CHANGE_TYPES = "('created', 'status', 'public_reply', 'refer', 'merge')";

const kindsSql = () => `r.kind IN (${OPEN311_KINDS.map(() => '?').join(', ')})`;

const REQUEST_SELECT = `SELECT r.code, r.kind, s.type AS status, s.name AS state_name, i.name AS institution_name, r.created_at, r.closed_at,
         r.resolve_due_at, r.lat, r.lng, coalesce(r.district_code, r.municipality_code, r.department_code) AS area_code,
         (SELECT max(e.at) FROM report_events e WHERE e.report_id = r.id AND e.public = 1 AND e.type IN ${PUBLIC_CHANGE_TYPES}) AS changed_at
    FROM reports r JOIN report_states s ON s.code = r.state LEFT JOIN institutions i ON i.id = r.institution_id`;

const rounded = (value: unknown): number | null => (value === null || value === undefined ? null : Math.round(Number(value) * 1000) / 1000);

function toRequest(row: Record<string, unknown>): Open311Request {
  const status = String(row.status) as 'open' | 'closed';
  const closedAt = row.closed_at === null ? null : String(row.closed_at);
  return {
    code: String(row.code),
    kind: String(row.kind) as ReportKind,
    status,
    stateName: String(row.state_name),
    institutionName: row.institution_name === null ? null : String(row.institution_name),
    requestedAt: String(row.created_at),
    // GeoReport v2: «For requests with status=closed, this will be the date the request was closed.»
    updatedAt: status === 'closed' && closedAt ? closedAt : String(row.changed_at ?? row.created_at),
    expectedAt: status === 'open' ? String(row.resolve_due_at) : null,
    lat: rounded(row.lat),
    lng: rounded(row.lng),
    areaCode: row.area_code === null ? null : String(row.area_code),
  };
}

/**
 * The cases with these tracking codes (as people write them: any case, with or without hyphens),
 * newest first; unknown codes, malformed ones and violence cases are simply not there.
 */
export async function getOpen311Requests(db: Db, codes: readonly string[]): Promise<Open311Request[]> {
  const canonical = [...new Set(codes.map((code) => normalizeTrackingCode(code)).filter((code): code is string => code !== null))].slice(
    0,
    OPEN311_MAX_RESULTS,
  );
  if (canonical.length === 0) return [];
  const rows = await db.execute({
    sql: `${REQUEST_SELECT} WHERE ${kindsSql()} AND r.code IN (${canonical.map(() => '?').join(', ')}) ORDER BY r.created_at DESC, r.id DESC`,
    args: [...OPEN311_KINDS, ...canonical],
  });
  return rows.rows.map(toRequest);
}

export interface Open311Filters {
  /** Requested between these instants (ISO, inclusive); the caller keeps the span within 90 days. */
  from: string;
  to: string;
  serviceCodes?: readonly ReportKind[];
  statuses?: readonly ('open' | 'closed')[];
  limit?: number;
}

/**
 * The cases a client application filed, newest first, at most 1,000.
 * Only its own: their tracking codes are what the person who reported follows her case with
 * (and may close it or delete her contact with), so they are never listed to anyone else.
 */
export async function listOpen311Requests(db: Db, clientId: number, filters: Open311Filters): Promise<Open311Request[]> {
  const where = [kindsSql(), 'r.open311_client_id = ?', 'r.created_at >= ?', 'r.created_at <= ?'];
  const args: (string | number)[] = [...OPEN311_KINDS, clientId, filters.from, filters.to];
  if (filters.serviceCodes && filters.serviceCodes.length > 0) {
    where.push(`r.kind IN (${filters.serviceCodes.map(() => '?').join(', ')})`);
    args.push(...filters.serviceCodes);
  }
  if (filters.statuses && filters.statuses.length > 0) {
    where.push(`s.type IN (${filters.statuses.map(() => '?').join(', ')})`);
    args.push(...filters.statuses);
  }
  const limit = Math.min(Math.max(filters.limit ?? OPEN311_MAX_RESULTS, 1), OPEN311_MAX_RESULTS);
  const rows = await db.execute({
    sql: `${REQUEST_SELECT} WHERE ${where.join(' AND ')} ORDER BY r.created_at DESC, r.id DESC LIMIT ?`,
    args: [...args, limit],
  });
  return rows.rows.map(toRequest);
}

/** A public change of a case, for FixMyStreet's `servicerequestupdates` extension. */
export interface Open311Update {
  id: number;
  code: string;
  type: 'status' | 'public_reply' | 'refer' | 'merge';
  /** open/closed after this change. */
  status: 'open' | 'closed';
  at: string;
  /** For `status`: the new state's name. */
  stateName: string | null;
  /** For `refer`: the institution that takes the case over. */
  institutionName: string | null;
}

/**
 * Public changes (status changes, replies, referrals, merges) of a client's cases between two
 * instants, oldest first (so a poller can go on from the last one), at most 1,000. Texts are not
 * returned: what an institution writes to her is addressed to her, not to the public.
 */
export async function listOpen311Updates(db: Db, clientId: number, range: { from: string; to: string; limit?: number }): Promise<Open311Update[]> {
  const limit = Math.min(Math.max(range.limit ?? OPEN311_MAX_RESULTS, 1), OPEN311_MAX_RESULTS);
  const rows = await db.execute({
    sql: `SELECT e.id, e.type, e.at, r.code, ts.name AS state_name, i.name AS institution_name,
                 (SELECT st.type FROM report_events x JOIN report_states st ON st.code = x.to_state
                   WHERE x.report_id = e.report_id AND x.id <= e.id AND x.to_state IS NOT NULL ORDER BY x.id DESC LIMIT 1) AS status_after
            FROM report_events e JOIN reports r ON r.id = e.report_id
            LEFT JOIN report_states ts ON ts.code = e.to_state LEFT JOIN institutions i ON i.id = e.institution_id
           WHERE ${kindsSql()} AND r.open311_client_id = ? AND e.public = 1 AND e.type IN ('status', 'public_reply', 'refer', 'merge')
             AND e.at >= ? AND e.at <= ?
           ORDER BY e.at, e.id LIMIT ?`,
    args: [...OPEN311_KINDS, clientId, range.from, range.to, limit],
  });
  return rows.rows.map((row) => ({
    id: Number(row.id),
    code: String(row.code),
    type: String(row.type) as Open311Update['type'],
    status: String(row.status_after ?? 'open') as 'open' | 'closed',
    at: String(row.at),
    stateName: row.state_name === null ? null : String(row.state_name),
    institutionName: row.institution_name === null ? null : String(row.institution_name),
  }));
}
