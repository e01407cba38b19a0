import type { Reader } from '../db.ts';

/**
 * The public figures of /transparencia and the weekly report: catalog coverage, feedback, and
 * reports (received, acknowledged and resolved, times, within the SLA), for a period of El
 * Salvador calendar days and optionally one institution or theme.
 *
 * Reports and feedback are read from the rollups that migration 0017's triggers keep (whole
 * months from the monthly rows, the days of a partial month from the daily ones), so a page sums a
 * few thousand rows whatever the store holds. `source: 'scan'` computes the same figures from the
 * cases and opinions themselves: the benchmark's baseline, and the tests' proof that the rollups
 * are right. Cases are counted in the period they were received (a cohort): a period's share
 * resolved rises as its cases close.
 *
 * Nothing here is suppressed: disclosure control (store/transparency/disclosure.ts) is applied
 * where tables are published.
 */

/** Upper bounds (minutes) of the time-to-acknowledge buckets; the last bucket is open. Same as migration 0017. */
export const ACKNOWLEDGE_BUCKETS_MIN = [5, 15, 60, 240, 1440, 4320, 10080, 20160, 43200];
/** Upper bounds (minutes) of the time-to-resolve buckets. */
export const RESOLVE_BUCKETS_MIN = [60, 1440, 4320, 10080, 20160, 43200, 86400, 129600];
/** Upper bounds (days) of the feedback time-to-resolve buckets. */
export const FEEDBACK_BUCKETS_DAYS = [1, 3, 7, 14, 30, 60, 90];

export const REPORT_KINDS = ['complaint', 'corruption', 'emergency', 'violence', 'missing_requirement'] as const;
export const FEEDBACK_KINDS = ['want_online', 'not_like_this', 'useful', 'not_useful'] as const;

/** Days after which an entry nobody verified is stale (as in the officers' workspace). */
const VERIFIED_WITHIN_DAYS = 180;

export interface FigureFilter {
  /** First and last day, `YYYY-MM-DD`, El Salvador time, both included. */
  from: string;
  to: string;
  institutionId?: number;
  categoryId?: number;
  /** `today` for «verified in the last 180 days» (the injected clock's day). */
  today: string;
  source?: 'rollup' | 'scan';
}

/** A median read from buckets: it lies between `low` and `high` (minutes or days; `high` null = more than `low`). */
export interface BucketMedian {
  low: number;
  high: number | null;
}

export interface TransparencyFigures {
  catalog: {
    total: number;
    online: number;
    verified: number;
    byInstitution: { slug: string; name: string; total: number; online: number; verified: number }[];
    byCategory: { slug: string; name: string; total: number; online: number; verified: number }[];
  };
  feedback: {
    byKind: Record<(typeof FEEDBACK_KINDS)[number], number>;
    /** The public digitisation priority list: procedures people most asked to have online. */
    wantedProcedures: { slug: string; title: string; institution: string; count: number }[];
    wantedInstitutions: { slug: string; name: string; count: number }[];
    notLikeThis: { received: number; resolved: number; medianDays: BucketMedian | null };
  };
  reports: {
    byKind: Record<(typeof REPORT_KINDS)[number], number>;
    /** department code ('' unknown) → kind → received. */
    byDepartmentKind: { department: string; kind: string; count: number }[];
    byMonth: { month: string; count: number }[];
    received: number;
    acknowledged: number;
    acknowledgedWithinSla: number;
    resolved: number;
    resolvedWithinSla: number;
    acknowledgeMedian: BucketMedian | null;
    resolveMedian: BucketMedian | null;
    byInstitution: {
      slug: string | null;
      name: string | null;
      received: number;
      acknowledged: number;
      acknowledgedWithinSla: number;
      resolved: number;
      resolvedWithinSla: number;
    }[];
  };
}

// --- Periods ----------------------------------------------------------------------------------

const dayMs = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const msOf = (day: string) => Date.parse(`${day}T00:00:00Z`);
const lastDayOfMonth = (month: string) => {
  const [year, m] = month.split('-').map(Number);
  return dayOf(Date.UTC(year, m, 0));
};
const nextMonth = (month: string) => {
  const [year, m] = month.split('-').map(Number);
  return new Date(Date.UTC(year, m, 1)).toISOString().slice(0, 7);
};

