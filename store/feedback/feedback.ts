import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import type { Db, Store } from '../db.ts';
import { feedbackScope, type Actor } from '../policy.ts';

export const FEEDBACK_KINDS = ['want_online', 'not_like_this', 'useful', 'not_useful'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];
export const FEEDBACK_PARTS = ['requisitos', 'documentos', 'costo', 'oficinas', 'enlace', 'pasos', 'otro'] as const;
export type FeedbackPart = (typeof FEEDBACK_PARTS)[number];

export interface NewFeedback {
  procedureSlug: string;
  kind: FeedbackKind;
  part?: FeedbackPart;
  message?: string;
  /** Daily keyed hash of the client, for «one per client per procedure per day». */
  client: string;
  day: string;
}

/**
 * Stores a citizen's feedback. A repeated «quiero en línea» from the same client on the same day
 * is accepted without counting twice (`counted: false`).
 */
export async function recordFeedback(store: Store, input: NewFeedback): Promise<{ counted: boolean }> {
  return store.write(async (tx) => {
    const procedure = await tx.execute({ sql: "SELECT id FROM procedures WHERE slug = ? AND status = 'published'", args: [input.procedureSlug] });
    if (!procedure.rows[0]) throw new AppError('not_found', 'No encontramos ese trámite.', { status: 404 });
    const procedureId = Number(procedure.rows[0].id);
    if (input.kind === 'want_online' || input.kind === 'useful' || input.kind === 'not_useful') {
      const once = await tx.execute({
        sql: 'INSERT INTO feedback_once (procedure_id, kind, client, day) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING procedure_id',
        args: [procedureId, input.kind === 'want_online' ? 'want_online' : 'useful', input.client, input.day],
      });
      if (once.rows.length === 0) return { counted: false };
    }
    // Citizens may write personal data despite the notice: the text is kept encrypted.
    await tx.execute({
      sql: 'INSERT INTO feedback (procedure_id, kind, part, message, created_at) VALUES (?, ?, ?, ?, ?)',
      args: [procedureId, input.kind, input.part ?? null, input.message ? await store.cipher.encrypt(input.message) : null, store.clock.now().toISOString()],
    });
    return { counted: true };
  });
}

export interface PublicCounts {
  wantOnline: number;
  useful: number;
  notUseful: number;
}

/** What anyone may see: how many asked for the procedure online, and how useful the page was. */
export async function publicFeedbackCounts(db: Db, procedureId: number): Promise<PublicCounts> {
  const rows = await db.execute({ sql: 'SELECT kind, count(*) AS n FROM feedback WHERE procedure_id = ? GROUP BY kind', args: [procedureId] });
  const count = (kind: string) => Number(rows.rows.find((row) => row.kind === kind)?.n ?? 0);
  return { wantOnline: count('want_online'), useful: count('useful'), notUseful: count('not_useful') };
}

export interface FeedbackItem {
  id: number;
  procedureSlug: string;
  procedureTitle: string;
  institutionSlug: string;
  kind: FeedbackKind;
  part: FeedbackPart | null;
  message: string | null;
  /** Null for counted kinds: only «no funciona así» is answered. */
  status: 'open' | 'resolved' | null;
  resolutionNote: string | null;
  resolvedVersion: number | null;
  createdAt: string;
}

/**
 * Feedback with texts, only within the reader's scope: an officer sees their institution's, an
 * admin everything, anyone else nothing (403), whichever route asks.
 */
export async function listFeedback(
  store: Store,
  actor: Actor,
  filters: { status?: 'open' | 'resolved'; kind?: FeedbackKind; procedureSlug?: string; limit?: number; offset?: number } = {},
): Promise<FeedbackItem[]> {
  const institutionId = feedbackScope(actor);
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (institutionId !== null) {
    where.push('p.institution_id = ?');
    args.push(institutionId);
  }
  if (filters.status) {
    // Only «Este servicio no funciona así» waits for an answer: a status reads the inbox alone.
    where.push("f.kind = 'not_like_this'", 'f.status = ?');
    args.push(filters.status);
  }
  if (filters.kind) {
    where.push('f.kind = ?');
    args.push(filters.kind);
  }
  if (filters.procedureSlug) {
    where.push('p.slug = ?');
    args.push(filters.procedureSlug);
  }
  const rows = await store.db.execute({
    sql: `SELECT f.id, p.slug, p.title, i.slug AS institution_slug, f.kind, f.part, f.message, f.status, f.resolution_note, f.resolved_version, f.created_at
            FROM feedback f JOIN procedures p ON p.id = f.procedure_id JOIN institutions i ON i.id = p.institution_id
           ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY f.id DESC LIMIT ? OFFSET ?`,
    args: [...args, filters.limit ?? 50, filters.offset ?? 0],
  });
  return Promise.all(
    rows.rows.map(async (row) => ({
      id: Number(row.id),
      procedureSlug: String(row.slug),
      procedureTitle: String(row.title),
      institutionSlug: String(row.institution_slug),
      kind: String(row.kind) as FeedbackKind,
      part: row.part === null ? null : (String(row.part) as FeedbackPart),
      message: row.message === null ? null : await readMessage(store, String(row.message)),
      // Counted opinions («¿Le fue útil?», «Quiero en línea») are never open or resolved.
      status: row.kind === 'not_like_this' ? (String(row.status) as 'open' | 'resolved') : null,
      resolutionNote: row.resolution_note === null ? null : String(row.resolution_note),
      resolvedVersion: row.resolved_version === null ? null : Number(row.resolved_version),
      createdAt: String(row.created_at),
    })),
  );
}

