import type { Db } from '../db.ts';
import { sha256Hex } from '../crypto.ts';
import { canonicalJson } from '../catalog/procedures.ts';

/** Who made a change: a person (by id and email) or an institution token. */
export type Actor =
  | { kind: 'person'; id: number; email: string; role: 'admin' | 'officer' | 'operator'; institutionId: number | null; queue: string | null }
  | { kind: 'token'; id: number; institutionId: number };

export function actorLabel(actor: Actor): string {
  return actor.kind === 'person' ? `person:${actor.id}` : `token:${actor.id}`;
}

export interface AuditEntry {
  action: string;
  entity: string;
  entityId: string;
  /** The state before and after, hashed here (the log keeps hashes, not copies of the data). */
  before?: unknown;
  after?: unknown;
}

const GENESIS = '0'.repeat(64);

async function stateHash(value: unknown): Promise<string | null> {
  return value === undefined || value === null ? null : sha256Hex(canonicalJson(value));
}

function rowText(row: { at: string; actor: string; action: string; entity: string; entityId: string; beforeHash: string | null; afterHash: string | null; prevHash: string }): string {
  return [row.prevHash, row.at, row.actor, row.action, row.entity, row.entityId, row.beforeHash ?? '', row.afterHash ?? ''].join('\n');
}

/**
 * Appends a record to the hash-chained log inside the caller's write transaction: each record's
 * hash covers the previous record's hash, so editing or deleting any row breaks the chain.
 */
export async function appendAudit(tx: Db, actor: Actor, entry: AuditEntry, at = new Date().toISOString()): Promise<void> {
  const last = await tx.execute('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
  const prevHash = last.rows[0] ? String(last.rows[0].hash) : GENESIS;
  const row = {
    at,
    actor: actorLabel(actor),
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId,
    beforeHash: await stateHash(entry.before),
    afterHash: await stateHash(entry.after),
    prevHash,
  };
  const hash = await sha256Hex(rowText(row));
  await tx.execute({
    sql: 'INSERT INTO audit_log (at, actor, action, entity, entity_id, before_hash, after_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    args: [row.at, row.actor, row.action, row.entity, row.entityId, row.beforeHash, row.afterHash, row.prevHash, hash],
  });
}

export interface ChainCheck {
  ok: boolean;
  checked: number;
  /** The first record that does not follow from the one before it. */
  firstBad?: { id: number; reason: string };
}

/** Recomputes the whole chain in order and names the first broken record. */
export async function verifyAuditChain(db: Db): Promise<ChainCheck> {
  let prevHash = GENESIS;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db.execute({ sql: 'SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT 1000', args: [lastId] });
    if (rows.rows.length === 0) return { ok: true, checked };
    for (const row of rows.rows) {
      const id = Number(row.id);
      if (String(row.prev_hash) !== prevHash) return { ok: false, checked, firstBad: { id, reason: 'no sigue al registro anterior (falta o se cambió un registro antes de este)' } };
      const expected = await sha256Hex(
        rowText({
          at: String(row.at),
          actor: String(row.actor),
          action: String(row.action),
          entity: String(row.entity),
          entityId: String(row.entity_id),
          beforeHash: row.before_hash === null ? null : String(row.before_hash),
          afterHash: row.after_hash === null ? null : String(row.after_hash),
          prevHash,
        }),
      );
      if (expected !== String(row.hash)) return { ok: false, checked, firstBad: { id, reason: 'su contenido fue modificado' } };
      prevHash = expected;
      lastId = id;
      checked++;
    }
  }
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  beforeHash: string | null;
  afterHash: string | null;
}

/** The audit trail of one entity, newest first. */
export async function auditTrail(db: Db, entity: string, entityId: string): Promise<AuditRecord[]> {
  const rows = await db.execute({ sql: 'SELECT id, at, actor, action, before_hash, after_hash FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id DESC', args: [entity, entityId] });
  return rows.rows.map((row) => ({
    id: Number(row.id),
    at: String(row.at),
    actor: String(row.actor),
    action: String(row.action),
    beforeHash: row.before_hash === null ? null : String(row.before_hash),
    afterHash: row.after_hash === null ? null : String(row.after_hash),
  }));
}
