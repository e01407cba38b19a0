import { KIND_TEXT, type ReportKind } from '../reports/kinds.ts';
import { protectSeries, protectTable } from './disclosure.ts';
import { FEEDBACK_KINDS, REPORT_KINDS, type TransparencyFigures } from './figures.ts';

/**
 * The tables /transparencia publishes, each as it is drawn beside its chart and downloaded as CSV
 * (/transparencia/{name}.csv). Counts of reports pass through disclosure control: a count under 5
 * and the cells that would let it be worked out are published as null («reservado»).
 */

export interface PublishedTable {
  /** The CSV's name and the table's anchor: `reportes-por-mes`. */
  name: string;
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
  /** How many numbers were withheld by disclosure control. */
  suppressed: number;
}

export const FEEDBACK_KIND_NAMES: Record<(typeof FEEDBACK_KINDS)[number], string> = {
  want_online: 'Quiero este servicio en línea',
  not_like_this: 'Este servicio no funciona así',
  useful: 'Me fue útil',
  not_useful: 'No me fue útil',
};

const TOTAL = 'Total';
const UNKNOWN_DEPARTMENT = 'Sin departamento';
const NO_INSTITUTION = 'Sin institución asignada';

/** A share as a whole percentage, or null when its base is withheld or empty. */
const share = (part: number, whole: number | null) => (whole === null || whole === 0 ? null : Math.round((part / whole) * 100));

/**
 * @example publishedTables(figures, new Map([['06', 'San Salvador']]))
 */
export function publishedTables(figures: TransparencyFigures, departmentNames: Map<string, string>): PublishedTable[] {
  const tables: PublishedTable[] = [];
  const { catalog, feedback, reports } = figures;

  tables.push({
    name: 'catalogo-por-tema',
    title: 'Trámites publicados por tema',
    columns: ['Tema', 'Trámites', 'Con enlace en línea', 'Verificados en los últimos 180 días'],
    rows: [...catalog.byCategory.map((row) => [row.name, row.total, row.online, row.verified]), [TOTAL, catalog.total, catalog.online, catalog.verified]],
    suppressed: 0,
  });
  tables.push({
    name: 'catalogo-por-institucion',
    title: 'Trámites publicados por institución',
    columns: ['Institución', 'Trámites', 'Con enlace en línea', 'Verificados en los últimos 180 días'],
    rows: [...catalog.byInstitution.map((row) => [row.name, row.total, row.online, row.verified]), [TOTAL, catalog.total, catalog.online, catalog.verified]],
    suppressed: 0,
  });
  tables.push({
    name: 'opiniones-por-tipo',
    title: 'Opiniones recibidas por tipo',
    columns: ['Tipo', 'Opiniones'],
    rows: FEEDBACK_KINDS.map((kind) => [FEEDBACK_KIND_NAMES[kind], feedback.byKind[kind]]),
    suppressed: 0,
  });
  tables.push({
    name: 'prioridades-de-digitalizacion',
    title: 'Trámites que más personas quieren hacer en línea',
    columns: ['Trámite', 'Institución', 'Personas que lo pidieron'],
    rows: feedback.wantedProcedures.map((row) => [row.title, row.institution, row.count]),
    suppressed: 0,
  });
  tables.push({
    name: 'instituciones-mas-pedidas-en-linea',
    title: 'Instituciones con más pedidos de trámites en línea',
    columns: ['Institución', 'Pedidos'],
    rows: feedback.wantedInstitutions.map((row) => [row.name, row.count]),
    suppressed: 0,
  });

  // Reports: every count under 5 is withheld, with what would reveal it. The tables share numbers
  // (the kinds are the department table's column totals; every table's total is the same), so the
  // shared ones come from one protected table, and a total withheld anywhere is withheld everywhere.
  const departments = [...new Set(reports.byDepartmentKind.map((row) => row.department))].sort();
  const cells = departments.map((department) =>
    REPORT_KINDS.map((kind) => reports.byDepartmentKind.find((row) => row.department === department && row.kind === kind)?.count ?? 0),
  );
  const byPlace = protectTable({ rows: departments, columns: [...REPORT_KINDS], cells });
  const byMonth = protectSeries(
    reports.byMonth.map((row) => row.month),
    reports.byMonth.map((row) => row.count),
  );
  const total = byPlace.total === null || byMonth.total === null ? null : byPlace.total;
  tables.push({
    name: 'reportes-por-tipo',
    title: 'Reportes recibidos por tipo',
    columns: ['Tipo', 'Reportes'],
    rows: [...REPORT_KINDS.map((kind, i) => [KIND_TEXT[kind as ReportKind].name, departments.length === 0 ? 0 : byPlace.columnTotals[i]]), [TOTAL, total]],
    suppressed: byPlace.columnTotals.filter((value) => value === null).length + (total === null ? 1 : 0),
  });
  tables.push({
    name: 'reportes-por-mes',
    title: 'Reportes recibidos por mes',
    columns: ['Mes', 'Reportes'],
    rows: [...byMonth.labels.map((label, i) => [label, byMonth.counts[i]]), [TOTAL, total]],
    suppressed: byMonth.suppressed + (total === null && byMonth.total !== null ? 1 : 0),
  });
  tables.push({
    name: 'reportes-por-departamento',
    title: 'Reportes recibidos por departamento y tipo',
    columns: ['Departamento', ...REPORT_KINDS.map((kind) => KIND_TEXT[kind as ReportKind].name), TOTAL],
    rows: [
      ...departments.map((department, r) => [
        department ? (departmentNames.get(department) ?? department) : UNKNOWN_DEPARTMENT,
        ...byPlace.cells[r],
        byPlace.rowTotals[r],
      ]),
      [TOTAL, ...byPlace.columnTotals, total],
    ],
    suppressed: byPlace.suppressed + (total === null && byPlace.total !== null ? 1 : 0),
  });
  const institutions = protectSeries(
    reports.byInstitution.map((row) => row.name ?? NO_INSTITUTION),
    reports.byInstitution.map((row) => row.received),
  );
  tables.push({
    name: 'reportes-por-institucion',
    title: 'Reportes por institución: atendidos y resueltos a tiempo',
    // Its counts add up to the same total; a share is withheld with its count.
    columns: ['Institución', 'Reportes recibidos', 'Acusados dentro del plazo (%)', 'Resueltos dentro del plazo (%)'],
    rows: reports.byInstitution.map((row, i) => {
      const received = institutions.counts[i];
      return [institutions.labels[i], received, share(row.acknowledgedWithinSla, received), share(row.resolvedWithinSla, received)];
    }),
    suppressed: institutions.suppressed,
  });
  return tables;
}

/** A table as CSV (RFC 4180; a withheld number is an empty field; UTF-8 with a BOM so spreadsheets read the accents). */
export function tableCsv(table: PublishedTable): string {
  const field = (value: string | number | null) => {
    if (value === null) return '';
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `\uFEFF${[table.columns, ...table.rows].map((row) => row.map(field).join(',')).join('\r\n')}\r\n`;
}
