import type { Db } from '../db.ts';
import { procedureDocumentSchema, type ProcedureDocument } from './exchange-format.ts';

/** Records, inside the caller's transaction, that a procedure changed and engines must catch up. */
export async function enqueueSearchSync(tx: Db, procedureId: number): Promise<void> {
  await tx.execute({ sql: 'INSERT INTO search_outbox (procedure_id) VALUES (?)', args: [procedureId] });
}

export interface OutboxBatch {
  rowIds: number[];
  maxAttempts: number;
  /** Published procedures to upsert, with what the search document needs. */
  upserts: SearchDocument[];
  /** Ids of procedures no longer published. */
  deletes: number[];
}

/** What an external engine indexes for one procedure. */
export interface SearchDocument {
  id: number;
  slug: string;
  title: string;
  summary: string;
  keywords: string[];
  requirements: string;
  institution_slug: string;
  institution_name: string;
  institution_acronym: string | null;
  category_slug: string;
  category_name: string;
  online: boolean;
  popularity: number;
  updated_at: string;
}

const DOCUMENT_SQL = `SELECT p.id, p.slug, p.title, p.summary, p.online, p.popularity, p.updated_at, p.document, p.status,
       i.slug AS institution_slug, i.name AS institution_name, i.acronym AS institution_acronym,
       c.slug AS category_slug, c.name AS category_name
  FROM procedures p JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id`;

function toSearchDocument(row: Record<string, unknown>): SearchDocument {
  const doc: ProcedureDocument = procedureDocumentSchema.parse(JSON.parse(String(row.document)));
  return {
    id: Number(row.id),
    slug: String(row.slug),
    title: String(row.title),
    summary: String(row.summary),
    keywords: doc.keywords,
    requirements: [...doc.requirements, ...doc.documents, ...doc.steps].join(' · '),
    institution_slug: String(row.institution_slug),
    institution_name: String(row.institution_name),
    institution_acronym: row.institution_acronym === null ? null : String(row.institution_acronym),
    category_slug: String(row.category_slug),
    category_name: String(row.category_name),
    online: Number(row.online) === 1,
    popularity: Number(row.popularity),
    updated_at: String(row.updated_at),
  };
}

/** The due rows (oldest first) and the current state of the procedures they name. */
export async function takeOutboxBatch(db: Db, now: string, limit = 500): Promise<OutboxBatch | null> {
  const due = await db.execute({
    sql: 'SELECT id, procedure_id, attempts FROM search_outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT ?',
    args: [now, limit],
  });
  if (due.rows.length === 0) return null;
  const procedureIds = [...new Set(due.rows.map((row) => Number(row.procedure_id)))];
  const placeholders = procedureIds.map(() => '?').join(', ');
  const current = await db.execute({ sql: `${DOCUMENT_SQL} WHERE p.id IN (${placeholders})`, args: procedureIds });
  const published = current.rows.filter((row) => row.status === 'published');
  const publishedIds = new Set(published.map((row) => Number(row.id)));
  return {
    rowIds: due.rows.map((row) => Number(row.id)),
    maxAttempts: Math.max(...due.rows.map((row) => Number(row.attempts))),
    upserts: published.map((row) => toSearchDocument(row)),
    deletes: procedureIds.filter((id) => !publishedIds.has(id)),
  };
}

/** The engine confirmed these rows: they are done. */
export async function completeOutboxRows(db: Db, rowIds: number[]): Promise<void> {
  if (rowIds.length === 0) return;
  await db.execute({ sql: `DELETE FROM search_outbox WHERE id IN (${rowIds.map(() => '?').join(', ')})`, args: rowIds });
}

/** The engine failed: try these rows again after `retryAt`, keeping why (no personal data in it). */
export async function postponeOutboxRows(db: Db, rowIds: number[], retryAt: string, error: string): Promise<void> {
  if (rowIds.length === 0) return;
  await db.execute({
    sql: `UPDATE search_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id IN (${rowIds.map(() => '?').join(', ')})`,
    args: [retryAt, error.slice(0, 500), ...rowIds],
  });
}

export async function countOutbox(db: Db): Promise<number> {
  const rows = await db.execute('SELECT count(*) AS n FROM search_outbox');
  return Number(rows.rows[0].n);
}

/** Forgets rows created up to `before` (a full reindex made them moot, or no engine needs them). */
export async function discardOutbox(db: Db, upToId?: number): Promise<void> {
  if (upToId === undefined) await db.execute('DELETE FROM search_outbox');
  else await db.execute({ sql: 'DELETE FROM search_outbox WHERE id <= ?', args: [upToId] });
}

export async function lastOutboxId(db: Db): Promise<number> {
  const rows = await db.execute('SELECT coalesce(max(id), 0) AS id FROM search_outbox');
  return Number(rows.rows[0].id);
}

/** Every published procedure as a search document, in id order, a page at a time (full reindex). */
export async function* iterateSearchDocuments(db: Db, pageSize = 1000): AsyncGenerator<SearchDocument[]> {
  let lastId = 0;
  for (;;) {
    const rows = await db.execute({ sql: `${DOCUMENT_SQL} WHERE p.status = 'published' AND p.id > ? ORDER BY p.id LIMIT ?`, args: [lastId, pageSize] });
    if (rows.rows.length === 0) return;
    yield rows.rows.map((row) => toSearchDocument(row));
    lastId = Number(rows.rows[rows.rows.length - 1].id);
  }
}
