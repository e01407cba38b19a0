import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import { today } from '../clock.ts';
import type { Db, Store } from '../db.ts';
import { actorLabel, assertCanEditInstitution, catalogScope, type Actor } from '../policy.ts';
import type { ProcedureDocument } from './exchange-format.ts';
import { referenceIds, savePublishedDocument, type SaveOutcome } from './procedures.ts';
import { unindexProcedure } from './search-index.ts';
import { enqueueSearchSync } from './search-outbox.ts';

/** Days after which an entry nobody verified is flagged as stale. */
export const STALE_AFTER_DAYS = 180;

async function currentRow(db: Db, slug: string) {
  const rows = await db.execute({ sql: 'SELECT id, institution_id, version, status, document, updated_at FROM procedures WHERE slug = ?', args: [slug] });
  return rows.rows[0] ?? null;
}

/**
 * Publishes a validated document as a new version (or creates the procedure), with a change note,
 * within the actor's scope: an entry may neither be written into another institution nor taken
 * from one. Records the change in the audit log and queues search sync, all in one transaction.
 */
export async function publishProcedure(
  store: Store,
  actor: Actor,
  doc: ProcedureDocument,
  change: { note?: string; kind?: 'major' | 'minor'; /** The «new procedure» form: never overwrite an existing entry. */ mustBeNew?: boolean } = {},
): Promise<{ outcome: SaveOutcome; version: number }> {
  const at = store.clock.now().toISOString();
  return store.write(async (tx) => {
    const before = await currentRow(tx, doc.slug);
    if (before) assertCanEditInstitution(actor, Number(before.institution_id));
    if (before && change.mustBeNew) {
      throw new AppError('slug_taken', `Ya existe un trámite con el identificador «${doc.slug}»: elija otro, o edite ese trámite.`, {
        status: 409,
        fields: { slug: `Ya existe un trámite con el identificador «${doc.slug}»: elija otro.` },
      });
    }
    const outcome = await savePublishedDocument(tx, referenceIds(tx, actor, at), doc, {
      actor,
      source: actorLabel(actor),
      changeNote: change.note,
      changeKind: change.kind,
      today: today(store.clock),
      at,
    });
    const after = await currentRow(tx, doc.slug);
    if (outcome !== 'unchanged') {
      await appendAudit(store, tx, actor, {
        action: before ? (outcome === 'verified' ? 'procedure.verify' : 'procedure.update') : 'procedure.create',
        entity: 'procedure',
        entityId: doc.slug,
        before: before ? JSON.parse(String(before.document)) : undefined,
        after: after ? JSON.parse(String(after.document)) : undefined,
      });
    }
    return { outcome, version: Number(after?.version ?? 1) };
  });
}

/** «Verificado hoy»: the content is still true; only the last-checked date moves. */
export async function verifyProcedure(store: Store, actor: Actor, slug: string): Promise<void> {
  const day = today(store.clock);
  const at = store.clock.now().toISOString();
  await store.write(async (tx) => {
    const row = await currentRow(tx, slug);
    if (!row || row.status !== 'published') throw new AppError('not_found', 'No existe ese trámite publicado.', { status: 404 });
    assertCanEditInstitution(actor, Number(row.institution_id));
    const document = { ...JSON.parse(String(row.document)), updated_at: day };
    await tx.execute({
      sql: 'UPDATE procedures SET updated_at = ?, document = ?, modified_at = ? WHERE id = ?',
      args: [day, JSON.stringify(document), at, Number(row.id)],
    });
    await enqueueSearchSync(tx, Number(row.id), at);
    await appendAudit(store, tx, actor, {
      action: 'procedure.verify',
      entity: 'procedure',
      entityId: slug,
      before: { updated_at: row.updated_at },
      after: { updated_at: day },
    });
  });
}