/** Rollup rows for [from, to]: whole months from monthly rows, the rest from daily ones. */
function periodWhere(from: string, to: string): { sql: string; args: string[] } {
  const firstFull = from.endsWith('-01') ? from.slice(0, 7) : nextMonth(from.slice(0, 7));
  let lastFull = to.slice(0, 7);
  if (to !== lastDayOfMonth(lastFull)) {
    const [year, m] = lastFull.split('-').map(Number);
    lastFull = new Date(Date.UTC(year, m - 2, 1)).toISOString().slice(0, 7);
  }
  if (firstFull > lastFull) return { sql: "(unit = 'd' AND period BETWEEN ? AND ?)", args: [from, to] };
  const headEnd = dayOf(msOf(`${firstFull}-01`) - dayMs);
  const tailStart = dayOf(msOf(lastDayOfMonth(lastFull)) + dayMs);
  return {
    sql: "((unit = 'm' AND period BETWEEN ? AND ?) OR (unit = 'd' AND period BETWEEN ? AND ?) OR (unit = 'd' AND period BETWEEN ? AND ?))",
    args: [firstFull, lastFull, from, headEnd, tailStart, to],
  };
}

// --- The same columns from the cases themselves (the scan) ------------------------------------------

function bucketSql(minutes: string, edges: number[]): string {
  return `CASE ${edges.map((edge, i) => `WHEN ${minutes} <= ${edge} THEN ${i}`).join(' ')} ELSE ${edges.length} END`;
}

const ACKED = '(r.acknowledged_at IS NOT NULL)';
const RESOLVED = "(r.closed_at IS NOT NULL AND r.state NOT IN ('withdrawn', 'merged'))";
const ACK_MIN = '((julianday(r.acknowledged_at) - julianday(r.created_at)) * 1440)';
const RES_MIN = '((julianday(r.closed_at) - julianday(r.created_at)) * 1440)';

const REPORT_COLUMNS: Record<string, string> = {
  received: '1',
  acknowledged: ACKED,
  ack_in_sla: `(${ACKED} AND r.acknowledged_at <= r.acknowledge_due_at)`,
  resolved: RESOLVED,
  res_in_sla: `(${RESOLVED} AND r.closed_at <= r.resolve_due_at)`,
  ...Object.fromEntries(
    Array.from({ length: ACKNOWLEDGE_BUCKETS_MIN.length + 1 }, (_, i) => [
      `ack_b${i}`,
      `(${ACKED} AND (${bucketSql(ACK_MIN, ACKNOWLEDGE_BUCKETS_MIN)}) = ${i})`,
    ]),
  ),
  ...Object.fromEntries(
    Array.from({ length: RESOLVE_BUCKETS_MIN.length + 1 }, (_, i) => [`res_b${i}`, `(${RESOLVED} AND (${bucketSql(RES_MIN, RESOLVE_BUCKETS_MIN)}) = ${i})`]),
  ),
};

const FB_RESOLVED = "(f.status = 'resolved' AND f.resolved_at IS NOT NULL)";
const FB_DAYS = '(julianday(f.resolved_at) - julianday(f.created_at))';
const FEEDBACK_COLUMNS: Record<string, string> = {
  received: '1',
  resolved: FB_RESOLVED,
  ...Object.fromEntries(
    Array.from({ length: FEEDBACK_BUCKETS_DAYS.length + 1 }, (_, i) => [
      `res_b${i}`,
      `(${FB_RESOLVED} AND (${bucketSql(FB_DAYS, FEEDBACK_BUCKETS_DAYS)}) = ${i})`,
    ]),
  ),
};

/**
 * One grouped sum over reports, from the rollup or from the cases. `group` names columns of the
 * rollup: kind, department, institution_id, and `month` (the period's first 7 characters).
 */
