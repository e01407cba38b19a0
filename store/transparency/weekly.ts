import { AppError } from '../app-error.ts';
import { today } from '../clock.ts';
import type { Reader, Store } from '../db.ts';
import { isAdmin, type Actor } from '../policy.ts';
import { searchTotals, topQueries, zeroResultQueries, WORKSPACE_MIN_SEARCHES, type QueryCount } from '../search-analytics/analytics.ts';
import { transparencyFigures, type TransparencyFigures } from './figures.ts';

/**
 * The weekly follow-up report (the source documents ask for one): searches, the top and the
 * zero-result queries, feedback, cases received, acknowledged and resolved, and the share within
 * the promised times — for the whole portal and for each institution, for one week (Monday to
 * Sunday). The scheduled job builds last week's every Monday (and catches up a missed one);
 * `npm run report:weekly` builds it on demand. Kept as history in `weekly_reports`.
 *
 * Only figures, and the same small-cell care as the workspace: queries searched fewer than
 * WORKSPACE_MIN_SEARCHES times are not listed.
 */

export interface WeeklyReport {
  weekStart: string;
  weekEnd: string;
  institution: { id: number; slug: string; name: string } | null;
  generatedAt: string;
  searches: { total: number; zeroResult: number; opened: number; top: QueryCount[]; zeroResultQueries: QueryCount[] };
  feedback: TransparencyFigures['feedback']['byKind'] & { notLikeThisResolved: number };
  cases: {
    received: number;
    acknowledged: number;
    acknowledgedWithinSla: number;
    resolved: number;
    resolvedWithinSla: number;
  };
}

const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T12:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The Monday that starts the week holding `day`. */
export function weekStartOf(day: string): string {
  const weekday = new Date(`${day}T12:00:00Z`).getUTCDay(); // 0 Sunday … 6 Saturday
  return addDays(day, -((weekday + 6) % 7));
}

/** The last whole week before `day`'s week. */
export function previousWeek(day: string): string {
  return addDays(weekStartOf(day), -7);
}

async function buildOne(db: Reader, weekStart: string, institution: WeeklyReport['institution'], generatedAt: string, todayDay: string): Promise<WeeklyReport> {
  const weekEnd = addDays(weekStart, 6);
  const period = { from: weekStart, to: weekEnd };
  const figures = await transparencyFigures(db, { ...period, today: todayDay, ...(institution ? { institutionId: institution.id } : {}) });
  const [totals, top, zero] = await Promise.all([
    searchTotals(db, period),
    topQueries(db, { ...period, limit: 10, minSearches: WORKSPACE_MIN_SEARCHES, ...(institution ? { institutionId: institution.id } : {}) }),
    zeroResultQueries(db, { ...period, limit: 10, minSearches: WORKSPACE_MIN_SEARCHES }),
  ]);
  const r = figures.reports;
  return {
    weekStart,
    weekEnd,
    institution,
    generatedAt,
    searches: { total: totals.searches, zeroResult: totals.zeroResult, opened: totals.opened, top, zeroResultQueries: zero },
    feedback: { ...figures.feedback.byKind, notLikeThisResolved: figures.feedback.notLikeThis.resolved },
    cases: {
      received: r.received,
      acknowledged: r.acknowledged,
      acknowledgedWithinSla: r.acknowledgedWithinSla,
      resolved: r.resolved,
      resolvedWithinSla: r.resolvedWithinSla,
    },
  };
}

/**
 * Builds (or rebuilds) the week's reports, global and per institution, and keeps them.
 *
 * @returns how many reports were written
 * @example await buildWeeklyReports(store, { weekStart: '2026-11-16' })
 */
