import type { Transaction } from '@libsql/client';
import { canonicalJson } from '../canonical-json.ts';
import { isoNow } from '../clock.ts';
import type { Db, Store } from '../db.ts';
import type { StoreKeys } from '../keys.ts';
import { actorLabel, assertCanReadAudit, type Actor } from '../policy.ts';

export type { Actor } from '../policy.ts';
export { actorLabel } from '../policy.ts';

/**
 * The audit log: append-only and chained. Each record's `hash` is an HMAC, under a key derived
 * from DATA_KEY (never in the database), of its own fields and of the previous record's hash, so
 * nobody who can only write the database can edit a record and recompute the rest. The head of the
 * chain (last id, its hash, the number of records) is kept signed under the same key in
 * `audit_checkpoint`, a table apart, updated in the same transaction as every append: deleting the
 * last records, or all of them, leaves a checkpoint that no longer matches, and `audit:verify`
 * says what is missing.
 */

export interface AuditEntry {
  action: string;
  entity: string;
  entityId: string;
  /** The state before and after, fingerprinted here (the log keeps keyed hashes, not copies). */
  before?: unknown;
  after?: unknown;
}

export const AUDIT_GENESIS = '0'.repeat(64);

interface ChainFields {
  id: number;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  beforeHash: string | null;
  afterHash: string | null;
  prevHash: string;
}

/** A stored record's chained fields, linked to `prevHash`. */
function chainFieldsOf(row: Record<string, unknown>, prevHash: string): ChainFields {
  return {
    id: Number(row.id),
    at: String(row.at),
    actor: String(row.actor),
    action: String(row.action),
    entity: String(row.entity),
    entityId: String(row.entity_id),
    beforeHash: row.before_hash === null ? null : String(row.before_hash),
    afterHash: row.after_hash === null ? null : String(row.after_hash),
    prevHash,
  };
}

function rowText(row: ChainFields): string {
  return ['v2', row.id, row.prevHash, row.at, row.actor, row.action, row.entity, row.entityId, row.beforeHash ?? '', row.afterHash ?? ''].join('\n');
}

function checkpointText(head: { headId: number; headHash: string; count: number }): string {
  return ['checkpoint v1', head.headId, head.headHash, head.count].join('\n');
}

function stateHash(key: StoreKeys['audit'], value: unknown): string | null {
  return value === undefined || value === null ? null : key.mac(canonicalJson(value));
}

/**
 * Appends a record inside the caller's write transaction and moves the signed checkpoint to it.
 *
 * @example await store.write((tx) => appendAudit(store, tx, actor, { action: 'procedure.update', entity: 'procedure', entityId: slug, before, after }))
 */
export async function appendAudit(store: Pick<Store, 'keys' | 'clock'>, tx: Db, actor: Actor, entry: AuditEntry): Promise<void> {
  const key = store.keys.audit;
  // The checkpoint is moved in the same transaction as every append, so it names the head; a log
  // without one (before its first append) starts from its last record.
  const checkpoint = await readCheckpoint(tx);
  const last = checkpoint
    ? { rows: [{ id: checkpoint.headId, hash: checkpoint.headHash }] }
    : await tx.execute('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
  const count = checkpoint ? checkpoint.count : 0;
  const row: ChainFields = {
    id: last.rows[0] ? Number(last.rows[0].id) + 1 : 1,
    at: isoNow(store.clock),
    actor: actorLabel(actor),
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId,
    beforeHash: stateHash(key, entry.before),
    afterHash: stateHash(key, entry.after),
    prevHash: last.rows[0] ? String(last.rows[0].hash) : AUDIT_GENESIS,
  };
  const hash = key.mac(rowText(row));
  await tx.execute({
    sql: 'INSERT INTO audit_log (id, at, actor, action, entity, entity_id, before_hash, after_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    args: [row.id, row.at, row.actor, row.action, row.entity, row.entityId, row.beforeHash, row.afterHash, row.prevHash, hash],
  });
  await writeCheckpoint(store, tx, { headId: row.id, headHash: hash, count: count + 1 });
}

interface Checkpoint {
  headId: number;
  headHash: string;
  count: number;
  signature: string;
}

async function readCheckpoint(db: Db): Promise<Checkpoint | null> {
  const rows = await db.execute('SELECT head_id, head_hash, count, signature FROM audit_checkpoint WHERE id = 1');
  const row = rows.rows[0];
  return row ? { headId: Number(row.head_id), headHash: String(row.head_hash), count: Number(row.count), signature: String(row.signature) } : null;
}

async function writeCheckpoint(store: Pick<Store, 'keys' | 'clock'>, tx: Db, head: { headId: number; headHash: string; count: number }): Promise<void> {
  const signature = store.keys.audit.mac(checkpointText(head));
  await tx.execute({
    sql: `INSERT INTO audit_checkpoint (id, head_id, head_hash, count, signature, at) VALUES (1, ?, ?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET head_id = excluded.head_id, head_hash = excluded.head_hash, count = excluded.count,
                                         signature = excluded.signature, at = excluded.at`,
    args: [head.headId, head.headHash, head.count, signature, isoNow(store.clock)],
  });
}

export interface ChainCheck {
  ok: boolean;
  checked: number;
  /** The last record the chain reached (to note down elsewhere, as an outside anchor). */
  head: { id: number; hash: string } | null;
  /** The first record that does not follow from the one before it. */
  firstBad?: { id: number; reason: string };
  /** What is wrong with the log as a whole (records missing at the end, checkpoint missing or forged). */
  problem?: string;
}

/**
 * Recomputes the whole chain in order under the audit key, then compares its end with the signed
 * checkpoint: a changed, reordered, inserted or deleted record, a truncated or emptied log and a
 * forged or deleted checkpoint all fail, naming what is wrong.
 */
export async function verifyAuditChain(store: Pick<Store, 'db' | 'keys'>): Promise<ChainCheck> {
  const key = store.keys.audit;
  let prevHash = AUDIT_GENESIS;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const rows = await store.db.execute({ sql: 'SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT 1000', args: [lastId] });
    if (rows.rows.length === 0) break;
    for (const row of rows.rows) {
      const id = Number(row.id);
      const head = checked === 0 ? null : { id: lastId, hash: prevHash };
      if (String(row.prev_hash) !== prevHash) {
        return { ok: false, checked, head, firstBad: { id, reason: 'no sigue al registro anterior (falta o se cambió un registro antes de este)' } };
      }
      const expected = key.mac(rowText(chainFieldsOf(row, prevHash)));
      if (expected !== String(row.hash)) {
        return { ok: false, checked, head, firstBad: { id, reason: 'su contenido fue modificado, o no fue escrito con la clave de este portal (DATA_KEY)' } };
      }
      prevHash = expected;
      lastId = id;
      checked++;
    }
  }
  const head = checked === 0 ? null : { id: lastId, hash: prevHash };
  const checkpoint = await readCheckpoint(store.db);
  if (!checkpoint) {
    // A new store has neither records nor a checkpoint; one where something already happened has both.
    if (checked === 0 && !(await anythingHappened(store.db))) return { ok: true, checked, head };
    return { ok: false, checked, head, problem: 'falta el punto de control firmado del registro de auditoría (tabla audit_checkpoint): fue borrado' };
  }
  if (key.mac(checkpointText(checkpoint)) !== checkpoint.signature) {
    return { ok: false, checked, head, problem: 'la firma del punto de control no es válida: fue alterado, o la DATA_KEY no es la de este portal' };
  }
  if (checkpoint.count !== checked || checkpoint.headId !== lastId || checkpoint.headHash !== prevHash) {
    const missing = checkpoint.count - checked;
    const detail =
      missing > 0
        ? `faltan ${missing} registro(s) al final: el punto de control firmado registra ${checkpoint.count} registros hasta el número ${checkpoint.headId}, y el registro termina en ${checked === 0 ? 'ninguno (está vacío)' : `el número ${lastId}`}`
        : `el registro no termina donde dice el punto de control firmado (registro ${checkpoint.headId}, ${checkpoint.count} registros); hay ${checked} hasta el número ${lastId}`;
    return { ok: false, checked, head, problem: detail };
  }
  return { ok: true, checked, head };
}