async function reportSums(db: Reader, filter: FigureFilter, group: string[], columns: string[]): Promise<Record<string, unknown>[]> {
  if (filter.source === 'scan') {
    const groups: Record<string, string> = {
      kind: 'r.kind',
      department: "coalesce(r.department_code, '')",
      institution_id: 'coalesce(r.institution_id, 0)',
      month: "substr(date(r.created_at, '-6 hours'), 1, 7)",
    };
    const where = ["date(r.created_at, '-6 hours') BETWEEN ? AND ?"];
    const args: (string | number)[] = [filter.from, filter.to];
    if (filter.institutionId !== undefined) {
      where.push('coalesce(r.institution_id, 0) = ?');
      args.push(filter.institutionId);
    }
    const select = [...group.map((g) => `${groups[g]} AS ${g}`), ...columns.map((c) => `sum(${REPORT_COLUMNS[c]}) AS ${c}`)];
    const rows = await db.execute({
      sql: `SELECT ${select.join(', ')} FROM reports r WHERE ${where.join(' AND ')}${group.length ? ` GROUP BY ${group.join(', ')}` : ''}`,
      args,
    });
    return rows.rows as unknown as Record<string, unknown>[];
  }
  const period = periodWhere(filter.from, filter.to);
  const where = [period.sql];
  const args: (string | number)[] = [...period.args];
  if (filter.institutionId !== undefined) {
    where.push('institution_id = ?');
    args.push(filter.institutionId);
  }
  const select = [...group.map((g) => (g === 'month' ? 'substr(period, 1, 7) AS month' : g)), ...columns.map((c) => `sum(${c}) AS ${c}`)];
  const rows = await db.execute({
    sql: `SELECT ${select.join(', ')} FROM stats_reports WHERE ${where.join(' AND ')}${group.length ? ` GROUP BY ${group.join(', ')}` : ''}`,
    args,
  });
  return rows.rows as unknown as Record<string, unknown>[];
}

async function feedbackSums(
  db: Reader,
  filter: FigureFilter,
  group: string[],
  columns: string[],
  extra: { kind?: string; orderBy?: string; limit?: number } = {},
): Promise<Record<string, unknown>[]> {
  const scan = filter.source === 'scan';
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (scan) {
    where.push("date(f.created_at, '-6 hours') BETWEEN ? AND ?");
    args.push(filter.from, filter.to);
  } else {
    const period = periodWhere(filter.from, filter.to);
    where.push(period.sql);
    args.push(...period.args);
  }
  const column = (name: string) =>
    scan ? { kind: 'f.kind', procedure_id: 'f.procedure_id', institution_id: 'p.institution_id', category_id: 'p.category_id' }[name]! : name;
  if (filter.institutionId !== undefined) {
    where.push(`${column('institution_id')} = ?`);
    args.push(filter.institutionId);
  }
  if (filter.categoryId !== undefined) {
    where.push(`${column('category_id')} = ?`);
    args.push(filter.categoryId);
  }
  if (extra.kind) {
    where.push(`${column('kind')} = ?`);
    args.push(extra.kind);
  }
  const select = [...group.map((g) => `${column(g)} AS ${g}`), ...columns.map((c) => (scan ? `sum(${FEEDBACK_COLUMNS[c]}) AS ${c}` : `sum(${c}) AS ${c}`))];
  const from = scan ? 'feedback f JOIN procedures p ON p.id = f.procedure_id' : 'stats_feedback';
  const order = extra.orderBy ? ` ORDER BY ${extra.orderBy}` : '';
  const limit = extra.limit ? ` LIMIT ${Math.floor(extra.limit)}` : '';
  const rows = await db.execute({
    sql: `SELECT ${select.join(', ')} FROM ${from} WHERE ${where.join(' AND ')}${group.length ? ` GROUP BY ${group.map(column).join(', ')}` : ''}${order}${limit}`,
    args,
  });
  return rows.rows as unknown as Record<string, unknown>[];
}

/** The bucket holding the middle case, as its bounds. */
export function bucketMedian(counts: number[], edges: number[]): BucketMedian | null {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen * 2 >= total) return { low: i === 0 ? 0 : edges[i - 1], high: i < edges.length ? edges[i] : null };
  }
  return null;
}

const num = (value: unknown) => Number(value ?? 0);

/**
 * @example await transparencyFigures(store.db, { from: '2026-01-01', to: '2026-11-30', today: '2026-12-01' })
 */
export async function transparencyFigures(db: Reader, filter: FigureFilter): Promise<TransparencyFigures> {
  const [catalog, feedback, reports] = await Promise.all([catalogFigures(db, filter), feedbackFigures(db, filter), reportFigures(db, filter)]);
  return { catalog, feedback, reports };
}

