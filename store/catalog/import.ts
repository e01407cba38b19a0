import { appendAudit } from '../audit/audit.ts';
import { today as todayOf } from '../clock.ts';
import type { Db, Store } from '../db.ts';
import { actorLabel, canEditInstitution, catalogScope, isAdmin, type Actor } from '../policy.ts';
import { loadTerritoryIndex, placeProblem, type TerritoryIndex } from '../territory/territory.ts';
import { documentIssues, describePath, procedureDocumentSchema, type ProcedureDocument } from './exchange-format.ts';
import type { RawRow } from './exchange-files.ts';
import { saveDraftDocument } from './drafts.ts';
import { referenceIds, savePublishedDocument, updatedAtProblem, type SaveOutcome } from './procedures.ts';

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
  /** With `asDrafts`: new entries kept as drafts, and changes proposed to published entries. */
  drafts: { created: number; proposed: number };
  newCategories: string[];
  newInstitutions: string[];
}

export interface ImportOptions {
  /** Validate only. */
  dryRun?: boolean;
  /**
   * Who imports: a person or token (an upload in the workspace; each change is audited) or the
   * system (the seed, `npm run catalog:import`; one audit record for the whole import). The
   * same scope rules as every other write apply, row by row, and are reported per row.
   */
  actor: Actor;
  /** Kept on each version; defaults to the actor (`person:12`, `system:cli`). */
  source?: string;
  /**
   * Propose instead of publish (bulk exports): new entries become drafts and changes wait beside
   * the published entry, until an officer of its institution publishes or discards them.
   */
  asDrafts?: boolean;
  /** The seed only: its dates are taken even when the store's clock is behind them (see savePublishedDocument). */
  trustDates?: boolean;
  /** Called as records are written, for progress bars. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Validates every record and, only if all are valid, writes them all in one transaction: an import
 * with one bad record writes nothing and names the record, line and field.
 *
 * @example const report = await importCatalog(store, parseExchangeFile(text, 'json'), { source: 'import' })
 */
export async function importCatalog(store: Store, rows: RawRow[], options: ImportOptions): Promise<ImportReport> {
  const territory = await loadTerritoryIndex(store.db);
  const day = todayOf(store.clock);
  const { documents: validated, issues } = validateRows(rows, territory, day, options.trustDates);
  const parsed = await matchSourceIds(store.db, validated, issues);
  const documents = await checkScope(store.db, options.actor, parsed, issues);
  issues.sort((a, b) => a.row - b.row);
  const report: ImportReport = {
    total: rows.length,
    valid: rows.length - new Set(issues.map((issue) => issue.row)).size,
    issues,
    written: false,
    dryRun: Boolean(options.dryRun),
    counts: { created: 0, updated: 0, verified: 0, unchanged: 0 },
    drafts: { created: 0, proposed: 0 },
    newCategories: [],
    newInstitutions: [],
  };
  if (issues.length > 0 || options.dryRun || documents.length === 0) return report;

  const at = store.clock.now().toISOString();
  const actor = options.actor;
  const source = options.source ?? actorLabel(actor);
  await store.write(async (tx) => {
    const refs = referenceIds(tx, actor, at);
    let done = 0;
    for (const { doc } of documents) {
      if (options.asDrafts) {
        const drafted = await saveDraftDocument(tx, refs, doc, { actor, source, today: day, at });
        if (drafted === 'drafted') report.drafts.created++;
        else if (drafted === 'proposed') report.drafts.proposed++;
        else report.counts.unchanged++;
        if (actor.kind !== 'system' && drafted !== 'unchanged') {
          await appendAudit(store, tx, actor, { action: `procedure.import.${drafted}`, entity: 'procedure', entityId: doc.slug, after: doc });
        }
        done++;
        if (options.onProgress && (done % 250 === 0 || done === documents.length)) options.onProgress(done, documents.length);
        continue;
      }
      const outcome = await savePublishedDocument(tx, refs, doc, { actor, source, today: day, at, trustDates: options.trustDates });
      report.counts[outcome]++;
      if (actor.kind !== 'system' && outcome !== 'unchanged') {
        await appendAudit(store, tx, actor, { action: `procedure.import.${outcome}`, entity: 'procedure', entityId: doc.slug, after: doc });
      }
      done++;
      if (options.onProgress && (done % 250 === 0 || done === documents.length)) options.onProgress(done, documents.length);
    }
    report.newCategories = refs.created.categories;
    report.newInstitutions = refs.created.institutions;
    if (actor.kind === 'system') {
      await appendAudit(store, tx, actor, {
        action: 'catalog.import',
        entity: 'catalog',
        entityId: source,
        after: { counts: report.counts, drafts: report.drafts, newCategories: report.newCategories, newInstitutions: report.newInstitutions },
      });
    }
  });
  report.written = true;
  return report;
}

function validateRows(
  rows: RawRow[],
  territory: TerritoryIndex,
  today: string,
  trustDates = false,
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
    const dateProblem = trustDates ? null : updatedAtProblem(doc, today);
    if (dateProblem) {
      issue(dateProblem.field, dateProblem.message);
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

/**
 * Rows that carry a `source_id` already known in the store are the same entry whatever slug the
 * export gives them now: they take the stored slug. Two rows with one `source_id` are refused.
 */
async function matchSourceIds(
  db: Db,
  documents: { row: RawRow; doc: ProcedureDocument }[],
  issues: RowIssue[],
): Promise<{ row: RawRow; doc: ProcedureDocument }[]> {
  const ids = [...new Set(documents.map(({ doc }) => doc.source_id).filter((id): id is string => id !== undefined))];
  const slugOf = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.execute({ sql: `SELECT source_id, slug FROM procedures WHERE source_id IN (${chunk.map(() => '?').join(', ')})`, args: chunk });
    for (const row of rows.rows) slugOf.set(String(row.source_id), String(row.slug));
  }
  const firstRow = new Map<string, number>();
  const slugs = new Set<string>();
  const kept: { row: RawRow; doc: ProcedureDocument }[] = [];
  for (const entry of documents) {
    const { row, doc } = entry;
    const refuse = (field: string, message: string) =>
      issues.push({ row: row.row, line: row.line, slug: doc.slug, field, label: describePath([field]), message });
    if (doc.source_id !== undefined) {
      const before = firstRow.get(doc.source_id);
      if (before !== undefined) {
        refuse('source_id', `El identificador de origen «${doc.source_id}» ya aparece en el registro ${before}; cada fila de la exportación necesita el suyo.`);
        continue;
      }
      firstRow.set(doc.source_id, row.row);
    }
    const known = doc.source_id === undefined ? undefined : slugOf.get(doc.source_id);
    const matched = known && known !== doc.slug ? { row, doc: { ...doc, slug: known } } : entry;
    if (slugs.has(matched.doc.slug)) {
      refuse('slug', `El identificador «${matched.doc.slug}» corresponde a dos registros del archivo (por su identificador de origen); deje uno.`);
      continue;
    }
    slugs.add(matched.doc.slug);
    kept.push(matched);
  }
  return kept;
}

/**
 * The scope rules of every write, checked row by row before anything is written so the report can
 * name each refused row: an existing entry belongs to its institution and only an admin moves it;
 * an officer or token writes only into its own institution; only admins create institutions and
 * themes. (savePublishedDocument enforces the same rules again while writing.)
 */
async function checkScope(
  db: Db,
  actor: Actor,
  documents: { row: RawRow; doc: ProcedureDocument }[],
  issues: RowIssue[],
): Promise<{ row: RawRow; doc: ProcedureDocument }[]> {
  const institutions = new Map((await db.execute('SELECT id, slug FROM institutions')).rows.map((row) => [String(row.slug), Number(row.id)]));
  const slugById = new Map([...institutions].map(([slug, id]) => [id, slug]));
  const categories = new Set((await db.execute('SELECT slug FROM categories')).rows.map((row) => String(row.slug)));
  const owners = new Map<string, number>();
  for (let i = 0; i < documents.length; i += 500) {
    const slugs = documents.slice(i, i + 500).map(({ doc }) => doc.slug);
    const rows = await db.execute({ sql: `SELECT slug, institution_id FROM procedures WHERE slug IN (${slugs.map(() => '?').join(', ')})`, args: slugs });
    for (const row of rows.rows) owners.set(String(row.slug), Number(row.institution_id));
  }
  const kept: { row: RawRow; doc: ProcedureDocument }[] = [];
  for (const entry of documents) {
    const { row, doc } = entry;
    const refuse = (field: string, message: string) =>
      issues.push({ row: row.row, line: row.line, slug: doc.slug, field, label: describePath([field]), message });
    const owner = owners.get(doc.slug);
    const target = institutions.get(doc.institution);
    if (owner !== undefined && !canEditInstitution(actor, owner)) {
      refuse(
        'slug',
        `El trámite «${doc.slug}» ya existe y es de otra institución (${slugById.get(owner)}): solo su oficial de información o la administración pueden cambiarlo.`,
      );
    } else if (target === undefined && !isAdmin(actor)) {
      refuse('institution', `La institución «${doc.institution}» no existe, y solo la administración puede crear instituciones. Use la de su cuenta.`);
    } else if (target === undefined && !doc.institution_name) {
      refuse('institution_name', `La institución «${doc.institution}» es nueva: escriba su nombre completo en «institution_name».`);
    } else if (target !== undefined && !canEditInstitution(actor, target)) {
      refuse('institution', `Solo puede cargar trámites de su institución (${slugById.get(catalogScope(actor) ?? -1) ?? 'la de su cuenta'}).`);
    } else if (owner !== undefined && target !== undefined && owner !== target && !isAdmin(actor)) {
      refuse('institution', `El trámite «${doc.slug}» es de ${slugById.get(owner)}: solo la administración puede pasarlo a otra institución.`);
    } else if (!categories.has(doc.category) && !isAdmin(actor)) {
      refuse('category', `El tema «${doc.category}» no existe, y solo la administración puede crear temas. Elija uno de los temas del portal.`);
    } else {
      kept.push(entry);
    }
  }
  return kept;
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
    if (report.drafts.created + report.drafts.proposed > 0) {
      lines.push(
        `Borradores para revisar: ${report.drafts.created} trámites nuevos y ${report.drafts.proposed} cambios propuestos; los publica o descarta el oficial de cada institución en /admin/borradores.`,
      );
    }
    if (report.newCategories.length > 0) lines.push(`Categorías nuevas: ${report.newCategories.join(', ')}.`);
    if (report.newInstitutions.length > 0) lines.push(`Instituciones nuevas: ${report.newInstitutions.join(', ')}.`);
  }
  return lines;
}