/** Archives an entry: it leaves the site and search; its old address redirects to its theme. */
export async function archiveProcedure(store: Store, actor: Actor, slug: string, note?: string): Promise<void> {
  if (note !== undefined && note.length > 500)
    throw new AppError('invalid_note', 'Acorte la nota a 500 caracteres.', { fields: { nota: 'Acorte la nota a 500 caracteres.' } });
  const at = store.clock.now().toISOString();
  await store.write(async (tx) => {
    const row = await currentRow(tx, slug);
    if (!row || row.status === 'archived') throw new AppError('not_found', 'No existe ese trámite o ya está archivado.', { status: 404 });
    assertCanEditInstitution(actor, Number(row.institution_id));
    await tx.execute({ sql: "UPDATE procedures SET status = 'archived', modified_at = ? WHERE id = ?", args: [at, Number(row.id)] });
    await unindexProcedure(tx, Number(row.id));
    await enqueueSearchSync(tx, Number(row.id), at);
    await appendAudit(store, tx, actor, {
      action: 'procedure.archive',
      entity: 'procedure',
      entityId: slug,
      before: { status: row.status, note: note ?? null },
      after: { status: 'archived' },
    });
  });
}

/** Where an archived procedure's address now leads (its theme), or null if it is not archived. */
export async function archivedRedirect(db: Db, slug: string): Promise<string | null> {
  const rows = await db.execute({
    sql: "SELECT c.slug FROM procedures p JOIN categories c ON c.id = p.category_id WHERE p.slug = ? AND p.status = 'archived'",
    args: [slug],
  });
  return rows.rows[0] ? `/categorias/${String(rows.rows[0].slug)}` : null;
}

export interface VersionEntry {
  version: number;
  changeKind: 'major' | 'minor';
  changeNote: string | null;
  source: string;
  createdAt: string;
  document: ProcedureDocument;
}

/** Every version of a procedure, newest first, for people who may edit it. */
export async function listVersions(db: Db, actor: Actor, slug: string): Promise<VersionEntry[]> {
  const row = await currentRow(db, slug);
  if (!row) throw new AppError('not_found', 'No existe ese trámite.', { status: 404 });
  assertCanEditInstitution(actor, Number(row.institution_id));
  const rows = await db.execute({
    sql: 'SELECT version, change_kind, change_note, source, created_at, document FROM procedure_versions WHERE procedure_id = ? ORDER BY version DESC',
    args: [Number(row.id)],
  });
  return rows.rows.map((r) => ({
    version: Number(r.version),
    changeKind: String(r.change_kind) as 'major' | 'minor',
    changeNote: r.change_note === null ? null : String(r.change_note),
    source: String(r.source),
    createdAt: String(r.created_at),
    document: JSON.parse(String(r.document)) as ProcedureDocument,
  }));
}

export interface EditableProcedure {
  slug: string;
  title: string;
  status: string;
  version: number;
  updatedAt: string;
  institutionSlug: string;
  /** Not verified for 180 days or more. */
  stale: boolean;
}

/** The procedures an actor keeps (their institution's; all for admins), oldest-checked first. */
export async function listEditableProcedures(db: Db, actor: Actor, today: string): Promise<EditableProcedure[]> {
  const institutionId = catalogScope(actor);
  const rows = await db.execute({
    sql: `SELECT p.slug, p.title, p.status, p.version, p.updated_at, i.slug AS institution_slug
            FROM procedures p JOIN institutions i ON i.id = p.institution_id
           WHERE p.status <> 'archived'${institutionId !== null ? ' AND p.institution_id = ?' : ''}
           ORDER BY p.updated_at, p.title`,
    args: institutionId !== null ? [institutionId] : [],
  });
  const limit = Date.parse(`${today}T00:00:00Z`) - STALE_AFTER_DAYS * 86_400_000;
  return rows.rows.map((row) => ({
    slug: String(row.slug),
    title: String(row.title),
    status: String(row.status),
    version: Number(row.version),
    updatedAt: String(row.updated_at),
    institutionSlug: String(row.institution_slug),
    stale: Date.parse(`${String(row.updated_at)}T00:00:00Z`) <= limit,
  }));
}

/** The current content of an entry for its edit form, within the actor's scope. */
export async function getEditableDocument(
  db: Db,
  actor: Actor,
  slug: string,
): Promise<{ document: ProcedureDocument; version: number; status: string } | null> {
  const row = await currentRow(db, slug);
  if (!row || row.status === 'archived') return null;
  assertCanEditInstitution(actor, Number(row.institution_id));
  return { document: JSON.parse(String(row.document)) as ProcedureDocument, version: Number(row.version), status: String(row.status) };
}