/** Only the catalog's and the feedback's figures (what /transparencia shows for any period and filter). */
export async function catalogAndFeedbackFigures(db: Reader, filter: FigureFilter): Promise<Pick<TransparencyFigures, 'catalog' | 'feedback'>> {
  const [catalog, feedback] = await Promise.all([catalogFigures(db, filter), feedbackFigures(db, filter)]);
  return { catalog, feedback };
}

async function catalogFigures(db: Reader, filter: FigureFilter): Promise<TransparencyFigures['catalog']> {
  const since = dayOf(msOf(filter.today) - VERIFIED_WITHIN_DAYS * dayMs);
  const where = ["p.status = 'published'"];
  const args: (string | number)[] = [since];
  if (filter.institutionId !== undefined) {
    where.push('p.institution_id = ?');
    args.push(filter.institutionId);
  }
  if (filter.categoryId !== undefined) {
    where.push('p.category_id = ?');
    args.push(filter.categoryId);
  }
  const by = async (table: 'institutions' | 'categories', key: 'institution_id' | 'category_id') =>
    (
      await db.execute({
        sql: `SELECT t.slug, t.name, count(*) AS total, sum(p.online) AS online, sum(coalesce(p.verified_at, '') > ?) AS verified
                FROM procedures p JOIN ${table} t ON t.id = p.${key} WHERE ${where.join(' AND ')} GROUP BY t.id ORDER BY t.name`,
        args,
      })
    ).rows.map((row) => ({ slug: String(row.slug), name: String(row.name), total: num(row.total), online: num(row.online), verified: num(row.verified) }));
  const [byInstitution, byCategory] = await Promise.all([by('institutions', 'institution_id'), by('categories', 'category_id')]);
  const sum = (key: 'total' | 'online' | 'verified') => byInstitution.reduce((total, row) => total + row[key], 0);
  return { total: sum('total'), online: sum('online'), verified: sum('verified'), byInstitution, byCategory };
}

async function feedbackFigures(db: Reader, filter: FigureFilter): Promise<TransparencyFigures['feedback']> {
  const buckets = Array.from({ length: FEEDBACK_BUCKETS_DAYS.length + 1 }, (_, i) => `res_b${i}`);
  const [kinds, procedures, institutions, notLikeThis] = await Promise.all([
    feedbackSums(db, filter, ['kind'], ['received']),
    feedbackSums(db, filter, ['procedure_id'], ['received'], { kind: 'want_online', orderBy: 'received DESC, procedure_id', limit: 10 }),
    feedbackSums(db, filter, ['institution_id'], ['received'], { kind: 'want_online', orderBy: 'received DESC, institution_id', limit: 10 }),
    feedbackSums(db, filter, [], ['received', 'resolved', ...buckets], { kind: 'not_like_this' }),
  ]);
  const byKind = Object.fromEntries(FEEDBACK_KINDS.map((kind) => [kind, 0])) as TransparencyFigures['feedback']['byKind'];
  for (const row of kinds) byKind[String(row.kind) as keyof typeof byKind] = num(row.received);
  const named = async (ids: number[], sql: string) =>
    ids.length === 0
      ? new Map()
      : new Map((await db.execute({ sql: sql.replace('?', ids.map(() => '?').join(', ')), args: ids })).rows.map((row) => [num(row.id), row]));
  const procedureRows = await named(
    procedures.map((row) => num(row.procedure_id)),
    'SELECT p.id, p.slug, p.title, i.name AS institution FROM procedures p JOIN institutions i ON i.id = p.institution_id WHERE p.id IN (?)',
  );
  const institutionRows = await named(
    institutions.map((row) => num(row.institution_id)),
    'SELECT id, slug, name FROM institutions WHERE id IN (?)',
  );
  const n = notLikeThis[0] ?? {};
  return {
    byKind,
    wantedProcedures: procedures
      .filter((row) => num(row.received) > 0 && procedureRows.has(num(row.procedure_id)))
      .map((row) => {
        const p = procedureRows.get(num(row.procedure_id));
        return { slug: String(p.slug), title: String(p.title), institution: String(p.institution), count: num(row.received) };
      }),
    wantedInstitutions: institutions
      .filter((row) => num(row.received) > 0 && institutionRows.has(num(row.institution_id)))
      .map((row) => {
        const i = institutionRows.get(num(row.institution_id));
        return { slug: String(i.slug), name: String(i.name), count: num(row.received) };
      }),
    notLikeThis: {
      received: num(n.received),
      resolved: num(n.resolved),
      medianDays: bucketMedian(
        buckets.map((b) => num(n[b])),
        FEEDBACK_BUCKETS_DAYS,
      ),
    },
  };
}

