import { AppError } from '../app-error.ts';
import { loadTerritoryIndex, placeProblem } from '../territory/territory.ts';
import { appendAudit } from '../audit/audit.ts';
import { canonicalJson } from '../canonical-json.ts';
import { today } from '../clock.ts';
import type { Db, Store } from '../db.ts';
import { actorLabel, assertCanEditInstitution, assertCanMoveProcedure, catalogScope, type Actor } from '../policy.ts';
import { procedureDocumentSchema, type ProcedureDocument } from './exchange-format.ts';
import { referenceIds, savePublishedDocument, updatedAtProblem, type SaveOutcome } from './procedures.ts';
import { unindexProcedure } from './search-index.ts';
import { VERIFICATION_STALE_DAYS } from './verification.ts';
import { enqueueSearchSync } from './search-outbox.ts';
import { movedProcedurePath, recordProcedureMove } from './moved.ts';
import { actorNames } from '../people/people.ts';

/** Days after which an entry nobody verified is flagged as stale (the public page's limit too). */
export const STALE_AFTER_DAYS = VERIFICATION_STALE_DAYS;

async function currentRow(db: Db, slug: string) {
  const rows = await db.execute({ sql: 'SELECT id, slug, institution_id, version, status, document, updated_at FROM procedures WHERE slug = ?', args: [slug] });
  return rows.rows[0] ?? null;
}

/** Fields the store fills in (dates, the institution's name): never content a person changed. */
const NOT_CONTENT = new Set(['updated_at', 'verified_at', 'institution_name']);

/** A document's content as comparable text: defaults applied, store-filled fields left out, keys sorted. */
function contentOf(doc: ProcedureDocument): string {
  const parsed = procedureDocumentSchema.safeParse(doc);
  const full = (parsed.success ? parsed.data : doc) as Record<string, unknown>;
  return canonicalJson(Object.fromEntries(Object.entries(full).filter(([key, value]) => !NOT_CONTENT.has(key) && value !== undefined)));
}

/** Whether two documents say the same thing (dates and the institution's stored name aside). */
export function sameContent(a: ProcedureDocument, b: ProcedureDocument): boolean {
  return contentOf(a) === contentOf(b);
}

/**
 * A set-like list (channels) in a stable order: the items kept in the order they had, new ones
 * after them. The edit form sends its checkboxes in the order of CHANNELS, so a document imported
 * as ["en_linea", "presencial"] came back reordered and was saved as a new version.
 *
 * @example keepOrder(['en_linea', 'presencial'], ['presencial', 'telefono', 'en_linea']) // ['en_linea', 'presencial', 'telefono']
 */
export function keepOrder<T>(previous: readonly T[], next: readonly T[]): T[] {
  return [...previous.filter((item) => next.includes(item)), ...next.filter((item) => !previous.includes(item))];
}

const CHANGE_NOTE_REQUIRED =
  'Escriba la nota del cambio: qué cambió y por qué (queda en el historial). Un cambio importante la necesita; si solo corrigió redacción u ortografía, márquelo como cambio menor.';

/**
 * Publishes a validated document as a new version (or creates the procedure), with a change note,
 * within the actor's scope: an entry may neither be written into another institution nor taken
 * from one. Records the change in the audit log and queues search sync, all in one transaction.
 *
 * A document that says what the current version already says makes no version (`unchanged`); one
 * that only brings a newer `verified_at` moves that date (`verified`). A major change to an
 * existing entry needs a note (422 naming `change_note`).
 */