/** Decrypts a stored message; a row the key cannot open is reported, not hidden. */
async function readMessage(store: Store, stored: string): Promise<string> {
  if (!stored.startsWith('v1:')) return stored;
  try {
    return await store.cipher.decrypt(stored);
  } catch {
    return '[mensaje cifrado con otra clave: no se puede leer con la DATA_KEY actual]';
  }
}

/** Marks feedback resolved with a note (and the version that fixed it), within the actor's scope. */
export const RESOLUTION_NOTE_MAX = 2000;

export async function resolveFeedback(store: Store, actor: Actor, feedbackId: number, note: string, version?: number): Promise<void> {
  const institutionId = feedbackScope(actor);
  const text = note.trim();
  if (text.length < 3 || text.length > RESOLUTION_NOTE_MAX || /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(text)) {
    const message =
      text.length > RESOLUTION_NOTE_MAX
        ? `Acorte la nota a ${RESOLUTION_NOTE_MAX} caracteres.`
        : 'Escriba una nota de al menos 3 caracteres: qué se corrigió o por qué no aplica.';
    throw new AppError('invalid_note', message, { fields: { note: message } });
  }
  if (version !== undefined && !Number.isInteger(version)) {
    throw new AppError('invalid_version', 'Escriba la versión como un número entero, o déjela vacía.', {
      fields: { version: 'Escriba la versión como un número entero.' },
    });
  }
  await store.write(async (tx) => {
    const rows = await tx.execute({
      sql: 'SELECT f.id, f.kind, f.status, f.resolution_note, p.institution_id, p.id AS procedure_id, p.version FROM feedback f JOIN procedures p ON p.id = f.procedure_id WHERE f.id = ?',
      args: [feedbackId],
    });
    const row = rows.rows[0];
    if (!row) throw new AppError('not_found', 'No existe esa retroalimentación.', { status: 404 });
    if (institutionId !== null && Number(row.institution_id) !== institutionId) {
      throw new AppError('forbidden', 'Esa retroalimentación es de otra institución.', { status: 403 });
    }
    // Only «Este servicio no funciona así» asks for an answer; the other buttons are counted (with trends), never resolved one by one.
    if (row.kind !== 'not_like_this') {
      throw new AppError('not_an_inbox_item', '«¿Le fue útil?» y «Quiero este servicio en línea» se cuentan: no necesitan una nota de resolución.', {
        status: 409,
      });
    }
    if (version !== undefined && (version < 1 || version > Number(row.version))) {
      throw new AppError('invalid_version', `La versión debe estar entre 1 y ${row.version}.`, { fields: { version: 'Versión inexistente.' } });
    }
    await tx.execute({
      sql: "UPDATE feedback SET status = 'resolved', resolution_note = ?, resolved_version = ?, resolved_by = ?, resolved_at = ? WHERE id = ?",
      args: [text, version ?? null, actor.kind === 'person' ? actor.id : null, store.clock.now().toISOString(), feedbackId],
    });
    await appendAudit(store, tx, actor, {
      action: 'feedback.resolve',
      entity: 'feedback',
      entityId: String(feedbackId),
      before: { status: row.status, note: row.resolution_note },
      after: { status: 'resolved', note: text, version: version ?? null },
    });
  });
}

/** Procedures of the reader's scope ranked by how many people want them online. */
export async function wantOnlineRanking(db: Db, actor: Actor, limit = 50): Promise<{ slug: string; title: string; count: number }[]> {
  const institutionId = feedbackScope(actor);
  const rows = await db.execute({
    sql: `SELECT p.slug, p.title, count(*) AS n FROM feedback f JOIN procedures p ON p.id = f.procedure_id
           WHERE f.kind = 'want_online'${institutionId !== null ? ' AND p.institution_id = ?' : ''}
           GROUP BY p.id ORDER BY n DESC, p.title LIMIT ?`,
    args: institutionId !== null ? [institutionId, limit] : [limit],
  });
  return rows.rows.map((row) => ({ slug: String(row.slug), title: String(row.title), count: Number(row.n) }));
}