export async function reportFigures(db: Reader, filter: FigureFilter): Promise<TransparencyFigures['reports']> {
  const ackBuckets = Array.from({ length: ACKNOWLEDGE_BUCKETS_MIN.length + 1 }, (_, i) => `ack_b${i}`);
  const resBuckets = Array.from({ length: RESOLVE_BUCKETS_MIN.length + 1 }, (_, i) => `res_b${i}`);
  const counters = ['received', 'acknowledged', 'ack_in_sla', 'resolved', 'res_in_sla'];
  const [kindDepartment, months, totals, institutions] = await Promise.all([
    reportSums(db, filter, ['kind', 'department'], ['received']),
    reportSums(db, filter, ['month'], ['received']),
    reportSums(db, filter, [], [...counters, ...ackBuckets, ...resBuckets]),
    reportSums(db, filter, ['institution_id'], counters),
  ]);
  const byKind = Object.fromEntries(REPORT_KINDS.map((kind) => [kind, 0])) as TransparencyFigures['reports']['byKind'];
  for (const row of kindDepartment) byKind[String(row.kind) as keyof typeof byKind] += num(row.received);
  const t = totals[0] ?? {};
  const names = new Map(
    (await db.execute('SELECT id, slug, name FROM institutions')).rows.map((row) => [num(row.id), { slug: String(row.slug), name: String(row.name) }]),
  );
  return {
    byKind,
    byDepartmentKind: kindDepartment
      .filter((row) => num(row.received) !== 0)
      .map((row) => ({ department: String(row.department), kind: String(row.kind), count: num(row.received) }))
      .sort((a, b) => a.department.localeCompare(b.department) || a.kind.localeCompare(b.kind)),
    byMonth: months
      .filter((row) => num(row.received) !== 0)
      .map((row) => ({ month: String(row.month), count: num(row.received) }))
      .sort((a, b) => a.month.localeCompare(b.month)),
    received: num(t.received),
    acknowledged: num(t.acknowledged),
    acknowledgedWithinSla: num(t.ack_in_sla),
    resolved: num(t.resolved),
    resolvedWithinSla: num(t.res_in_sla),
    acknowledgeMedian: bucketMedian(
      ackBuckets.map((b) => num(t[b])),
      ACKNOWLEDGE_BUCKETS_MIN,
    ),
    resolveMedian: bucketMedian(
      resBuckets.map((b) => num(t[b])),
      RESOLVE_BUCKETS_MIN,
    ),
    byInstitution: institutions
      .filter((row) => num(row.received) !== 0)
      .map((row) => {
        const named = names.get(num(row.institution_id));
        return {
          slug: named?.slug ?? null,
          name: named?.name ?? null,
          received: num(row.received),
          acknowledged: num(row.acknowledged),
          acknowledgedWithinSla: num(row.ack_in_sla),
          resolved: num(row.resolved),
          resolvedWithinSla: num(row.res_in_sla),
        };
      })
      .sort((a, b) => b.received - a.received || String(a.name).localeCompare(String(b.name))),
  };
}

/**
 * Cases received per month, kind and department, for the months `fromMonth`…`toMonth`
 * (`YYYY-MM`, both included), from the monthly rollup: each month is protected on its own where it
 * is published (store/transparency/tables.ts).
 */
export async function reportMonthCells(
  db: Reader,
  fromMonth: string,
  toMonth: string,
): Promise<Map<string, { department: string; kind: string; count: number }[]>> {
  const rows = await db.execute({
    sql: "SELECT period, kind, department, sum(received) AS received FROM stats_reports WHERE unit = 'm' AND period BETWEEN ? AND ? GROUP BY period, kind, department",
    args: [fromMonth, toMonth],
  });
  const months = new Map<string, { department: string; kind: string; count: number }[]>();
  for (const row of rows.rows) {
    if (num(row.received) === 0) continue;
    const list = months.get(String(row.period)) ?? [];
    list.push({ department: String(row.department), kind: String(row.kind), count: num(row.received) });
    months.set(String(row.period), list);
  }
  return months;
}