/** Every account and every catalog write leaves an audit record: a store with any has had a log. */
async function anythingHappened(db: Db): Promise<boolean> {
  const rows = await db.execute('SELECT EXISTS (SELECT 1 FROM people) OR EXISTS (SELECT 1 FROM procedures) OR EXISTS (SELECT 1 FROM feedback) AS n');
  return Number(rows.rows[0].n) === 1;
}

/**
 * One-time upgrade of a log written before the chain was keyed (plain SHA-256, no checkpoint):
 * if the old chain is intact it is sealed again under the audit key and a checkpoint is written;
 * if it is already broken it is left exactly as found, for `audit:verify` to report.
 * Runs inside the migration's transaction that creates `audit_checkpoint`.
 */
export async function resealLegacyAuditLog(store: Pick<Store, 'keys' | 'clock'>, tx: Transaction): Promise<void> {
  const rows = await tx.execute('SELECT * FROM audit_log ORDER BY id');
  if (rows.rows.length === 0) return;
  let legacyPrev = AUDIT_GENESIS;
  for (const row of rows.rows) {
    const legacyText = [legacyPrev, row.at, row.actor, row.action, row.entity, row.entity_id, row.before_hash ?? '', row.after_hash ?? '']
      .map(String)
      .join('\n');
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(legacyText));
    const legacyHash = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    if (String(row.prev_hash) !== legacyPrev || String(row.hash) !== legacyHash) return;
    legacyPrev = legacyHash;
  }
  let prevHash = AUDIT_GENESIS;
  let lastId = 0;
  for (const row of rows.rows) {
    const fields = chainFieldsOf(row, prevHash);
    const hash = store.keys.audit.mac(rowText(fields));
    await tx.execute({ sql: 'UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?', args: [prevHash, hash, fields.id] });
    prevHash = hash;
    lastId = fields.id;
  }
  await writeCheckpoint(store, tx, { headId: lastId, headHash: prevHash, count: rows.rows.length });
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  beforeHash: string | null;
  afterHash: string | null;
}

/** The audit trail of one entity, newest first (admins only). */
export async function auditTrail(db: Db, actor: Actor, entity: string, entityId: string): Promise<AuditRecord[]> {
  assertCanReadAudit(actor);
  const rows = await db.execute({
    sql: 'SELECT id, at, actor, action, before_hash, after_hash FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id DESC',
    args: [entity, entityId],
  });
  return rows.rows.map((row) => ({
    id: Number(row.id),
    at: String(row.at),
    actor: String(row.actor),
    action: String(row.action),
    beforeHash: row.before_hash === null ? null : String(row.before_hash),
    afterHash: row.after_hash === null ? null : String(row.after_hash),
  }));
}