export async function buildWeeklyReports(store: Store, options: { weekStart?: string; institutionSlug?: string } = {}): Promise<number> {
  const day = today(store.clock);
  const weekStart = options.weekStart ?? previousWeek(day);
  if (weekStartOf(weekStart) !== weekStart) throw new AppError('invalid_week', 'La semana debe empezar un lunes (AAAA-MM-DD).', { status: 400 });
  const institutions = (
    await store.db.execute({
      sql: `SELECT id, slug, name FROM institutions${options.institutionSlug ? ' WHERE slug = ?' : ''} ORDER BY name`,
      args: options.institutionSlug ? [options.institutionSlug] : [],
    })
  ).rows.map((row) => ({ id: Number(row.id), slug: String(row.slug), name: String(row.name) }));
  if (options.institutionSlug && institutions.length === 0) {
    throw new AppError('not_found', `No existe la institución «${options.institutionSlug}». Use su identificador, por ejemplo «rnpn».`, { status: 404 });
  }
  const generatedAt = store.clock.now().toISOString();
  const reports = [
    ...(options.institutionSlug ? [] : [await buildOne(store.db, weekStart, null, generatedAt, day)]),
    ...(await Promise.all(institutions.map((institution) => buildOne(store.db, weekStart, institution, generatedAt, day)))),
  ];
  await store.write(async (tx) => {
    for (const report of reports) {
      await tx.execute({
        sql: `INSERT INTO weekly_reports (week_start, institution_id, generated_at, content) VALUES (?, ?, ?, ?)
              ON CONFLICT (week_start, institution_id) DO UPDATE SET generated_at = excluded.generated_at, content = excluded.content`,
        args: [report.weekStart, report.institution?.id ?? 0, report.generatedAt, JSON.stringify(report)],
      });
    }
  });
  return reports.length;
}

/** The scheduled job: last week's reports, once (a missed Monday is caught up the next run). */
export async function weeklyReportsDue(store: Store): Promise<number> {
  const weekStart = previousWeek(today(store.clock));
  const done = await store.db.execute({ sql: 'SELECT 1 FROM weekly_reports WHERE week_start = ? AND institution_id = 0', args: [weekStart] });
  if (done.rows.length > 0) return 0;
  return buildWeeklyReports(store, { weekStart });
}

/** Which reports a person reads: admins every one; officers the portal's and their institution's. */
function scopeOf(actor: Actor): number[] | null {
  if (isAdmin(actor)) return null;
  if (actor.kind === 'person' && actor.role === 'officer' && actor.institutionId !== null) return [0, actor.institutionId];
  if (actor.kind === 'person') return [0];
  throw new AppError('forbidden', 'Su acceso no permite leer los informes semanales.', { status: 403 });
}

export interface WeeklyReportSummary {
  id: number;
  weekStart: string;
  institution: string | null;
  generatedAt: string;
}

/** The history a person may read, newest week first. */
export async function listWeeklyReports(db: Reader, actor: Actor, limit = 60): Promise<WeeklyReportSummary[]> {
  const scope = scopeOf(actor);
  const rows = await db.execute({
    sql: `SELECT w.id, w.week_start, w.generated_at, i.name FROM weekly_reports w LEFT JOIN institutions i ON i.id = w.institution_id
           ${scope ? `WHERE w.institution_id IN (${scope.map(() => '?').join(', ')})` : ''}
           ORDER BY w.week_start DESC, w.institution_id = 0 DESC, i.name LIMIT ?`,
    args: [...(scope ?? []), limit],
  });
  return rows.rows.map((row) => ({
    id: Number(row.id),
    weekStart: String(row.week_start),
    institution: row.name === null ? null : String(row.name),
    generatedAt: String(row.generated_at),
  }));
}

/** One report, if the person may read it (404 otherwise, as if it did not exist). */
export async function getWeeklyReport(db: Reader, actor: Actor, id: number): Promise<WeeklyReport> {
  const scope = scopeOf(actor);
  const rows = await db.execute({ sql: 'SELECT institution_id, content FROM weekly_reports WHERE id = ?', args: [id] });
  const row = rows.rows[0];
  if (!row || (scope && !scope.includes(Number(row.institution_id)))) {
    throw new AppError('not_found', 'Ese informe no existe.', { status: 404 });
  }
  return JSON.parse(String(row.content)) as WeeklyReport;
}