export async function publishProcedure(
  store: Store,
  actor: Actor,
  doc: ProcedureDocument,
  change: { note?: string; kind?: 'major' | 'minor'; /** The «new procedure» form: never overwrite an existing entry. */ mustBeNew?: boolean } = {},
): Promise<{ outcome: SaveOutcome; version: number }> {
  const at = store.clock.now().toISOString();
  const day = today(store.clock);
  return store.write(async (tx) => {
    const before = await currentRow(tx, doc.slug);
    if (before) assertCanEditInstitution(actor, Number(before.institution_id));
    if (before && change.mustBeNew) {
      throw new AppError('slug_taken', `Ya existe un trámite con el identificador «${doc.slug}»: elija otro, o edite ese trámite.`, {
        status: 409,
        fields: { slug: `Ya existe un trámite con el identificador «${doc.slug}»: elija otro.` },
      });
    }
    // Checked before anything else, so a future date is refused even when the content is the same.
    const dateProblem = updatedAtProblem(doc, day);
    if (dateProblem) throw new AppError('future_date', dateProblem.message, { fields: { [dateProblem.field]: dateProblem.message } });
    // Offices name places of the 2024 territory, whatever path writes (the form, the JSON API), as imports do.
    const territory = await loadTerritoryIndex(tx);
    const places: Record<string, string> = {};
    doc.offices.forEach((office, index) => {
      const problem = placeProblem(territory, office);
      if (problem) places[`offices.${index}.${problem.field}`] = `Oficina ${index + 1}: ${problem.message}`;
    });
    if (Object.keys(places).length > 0) throw new AppError('invalid_place', Object.values(places)[0], { fields: places });
    const note = change.note?.trim() || undefined;
    let incoming = doc;
    // Only a published entry has a current version to compare with (a draft or an archived one is published anew).
    if (before && before.status === 'published') {
      const current = JSON.parse(String(before.document)) as ProcedureDocument;
      incoming = { ...doc, channels: keepOrder(current.channels ?? [], doc.channels) };
      if (sameContent(current, incoming)) {
        if (!incoming.verified_at || incoming.verified_at <= (current.verified_at ?? '')) {
          return { outcome: 'unchanged' as const, version: Number(before.version) };
        }
        await setVerifiedAt(store, tx, actor, before, incoming.verified_at, at);
        return { outcome: 'verified' as const, version: Number(before.version) };
      }
      // Who may move an entry is decided before what the change lacks.
      if (incoming.institution !== current.institution) assertCanMoveProcedure(actor);
      if (change.kind !== 'minor' && !note) {
        throw new AppError('change_note_required', CHANGE_NOTE_REQUIRED, { status: 422, fields: { change_note: CHANGE_NOTE_REQUIRED } });
      }
    }
    const outcome = await savePublishedDocument(tx, referenceIds(tx, actor, at), incoming, {
      actor,
      source: actorLabel(actor),
      changeNote: note,
      changeKind: change.kind,
      today: day,
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

type ProcedureRow = NonNullable<Awaited<ReturnType<typeof currentRow>>>;

/** The verification date a procedure row's document carries, or null. */
function verifiedAtOf(row: ProcedureRow): string | null {
  return (JSON.parse(String(row.document)) as ProcedureDocument).verified_at ?? null;
}

/**
 * Moves the document's `verified_at` (when a person last checked the facts) and audits it as
 * `action`; `updated_at` (the last content change) and the version stay as they are.
 */
async function setVerifiedAt(store: Store, tx: Db, actor: Actor, row: ProcedureRow, next: string | null, at: string, action = 'procedure.verify') {
  const { verified_at: previous, ...rest } = JSON.parse(String(row.document)) as ProcedureDocument;
  const document = next === null ? rest : { ...rest, verified_at: next };
  await tx.execute({
    sql: 'UPDATE procedures SET document = ?, verified_at = ?, modified_at = ? WHERE id = ?',
    args: [JSON.stringify(document), next, at, Number(row.id)],
  });
  await enqueueSearchSync(tx, Number(row.id), at);
  await appendAudit(store, tx, actor, {
    action,
    entity: 'procedure',
    entityId: String(row.slug),
    before: { verified_at: previous ?? null },
    after: { verified_at: next },
  });
}

/**
 * «Verificado hoy»: a person checked that the content is still true. Only `verified_at` moves (to
 * today); returns the date it had, so the page can offer to undo it.
 */
export async function verifyProcedure(store: Store, actor: Actor, slug: string): Promise<{ previousVerifiedAt: string | null; verifiedAt: string }> {
  const day = today(store.clock);
  const at = store.clock.now().toISOString();
  return store.write(async (tx) => {
    const row = await currentRow(tx, slug);
    if (!row || row.status !== 'published') throw new AppError('not_found', 'No existe ese trámite publicado.', { status: 404 });
    assertCanEditInstitution(actor, Number(row.institution_id));
    const previous = verifiedAtOf(row);
    await setVerifiedAt(store, tx, actor, row, day, at);
    return { previousVerifiedAt: previous, verifiedAt: day };
  });
}

const UNDO_TOO_LATE = 'Ya no se puede deshacer esa verificación: el trámite cambió después (otra verificación o una nueva versión). Revise el historial.';

/**
 * Undoes the last «Verificado hoy» of an entry: puts back the verification date it had, audited as
 * `procedure.verify.undo`. Only the entry's very last change can be undone, and only to the date
 * that change's audit record fingerprinted, so the form cannot set any date it likes.
 *
 * @throws AppError 409 when something else changed the entry since, or `previous` is not the date it had
 */
export async function undoVerification(store: Store, actor: Actor, slug: string, previous: string | null): Promise<void> {
  const at = store.clock.now().toISOString();
  await store.write(async (tx) => {
    const row = await currentRow(tx, slug);
    if (!row || row.status !== 'published') throw new AppError('not_found', 'No existe ese trámite publicado.', { status: 404 });
    assertCanEditInstitution(actor, Number(row.institution_id));
    const last = (
      await tx.execute({
        sql: "SELECT action, before_hash, after_hash FROM audit_log WHERE entity = 'procedure' AND entity_id = ? ORDER BY id DESC LIMIT 1",
        args: [slug],
      })
    ).rows[0];
    // The audit log keeps keyed fingerprints of the states (audit.ts), not copies: compare those.
    const fingerprint = (value: unknown) => store.keys.audit.mac(canonicalJson(value));
    const matches =
      last !== undefined &&
      last.action === 'procedure.verify' &&
      last.after_hash === fingerprint({ verified_at: verifiedAtOf(row) }) &&
      last.before_hash === fingerprint({ verified_at: previous });
    if (!matches) throw new AppError('undo_too_late', UNDO_TOO_LATE, { status: 409 });
    await setVerifiedAt(store, tx, actor, row, previous, at, 'procedure.verify.undo');
  });
}

/** Where «Archivar» may send the entry's address: a published entry's slug or its page's address. */
export const REPLACEMENT_HELP =
  'Escriba la dirección de un trámite publicado que lo reemplace (por ejemplo /tramites/emision-dui-primera-vez) o deje el campo vacío.';

/** The slug named by «Lo reemplaza»: a slug, /tramites/slug or the page's whole address; null if it names none. */
export function replacementSlug(input: string): string | null {
  const match = /^(?:https?:\/\/[^/\s]+)?(?:\/tramites\/)?([a-z0-9]+(?:-[a-z0-9]+)*)\/?$/.exec(input.trim());
  return match && match[1].length <= 120 ? match[1] : null;
}

/**
 * Archives an entry: it leaves the site and search. Its old address redirects to the entry that
 * replaces it (`replacedBy`, a published entry of any institution: a merge), or else to its theme.
 */
export async function archiveProcedure(store: Store, actor: Actor, slug: string, note?: string, replacedBy?: string): Promise<void> {
  if (note !== undefined && note.length > 500)
    throw new AppError('invalid_note', 'Acorte la nota a 500 caracteres.', { fields: { nota: 'Acorte la nota a 500 caracteres.' } });
  const replacement = replacedBy === undefined ? null : replacementSlug(replacedBy);
  if (replacedBy !== undefined && (replacement === null || replacement === slug))
    throw new AppError('invalid_replacement', REPLACEMENT_HELP, { fields: { reemplazo: REPLACEMENT_HELP } });
  const at = store.clock.now().toISOString();
  await store.write(async (tx) => {
    const row = await currentRow(tx, slug);
    if (!row || row.status === 'archived') throw new AppError('not_found', 'No existe ese trámite o ya está archivado.', { status: 404 });
    assertCanEditInstitution(actor, Number(row.institution_id));
    if (replacement !== null) {
      const target = await currentRow(tx, replacement);
      if (!target || target.status !== 'published')
        throw new AppError('invalid_replacement', `No hay un trámite publicado en /tramites/${replacement}. ${REPLACEMENT_HELP}`, {
          fields: { reemplazo: `No hay un trámite publicado en /tramites/${replacement}. ${REPLACEMENT_HELP}` },
        });
      await recordProcedureMove(tx, slug, replacement, at);
    }
    await tx.execute({ sql: "UPDATE procedures SET status = 'archived', modified_at = ? WHERE id = ?", args: [at, Number(row.id)] });
    await unindexProcedure(tx, Number(row.id));
    await enqueueSearchSync(tx, Number(row.id), at);
    await appendAudit(store, tx, actor, {
      action: 'procedure.archive',
      entity: 'procedure',
      entityId: slug,
      before: { status: row.status, note: note ?? null },
      after: replacement === null ? { status: 'archived' } : { status: 'archived', replaced_by: replacement },
    });
  });
}

export interface VersionEntry {
  version: number;
  changeKind: 'major' | 'minor';
  changeNote: string | null;
  /** Who wrote it, as recorded (`person:2`, `token:1`, `system:seed`). */
  source: string;
  /** Who wrote it, for people to read: the person's name (or email), the token's system, the system. */
  sourceName: string;
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
  const names = await actorNames(
    db,
    rows.rows.map((r) => String(r.source)),
  );
  return rows.rows.map((r) => ({
    version: Number(r.version),
    changeKind: String(r.change_kind) as 'major' | 'minor',
    changeNote: r.change_note === null ? null : String(r.change_note),
    source: String(r.source),
    sourceName: names.get(String(r.source)) ?? String(r.source),
    createdAt: String(r.created_at),
    document: JSON.parse(String(r.document)) as ProcedureDocument,
  }));
}

export interface EditableProcedure {
  slug: string;
  title: string;
  status: string;
  version: number;
  /** The last content change (YYYY-MM-DD). */
  updatedAt: string;
  /** When a person last checked the facts (YYYY-MM-DD), or null if nobody did apart from editing. */
  verifiedAt: string | null;
  institutionSlug: string;
  /** Not verified (nor changed, when never verified) for 180 days or more. */
  stale: boolean;
}

/** Lower case without accents, so «tramite» finds «Trámite». */
export function foldForMatch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The procedures an actor keeps (their institution's; all for admins), oldest-checked first;
 * `query` keeps those whose title has every word of it (accents and case aside).
 */
export async function listEditableProcedures(db: Db, actor: Actor, today: string, filter: { query?: string } = {}): Promise<EditableProcedure[]> {
  const institutionId = catalogScope(actor);
  const rows = await db.execute({
    sql: `SELECT p.slug, p.title, p.status, p.version, p.updated_at, p.verified_at, i.slug AS institution_slug
            FROM procedures p JOIN institutions i ON i.id = p.institution_id
           WHERE p.status <> 'archived'${institutionId !== null ? ' AND p.institution_id = ?' : ''}
           ORDER BY coalesce(p.verified_at, p.updated_at), p.title`,
    args: institutionId !== null ? [institutionId] : [],
  });
  const limit = Date.parse(`${today}T00:00:00Z`) - STALE_AFTER_DAYS * 86_400_000;
  const words = foldForMatch(filter.query ?? '')
    .split(/\s+/)
    .filter(Boolean);
  return rows.rows
    .map((row) => {
      const verifiedAt = row.verified_at === null ? null : String(row.verified_at);
      const updatedAt = String(row.updated_at);
      return {
        slug: String(row.slug),
        title: String(row.title),
        status: String(row.status),
        version: Number(row.version),
        updatedAt,
        verifiedAt,
        institutionSlug: String(row.institution_slug),
        stale: Date.parse(`${verifiedAt ?? updatedAt}T00:00:00Z`) <= limit,
      };
    })
    .filter((entry) => words.every((word) => foldForMatch(`${entry.title} ${entry.slug}`).includes(word)));
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
