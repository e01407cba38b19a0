import { stemText } from '../../search/stems.ts';
import type { Db } from '../db.ts';
import type { ProcedureDocument } from './exchange-format.ts';

/** Names the index needs beside the document itself. */
export interface IndexContext {
  institutionId: number;
  institutionName: string;
  institutionAcronym?: string | null;
  categoryId: number;
  categoryName: string;
  online: boolean;
}

/** The filter tokens of the `facets` column. */
export const facetToken = {
  category: (id: number) => `zzc${id}`,
  institution: (id: number) => `zzi${id}`,
  online: 'zzenlinea',
};

/** The text of each column of a procedure's index row (see store/migrations/0019-search-stems.sql). */
function indexRow(doc: ProcedureDocument, context: IndexContext): [string, string, string, string, string, string, string] {
  const keywords = [...doc.keywords, context.institutionAcronym ?? '', doc.institution].join(' · ');
  const body = [context.institutionName, context.categoryName, doc.audience ?? '', ...doc.requirements, ...doc.documents, ...doc.steps].join(' · ');
  return [
    doc.title,
    keywords,
    doc.summary,
    body,
    [facetToken.category(context.categoryId), facetToken.institution(context.institutionId), context.online ? facetToken.online : ''].join(' '),
    stemText(doc.title),
    // Keywords and summary only: the body (requirements, steps) is most of the text, and a word
    // form found only there would rarely be what the person looks for.
    `${stemText(keywords)} ${stemText(doc.summary)}`,
  ];
}

const INSERT_ROW = 'INSERT INTO procedure_search (rowid, title, keywords, summary, body, facets, title_stems, stems) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * Writes (or rewrites) the embedded full-text row of one procedure. Call it inside the transaction
 * that changes the procedure so the index never disagrees with the catalog.
 */
export async function indexProcedure(db: Db, procedureId: number, doc: ProcedureDocument, context: IndexContext): Promise<void> {
  await db.execute({ sql: 'DELETE FROM procedure_search WHERE rowid = ?', args: [procedureId] });
  await db.execute({ sql: INSERT_ROW, args: [procedureId, ...indexRow(doc, context)] });
  await bumpGeneration(db);
}

/**
 * Rebuilds the whole embedded index from the published catalog, a page of procedures at a time
 * (run by migration 0019 inside its transaction; 100,000 procedures take about a minute, mostly
 * FTS5 itself).
 *
 * @returns how many procedures were indexed
 */
export async function reindexAll(db: Db, pageSize = 500): Promise<number> {
  await db.execute('DELETE FROM procedure_search');
  let lastId = 0;
  let done = 0;
  for (;;) {
    const rows = await db.execute({
      sql: `SELECT p.id, p.document, p.online, p.institution_id, p.category_id, i.name AS institution_name, i.acronym AS institution_acronym, c.name AS category_name
              FROM procedures p JOIN institutions i ON i.id = p.institution_id JOIN categories c ON c.id = p.category_id
             WHERE p.status = 'published' AND p.id > ? ORDER BY p.id LIMIT ?`,
      args: [lastId, pageSize],
    });
    if (rows.rows.length === 0) break;
    for (const row of rows.rows) {
      // Stored documents were validated when written (store/catalog/procedures.ts).
      const doc = JSON.parse(String(row.document)) as ProcedureDocument;
      const context: IndexContext = {
        institutionId: Number(row.institution_id),
        institutionName: String(row.institution_name),
        institutionAcronym: row.institution_acronym === null ? null : String(row.institution_acronym),
        categoryId: Number(row.category_id),
        categoryName: String(row.category_name),
        online: Number(row.online) === 1,
      };
      await db.execute({
        sql: INSERT_ROW,
        args: [
          Number(row.id),
          ...indexRow(
            { ...doc, keywords: doc.keywords ?? [], requirements: doc.requirements ?? [], documents: doc.documents ?? [], steps: doc.steps ?? [] },
            context,
          ),
        ],
      });
    }
    done += rows.rows.length;
    lastId = Number(rows.rows[rows.rows.length - 1].id);
  }
  await bumpGeneration(db);
  return done;
}

/** Takes a procedure out of the public index (archived or unpublished). */
export async function unindexProcedure(db: Db, procedureId: number): Promise<void> {
  await db.execute({ sql: 'DELETE FROM procedure_search WHERE rowid = ?', args: [procedureId] });
  await bumpGeneration(db);
}

async function bumpGeneration(db: Db): Promise<void> {
  await db.execute('UPDATE search_state SET generation = generation + 1 WHERE id = 1');
}

/** Changes whenever the index does; compare it to know whether a cached vocabulary is stale. */
export async function indexGeneration(db: Db): Promise<number> {
  const rows = await db.execute('SELECT generation FROM search_state WHERE id = 1');
  return Number(rows.rows[0]?.generation ?? 0);
}

const TEXT_COLUMNS_SQL = "col IN ('title', 'keywords', 'summary', 'body')";

/**
 * Every word of the index with the number of procedures that use it, skipping bare numbers
 * (typos are about words) and the stem columns. A word in several columns of one procedure counts
 * once per column; the largest column count stands for the procedures (close enough for ranking
 * typo candidates).
 */
export async function indexVocabulary(db: Db): Promise<[string, number][]> {
  const rows = await db.execute(`SELECT term, max(doc) AS doc FROM procedure_search_terms WHERE ${TEXT_COLUMNS_SQL} AND term NOT GLOB '[0-9]*' GROUP BY term`);
  return rows.rows.map((row) => [String(row.term), Number(row.doc)]);
}

/** Every stem of the index's stem columns (search/stems.ts). */
export async function indexStems(db: Db): Promise<string[]> {
  const rows = await db.execute("SELECT DISTINCT term FROM procedure_search_terms WHERE col IN ('title_stems', 'stems') AND term NOT GLOB '[0-9]*'");
  return rows.rows.map((row) => String(row.term));
}
