import { appendAudit, type Actor } from '../audit/audit.ts';
import type { Store } from '../db.ts';
import { loadTerritoryIndex, placeProblem, type TerritoryIndex } from '../territory/territory.ts';
import { documentIssues, describePath, procedureDocumentSchema, type ProcedureDocument } from './exchange-format.ts';
import type { RawRow } from './exchange-files.ts';
import { catalogRefs, savePublishedDocument, type SaveOutcome } from './procedures.ts';

/** One problem of one record, for the per-row report. */
export interface RowIssue {
  row: number;
  line: number;
  slug?: string;
  field: string;
  /** The field's Spanish name. */
  label: string;
  message: string;
}

export interface ImportReport {
  total: number;
  valid: number;
  issues: RowIssue[];
  /** False when nothing was written: a dry run, or a file with problems. */
  written: boolean;
  dryRun: boolean;
  counts: Record<SaveOutcome, number>;
  newCategories: string[];
  newInstitutions: string[];
}

export interface ImportOptions {
  /** Validate only. */
  dryRun?: boolean;
  /** Who wrote it, kept on each version: `import`, `seed`, `person:…`. */
  source: string;
  /** Only these institutions may appear (an officer's upload). */
  allowedInstitutions?: string[];
  /** Called as records are written, for progress bars. */
  onProgress?: (done: number, total: number) => void;
  /** Today's date (YYYY-MM-DD): the «last checked» date of records that carry none. */
  today?: string;
  /** The person or token importing: each change is then recorded in the audit log. */
  actor?: Actor;
}

/**
 * Validates every record and, only if all are valid, writes them all in one transaction: an import
 * with one bad record writes nothing and names the record, line and field.
 *
 * @example const report = await importCatalog(store, parseExchangeFile(text, 'json'), { source: 'import' })
 */
export async function importCatalog(store: Store, rows: RawRow[], options: ImportOptions): Promise<ImportReport> {
  const territory = await loadTerritoryIndex(store.db);
  const { documents, issues } = validateRows(rows, territory, options.allowedInstitutions);
  const knownInstitutions = await existingSlugs(store, 'institutions');
  for (const { row, doc } of documents) {
    if (!knownInstitutions.has(doc.institution) && !doc.institution_name) {
      issues.push({
        row: row.row,
        line: row.line,
        slug: doc.slug,
        field: 'institution_name',
        label: describePath(['institution_name']),
        message: `La institución «${doc.institution}» es nueva: escriba su nombre completo en «institution_name».`,
      });
    }
  }
  issues.sort((a, b) => a.row - b.row);
  const report: ImportReport = {
    total: rows.length,
    valid: rows.length - new Set(issues.map((issue) => issue.row)).size,
    issues,
    written: false,
    dryRun: Boolean(options.dryRun),
    counts: { created: 0, updated: 0, verified: 0, unchanged: 0 },
    newCategories: [],
    newInstitutions: [],
  };
  if (issues.length > 0 || options.dryRun || documents.length === 0) return report;

  const today = options.today ?? new Date().toISOString().slice(0, 10);
  await store.write(async (tx) => {
    const refs = catalogRefs(tx);
    let done = 0;
    for (const { doc } of documents) {
      const outcome = await savePublishedDocument(tx, refs, doc, { source: options.source, today });
      report.counts[outcome]++;
      if (options.actor && outcome !== 'unchanged') {
        await appendAudit(tx, options.actor, { action: `procedure.import.${outcome}`, entity: 'procedure', entityId: doc.slug, after: doc });
      }
      done++;
      if (options.onProgress && (done % 250 === 0 || done === documents.length)) options.onProgress(done, documents.length);
    }
    report.newCategories = refs.created.categories;
    report.newInstitutions = refs.created.institutions;
  });
  report.written = true;
  return report;
}

function validateRows(
  rows: RawRow[],
  territory: TerritoryIndex,
  allowedInstitutions: string[] | undefined,
): { documents: { row: RawRow; doc: ProcedureDocument }[]; issues: RowIssue[] } {
  const documents: { row: RawRow; doc: ProcedureDocument }[] = [];
  const issues: RowIssue[] = [];
  const firstRowOfSlug = new Map<string, number>();
  for (const row of rows) {
    const slugGuess = typeof (row.value as { slug?: unknown })?.slug === 'string' ? String((row.value as { slug: string }).slug) : undefined;
    const issue = (field: string, message: string, path: PropertyKey[] = field.split('.')) =>
      issues.push({ row: row.row, line: row.line, slug: slugGuess, field, label: describePath(path), message });
    if (typeof row.value !== 'object' || row.value === null || Array.isArray(row.value)) {
      issue('(registro)', 'Cada trámite debe ser un objeto con sus campos ({ "slug": …, "title": … }).', []);
      continue;
    }
    const parsed = procedureDocumentSchema.safeParse(row.value);
    if (!parsed.success) {
      for (const problem of documentIssues(parsed.error)) {
        issues.push({ row: row.row, line: row.line, slug: slugGuess, ...problem });
      }
      continue;
    }
    const doc = parsed.data;
    const before = firstRowOfSlug.get(doc.slug);
    if (before !== undefined) {
      issue('slug', `El identificador «${doc.slug}» ya aparece en el registro ${before}; cada trámite necesita uno distinto.`);
      continue;
    }
    firstRowOfSlug.set(doc.slug, row.row);
    if (allowedInstitutions && !allowedInstitutions.includes(doc.institution)) {
      issue('institution', `Solo puede cargar trámites de su institución (${allowedInstitutions.join(', ')}).`);
      continue;
    }
    let officeProblem = false;
    doc.offices.forEach((office, index) => {
      const problem = placeProblem(territory, office);
      if (problem) {
        officeProblem = true;
        issue(`offices.${index}.${problem.field}`, problem.message, ['offices', index, problem.field]);
      }
    });
    if (!officeProblem) documents.push({ row, doc });
  }
  return { documents, issues };
}

async function existingSlugs(store: Store, table: 'institutions' | 'categories'): Promise<Set<string>> {
  const rows = await store.db.execute(`SELECT slug FROM ${table}`);
  return new Set(rows.rows.map((row) => String(row.slug)));
}

/** The report as Spanish lines for a terminal or a page. */
export function formatImportReport(report: ImportReport): string[] {
  const lines: string[] = [];
  for (const issue of report.issues) {
    lines.push(`Registro ${issue.row} (línea ${issue.line}${issue.slug ? `, «${issue.slug}»` : ''}) — ${issue.label}: ${issue.message}`);
  }
  if (report.issues.length > 0) {
    const bad = report.total - report.valid;
    lines.push(`${bad} de ${report.total} registros tienen errores. No se guardó nada: corrija el archivo y vuelva a importarlo.`);
  } else if (report.dryRun) {
    lines.push(`Los ${report.total} registros son válidos (prueba sin guardar: no se escribió nada).`);
  } else {
    const { created, updated, verified, unchanged } = report.counts;
    lines.push(`Importación completa: ${created} nuevos, ${updated} actualizados, ${verified} verificados sin cambios de contenido, ${unchanged} iguales.`);
    if (report.newCategories.length > 0) lines.push(`Categorías nuevas: ${report.newCategories.join(', ')}.`);
    if (report.newInstitutions.length > 0) lines.push(`Instituciones nuevas: ${report.newInstitutions.join(', ')}.`);
  }
  return lines;
}
