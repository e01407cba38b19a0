import type { Db } from '../db.ts';
import type { ProcedureDocument } from './exchange-format.ts';

/** Names the index needs beside the document itself. */
export interface IndexContext {
  institutionName: string;
  institutionAcronym?: string | null;
  categoryName: string;
}

/**
 * Writes (or rewrites) the embedded full-text row of one procedure. Call it inside the transaction
 * that changes the procedure so the index never disagrees with the catalog.
 */
export async function indexProcedure(db: Db, procedureId: number, doc: ProcedureDocument, context: IndexContext): Promise<void> {
  await db.execute({ sql: 'DELETE FROM procedure_search WHERE rowid = ?', args: [procedureId] });
  await db.execute({
    sql: 'INSERT INTO procedure_search (rowid, title, keywords, summary, body) VALUES (?, ?, ?, ?, ?)',
    args: [
      procedureId,
      doc.title,
      [...doc.keywords, context.institutionAcronym ?? '', doc.institution].join(' · '),
      doc.summary,
      [
        context.institutionName,
        context.categoryName,
        doc.audience ?? '',
        ...doc.requirements,
        ...doc.documents,
        ...doc.steps,
      ].join(' · '),
    ],
  });
}

/** Takes a procedure out of the public index (archived or unpublished). */
export async function unindexProcedure(db: Db, procedureId: number): Promise<void> {
  await db.execute({ sql: 'DELETE FROM procedure_search WHERE rowid = ?', args: [procedureId] });
}
