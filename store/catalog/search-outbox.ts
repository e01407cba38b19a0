import { stemText } from '../../search/stems.ts';
import type { Db } from '../db.ts';
import { enqueueOutbox, type OutboxKind, type OutboxRow } from '../outbox/outbox.ts';
import { procedureDocumentSchema, type ProcedureDocument } from './exchange-format.ts';

/** Search sync through the outbox: idempotent (an upsert of the state at drain time), retried for about a day. */
export const SEARCH_SYNC: OutboxKind = {
  kind: 'search.procedure',
  atMostOnce: false,
  maxAttempts: 150,
  // 5 s, 10 s, 20 s … up to 10 minutes.
  retryDelayMs: (attempts) => Math.min(5_000 * 2 ** attempts, 600_000),
};

/** Records, inside the caller's transaction, that a procedure changed and engines must catch up. */
export async function enqueueSearchSync(tx: Db, procedureId: number, at: string): Promise<void> {
  await enqueueOutbox(tx, { kind: SEARCH_SYNC.kind, payload: { procedureId }, dedupeKey: `procedure:${procedureId}`, at });
}

export interface SearchBatch {
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
  /** Snowball stems of the title, keywords, summary and requirements, the same the embedded index holds (search/stems.ts). */
  stems: string;
}

const DOCUMENT_SQL = `SELECT p.id, p.slug, p.title, p.summary, p.online, p.popularity, p.updated_at, p.document, p.status,
       i.slug AS institution_slug, i.name AS institution_name, i.acronym AS institution_acronym,
       c.slug AS category_slug, c.name AS category_name
  FROM procedures p JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id`;

function toSearchDocument(row: Record<string, unknown>): SearchDocument {
  const doc: ProcedureDocument = procedureDocumentSchema.parse(JSON.parse(String(row.document)));
  const requirements = [...doc.requirements, ...doc.documents, ...doc.steps].join(' · ');
  return {
    id: Number(row.id),
    slug: String(row.slug),
    title: String(row.title),
    summary: String(row.summary),
    keywords: doc.keywords,
    requirements,
    institution_slug: String(row.institution_slug),
    institution_name: String(row.institution_name),
    institution_acronym: row.institution_acronym === null ? null : String(row.institution_acronym),
    category_slug: String(row.category_slug),
    category_name: String(row.category_name),
    online: Number(row.online) === 1,
    popularity: Number(row.popularity),
    updated_at: String(row.updated_at),
    stems: [String(row.title), doc.keywords.join(' '), String(row.summary), requirements].map(stemText).join(' '),
  };
}

/** The current state of the procedures that claimed outbox rows name. */
export async function loadSearchBatch(db: Db, rows: OutboxRow[]): Promise<SearchBatch> {
  const procedureIds = [...new Set(rows.map((row) => Number((row.payload as { procedureId: number }).procedureId)))];
  if (procedureIds.length === 0) return { upserts: [], deletes: [] };
  const current = await db.execute({ sql: `${DOCUMENT_SQL} WHERE p.id IN (${procedureIds.map(() => '?').join(', ')})`, args: procedureIds });
  const published = current.rows.filter((row) => row.status === 'published');
  const publishedIds = new Set(published.map((row) => Number(row.id)));
  return { upserts: published.map((row) => toSearchDocument(row)), deletes: procedureIds.filter((id) => !publishedIds.has(id)) };
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
