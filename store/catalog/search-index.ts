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

/**
 * Writes (or rewrites) the embedded full-text row of one procedure. Call it inside the transaction
 * that changes the procedure so the index never disagrees with the catalog.
 */
export async function indexProcedure(db: Db, procedureId: number, doc: ProcedureDocument, context: IndexContext): Promise<void> {
  await db.execute({ sql: 'DELETE FROM procedure_search WHERE rowid = ?', args: [procedureId] });
  await db.execute({
    sql: 'INSERT INTO procedure_search (rowid, title, keywords, summary, body, facets) VALUES (?, ?, ?, ?, ?, ?)',
    args: [
      procedureId,
      doc.title,
      [...doc.keywords, context.institutionAcronym ?? '', doc.institution].join(' · '),
      doc.summary,
      [context.institutionName, context.categoryName, doc.audience ?? '', ...doc.requirements, ...doc.documents, ...doc.steps].join(' · '),
      [facetToken.category(context.categoryId), facetToken.institution(context.institutionId), context.online ? facetToken.online : ''].join(' '),
    ],
  });
  await bumpGeneration(db);
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

/**
 * Every word of the index with the number of procedures that use it, skipping bare numbers
 * (typos are about words).
 */
export async function indexVocabulary(db: Db): Promise<[string, number][]> {
  const rows = await db.execute("SELECT term, doc FROM procedure_search_terms WHERE term NOT GLOB '[0-9]*' AND term NOT GLOB 'zz[cie]*'");
  return rows.rows.map((row) => [String(row.term), Number(row.doc)]);
}
