import { KIND_TEXT, type ReportKind } from '../reports/kinds.ts';
import { protectSeries, protectTable } from './disclosure.ts';
import type { Reader } from '../db.ts';
import { FEEDBACK_KINDS, REPORT_KINDS, reportFigures, reportMonthCells, type TransparencyFigures } from './figures.ts';

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
 * The catalog's and the feedback's tables, for any period, institution and theme: they count
 * procedures and opinions, never who gave them.
 *
 * @example publishedTables(figures)
 */
export function publishedTables(figures: Pick<TransparencyFigures, 'catalog' | 'feedback'>): PublishedTable[] {
  const tables: PublishedTable[] = [];
  const { catalog, feedback } = figures;

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

  return tables;
}

/** The names of the case tables: published for one calendar month at a time (see caseTables). */
export const CASE_TABLES = ['reportes-por-tipo', 'reportes-por-mes', 'reportes-por-departamento', 'reportes-por-institucion'] as const;

/** Kind × department counts as a protected table (rows: departments in code order). */
function protectedPlaces(cells: { department: string; kind: string; count: number }[]) {
  const departments = [...new Set(cells.map((row) => row.department))].sort();
  const table = protectTable({
    rows: departments,
    columns: [...REPORT_KINDS],
    cells: departments.map((department) => REPORT_KINDS.map((kind) => cells.find((row) => row.department === department && row.kind === kind)?.count ?? 0)),
  });
  return { departments, table };
}

/**
 * The case tables of one whole calendar month, and the series of the months before it.
 *
 * Why one month at a time: each table is protected on its own, so two overlapping tables (1–31
 * January and 1–30 January, or the whole portal and one institution) would give away, by their
 * difference, a count under 5. Cases are therefore published only for fixed, disjoint periods —
 * finished calendar months (a month still running would grow by differences too) — for the whole
 * portal, institutions being rows of their own table. The series shows each month's total exactly as
 * that month's own table publishes it (withheld there, withheld here), and no sum across months.
 *
 * @example caseTables(octoberReports, monthCells, departmentNames)
 */
export function caseTables(
  reports: TransparencyFigures['reports'],
  series: Map<string, { department: string; kind: string; count: number }[]>,
  months: string[],
  departmentNames: Map<string, string>,
): { tables: PublishedTable[]; total: number | null } {
  const { departments, table: byPlace } = protectedPlaces(reports.byDepartmentKind);
  const total = departments.length === 0 ? 0 : byPlace.total;
  const tables: PublishedTable[] = [];
  tables.push({
    name: 'reportes-por-tipo',
    title: 'Reportes recibidos por tipo',
    columns: ['Tipo', 'Reportes'],
    rows: [...REPORT_KINDS.map((kind, i) => [KIND_TEXT[kind as ReportKind].name, departments.length === 0 ? 0 : byPlace.columnTotals[i]]), [TOTAL, total]],
    suppressed: departments.length === 0 ? 0 : byPlace.columnTotals.filter((value) => value === null).length + (total === null ? 1 : 0),
  });
  const monthTotals = months.map((month) => {
    const cells = series.get(month) ?? [];
    if (cells.length === 0) return 0;
    return protectedPlaces(cells).table.total;
  });
  tables.push({
    name: 'reportes-por-mes',
    title: 'Reportes recibidos por mes',
    columns: ['Mes', 'Reportes'],
    rows: months.map((month, i) => [month, monthTotals[i]]),
    suppressed: monthTotals.filter((value) => value === null).length,
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
      ...(departments.length === 0 ? [] : [[TOTAL, ...byPlace.columnTotals, total]]),
    ],
    suppressed: byPlace.suppressed,
  });
  // Its counts add up to the same total as the others; a share is withheld with its count.
  const institutions = protectSeries(
    reports.byInstitution.map((row) => row.name ?? NO_INSTITUTION),
    reports.byInstitution.map((row) => row.received),
  );
  tables.push({
    name: 'reportes-por-institucion',
    title: 'Reportes por institución: atendidos y resueltos a tiempo',
    columns: ['Institución', 'Reportes recibidos', 'Acusados dentro del plazo (%)', 'Resueltos dentro del plazo (%)'],
    rows: reports.byInstitution.map((row, i) => {
      const received = institutions.counts[i];
      return [institutions.labels[i], received, share(row.acknowledgedWithinSla, received), share(row.resolvedWithinSla, received)];
    }),
    suppressed: institutions.suppressed,
  });
  return { tables, total };
}

/**
 * The case tables of `month` (a finished calendar month) and its twelve-month series, read from
 * the store.
 *
 * @example await monthCaseTables(store.db, { month: '2026-10', months, today: '2026-11-20' }, departmentNames)
 */
export async function monthCaseTables(
  db: Reader,
  period: { month: string; months: string[]; today: string },
  departmentNames: Map<string, string>,
): Promise<{ reports: TransparencyFigures['reports']; tables: PublishedTable[]; total: number | null }> {
  const [year, m] = period.month.split('-').map(Number);
  const to = new Date(Date.UTC(year, m, 0)).toISOString().slice(0, 10);
  const [reports, series] = await Promise.all([
    reportFigures(db, { from: `${period.month}-01`, to, today: period.today }),
    reportMonthCells(db, period.months[0], period.months[period.months.length - 1]),
  ]);
  return { reports, ...caseTables(reports, series, period.months, departmentNames) };
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
