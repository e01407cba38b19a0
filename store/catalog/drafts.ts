import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import { today as todayOf } from '../clock.ts';
import type { Db, Store } from '../db.ts';
import { assertCanEditInstitution, catalogScope, type Actor } from '../policy.ts';
import { procedureDocumentSchema, type ProcedureDocument } from './exchange-format.ts';
import { contentHash, referenceIds, savePublishedDocument, type ReferenceIds } from './procedures.ts';

// Bulk imports as proposals (`npm run catalog:import -- FILE --borradores`): a new entry becomes a
// draft (never public nor searchable), a change to a published entry waits beside it, until an
// officer of its institution publishes or discards it in the workspace.

export type DraftOutcome = 'drafted' | 'proposed' | 'unchanged';

/**
 * Saves one validated document as a proposal, inside the caller's write transaction. Scope is the
 * same as for publishing (the caller checked it row by row; this checks again).
 */
export async function saveDraftDocument(
  tx: Db,
  refs: ReferenceIds,
  doc: ProcedureDocument,
  options: { actor: Actor; source: string; at: string; today: string },
): Promise<DraftOutcome> {
  const category = await refs.categoryId(doc.category);
  const institution = await refs.institutionId(doc.institution, doc.institution_name);
  assertCanEditInstitution(options.actor, institution.id);
  const stored: ProcedureDocument = { ...doc, institution_name: institution.name, updated_at: doc.updated_at ?? options.today };
  const json = JSON.stringify(stored);
  const hash = await contentHash(stored);
  const existing = (await tx.execute({ sql: 'SELECT id, status, content_hash, institution_id FROM procedures WHERE slug = ?', args: [doc.slug] })).rows[0];
  if (!existing) {
    await tx.execute({
      sql: `INSERT INTO procedures (slug, status, version, institution_id, category_id, title, summary, online, cost_amount, document, content_hash,
                                    updated_at, synthetic, created_at, modified_at, verified_at, source_id, pending_source, pending_at)
            VALUES (?, 'draft', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        doc.slug,
        institution.id,
        category.id,
        doc.title,
        doc.summary,
        doc.online_url ? 1 : 0,
        doc.cost?.amount ?? null,
        json,
        hash,
        stored.updated_at!,
        doc.synthetic ? 1 : 0,
        options.at,
        options.at,
        doc.verified_at ?? null,
        doc.source_id ?? null,
        options.source,
        options.at,
      ],
    });
    return 'drafted';
  }
  assertCanEditInstitution(options.actor, Number(existing.institution_id));
  if (existing.status === 'draft') {
    if (existing.content_hash === hash) return 'unchanged';
    await tx.execute({
      sql: `UPDATE procedures SET institution_id = ?, category_id = ?, title = ?, summary = ?, document = ?, content_hash = ?, updated_at = ?,
                   source_id = ?, pending_source = ?, pending_at = ?, modified_at = ? WHERE id = ?`,
      args: [
        institution.id,
        category.id,
        doc.title,
        doc.summary,
        json,
        hash,
        stored.updated_at!,
        doc.source_id ?? null,
        options.source,
        options.at,
        options.at,
        Number(existing.id),
      ],
    });
    return 'drafted';
  }
  if (existing.content_hash === hash) {
    // Nothing to propose: a waiting proposal that the file no longer carries is dropped.
    await tx.execute({
      sql: 'UPDATE procedures SET pending_document = NULL, pending_source = NULL, pending_at = NULL WHERE id = ?',
      args: [Number(existing.id)],
    });
    return 'unchanged';
  }
  await tx.execute({
    sql: 'UPDATE procedures SET pending_document = ?, pending_source = ?, pending_at = ?, source_id = coalesce(source_id, ?) WHERE id = ?',
    args: [json, options.source, options.at, doc.source_id ?? null, Number(existing.id)],
  });
  return 'proposed';
}

export interface PendingDraft {
  slug: string;
  title: string;
  institution: string;
  /** `new`: a whole new entry; `change`: a proposed change to a published one. */
  kind: 'new' | 'change';
  source: string | null;
  proposedAt: string | null;
  document: ProcedureDocument;
  /** The published content a change would replace. */
  current: ProcedureDocument | null;
}

/** The proposals waiting in the actor's scope (admins: all), oldest first. */
export async function listPendingDrafts(
  db: Db,
  actor: Actor,
  page: { limit: number; offset: number } = { limit: 50, offset: 0 },
): Promise<{ total: number; items: PendingDraft[] }> {
  const scope = catalogScope(actor);
  const where = `(p.status = 'draft' OR p.pending_document IS NOT NULL)${scope === null ? '' : ' AND p.institution_id = ?'}`;
  const args = scope === null ? [] : [scope];
  const total = Number((await db.execute({ sql: `SELECT count(*) AS n FROM procedures p WHERE ${where}`, args })).rows[0].n);
  const rows = await db.execute({
    sql: `SELECT p.slug, p.title, p.status, p.document, p.pending_document, p.pending_source, p.pending_at, i.name AS institution
            FROM procedures p JOIN institutions i ON i.id = p.institution_id
           WHERE ${where} ORDER BY p.pending_at, p.slug LIMIT ? OFFSET ?`,
    args: [...args, page.limit, page.offset],
  });
  return {
    total,
    items: rows.rows.map((row) => {
      const isNew = row.status === 'draft';
      const proposed = procedureDocumentSchema.parse(JSON.parse(String(isNew ? row.document : row.pending_document)));
      return {
        slug: String(row.slug),
        title: proposed.title,
        institution: String(row.institution),
        kind: isNew ? 'new' : 'change',
        source: row.pending_source === null ? null : String(row.pending_source),
        proposedAt: row.pending_at === null ? null : String(row.pending_at),
        document: proposed,
        current: isNew ? null : procedureDocumentSchema.parse(JSON.parse(String(row.document))),
      };
    }),
  };
}

async function pendingOf(tx: Db, actor: Actor, slug: string): Promise<{ id: number; isNew: boolean; doc: ProcedureDocument; source: string }> {
  const row = (
    await tx.execute({ sql: 'SELECT id, status, institution_id, document, pending_document, pending_source FROM procedures WHERE slug = ?', args: [slug] })
  ).rows[0];
  if (!row || (row.status !== 'draft' && row.pending_document === null)) {
    throw new AppError('not_found', `No hay un borrador pendiente de «${slug}».`, { status: 404 });
  }
  assertCanEditInstitution(actor, Number(row.institution_id));
  const isNew = row.status === 'draft';
  return {
    id: Number(row.id),
    isNew,
    doc: procedureDocumentSchema.parse(JSON.parse(String(isNew ? row.document : row.pending_document))),
    source: String(row.pending_source ?? 'import'),
  };
}

/**
 * Publishes a waiting proposal as the entry's next version (a new entry's first), with the
 * officer's change note, and audits it. The note is required: it is what the history shows.
 */
export async function publishDraft(store: Store, actor: Actor, slug: string, changeNote: string): Promise<void> {
  const note = changeNote.trim();
  if (note.length < 3 || note.length > 500) {
    throw new AppError('invalid_note', 'Escriba una nota del cambio (de 3 a 500 caracteres): qué revisó antes de publicar.', {
      fields: { change_note: 'Escriba qué revisó antes de publicar (de 3 a 500 caracteres).' },
    });
  }
  await store.write(async (tx) => {
    const pending = await pendingOf(tx, actor, slug);
    const at = store.clock.now().toISOString();
    await savePublishedDocument(tx, referenceIds(tx, actor, at), pending.doc, {
      actor,
      source: pending.source,
      changeNote: note,
      changeKind: 'major',
      today: todayOf(store.clock),
      at,
    });
    await tx.execute({ sql: 'UPDATE procedures SET pending_document = NULL, pending_source = NULL, pending_at = NULL WHERE id = ?', args: [pending.id] });
    await appendAudit(store, tx, actor, { action: 'procedure.draft.publish', entity: 'procedure', entityId: slug, after: { note, new: pending.isNew } });
  });
}

/** Discards a waiting proposal: a new entry's draft is deleted, a change is dropped. Audited. */
export async function discardDraft(store: Store, actor: Actor, slug: string): Promise<void> {
  await store.write(async (tx) => {
    const pending = await pendingOf(tx, actor, slug);
    if (pending.isNew) await tx.execute({ sql: "DELETE FROM procedures WHERE id = ? AND status = 'draft'", args: [pending.id] });
    else await tx.execute({ sql: 'UPDATE procedures SET pending_document = NULL, pending_source = NULL, pending_at = NULL WHERE id = ?', args: [pending.id] });
    await appendAudit(store, tx, actor, { action: 'procedure.draft.discard', entity: 'procedure', entityId: slug, after: { new: pending.isNew } });
  });
}
