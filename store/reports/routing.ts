import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import type { Db, Store } from '../db.ts';
import { assertCanManageRouting, type Actor, type Queue, QUEUES } from '../policy.ts';
import { PRIORITIES, REPORT_KINDS, type Priority, type ReportKind } from './kinds.ts';

/**
 * The routing table: which queue and institution each kind of case goes to. Rules, not whim:
 * the most specific row wins (the procedure named, then the institution named, then the kind).
 */
export interface Route {
  queue: Queue;
  targetInstitutionId: number | null;
  toNamed: boolean;
  priority: Priority;
}

// Used only if an admin deleted a kind's general row: a case is never lost for want of a route.
const FALLBACK: Record<ReportKind, Route> = {
  complaint: { queue: 'quejas', targetInstitutionId: null, toNamed: true, priority: 'normal' },
  corruption: { queue: 'quejas', targetInstitutionId: null, toNamed: false, priority: 'high' },
  emergency: { queue: 'emergencias', targetInstitutionId: null, toNamed: false, priority: 'urgent' },
  violence: { queue: '198', targetInstitutionId: null, toNamed: false, priority: 'urgent' },
  missing_requirement: { queue: 'quejas', targetInstitutionId: null, toNamed: true, priority: 'normal' },
};

export async function resolveRoute(db: Db, kind: ReportKind, given: { institutionId: number | null; procedureId: number | null }): Promise<Route> {
  // A kind has a handful of rules: read them by the (kind, …) index and pick here — several times
  // cheaper than asking SQLite to rank the ORs, and this runs inside every intake's write.
  const rows = await db.execute({
    sql: 'SELECT institution_id, procedure_id, queue, target_institution_id, to_named, priority FROM report_routes WHERE kind = ?',
    args: [kind],
  });
  const fits = (value: unknown, wanted: number | null) => value === null || (wanted !== null && Number(value) === wanted);
  const specificity = (row: Record<string, unknown>) => (row.procedure_id !== null ? 2 : 0) + (row.institution_id !== null ? 1 : 0);
  const row = rows.rows
    .filter((candidate) => fits(candidate.procedure_id, given.procedureId) && fits(candidate.institution_id, given.institutionId))
    .sort((a, b) => specificity(b) - specificity(a))[0];
  if (!row) return FALLBACK[kind];
  const route: Route = {
    queue: String(row.queue) as Queue,
    targetInstitutionId: row.target_institution_id === null ? null : Number(row.target_institution_id),
    toNamed: Number(row.to_named) === 1,
    priority: String(row.priority) as Priority,
  };
  // A violence case stays in the 198 queue whatever a row says: only its operators may see it.
  return kind === 'violence' ? { ...route, queue: '198' } : route;
}

export interface RouteRow {
  id: number;
  kind: ReportKind;
  institution: string | null;
  procedure: string | null;
  queue: Queue;
  target: string | null;
  toNamed: boolean;
  priority: Priority;
}

export async function listRoutes(db: Db): Promise<RouteRow[]> {
  const rows = await db.execute(
    `SELECT r.id, r.kind, i.slug AS institution, p.slug AS procedure, r.queue, t.slug AS target, r.to_named, r.priority
       FROM report_routes r LEFT JOIN institutions i ON i.id = r.institution_id LEFT JOIN procedures p ON p.id = r.procedure_id
       LEFT JOIN institutions t ON t.id = r.target_institution_id
      ORDER BY r.kind, r.procedure_id IS NOT NULL, r.institution_id IS NOT NULL, r.id`,
  );
  return rows.rows.map((row) => ({
    id: Number(row.id),
    kind: String(row.kind) as ReportKind,
    institution: row.institution === null ? null : String(row.institution),
    procedure: row.procedure === null ? null : String(row.procedure),
    queue: String(row.queue) as Queue,
    target: row.target === null ? null : String(row.target),
    toNamed: Number(row.to_named) === 1,
    priority: String(row.priority) as Priority,
  }));
}

export interface RouteInput {
  kind: string;
  institution?: string;
  procedure?: string;
  queue: string;
  target?: string;
  toNamed: boolean;
  priority: string;
}

function invalid(field: string, message: string): AppError {
  return new AppError('invalid_route', message, { fields: { [field]: message } });
}

/** Adds or replaces the row for (kind, institution, procedure). Admins only; audited. */
export async function saveRoute(store: Store, actor: Actor, input: RouteInput): Promise<void> {
  assertCanManageRouting(actor);
  if (!(REPORT_KINDS as readonly string[]).includes(input.kind)) throw invalid('kind', `Elija el tipo: ${REPORT_KINDS.join(', ')}.`);
  if (!(QUEUES as readonly string[]).includes(input.queue)) throw invalid('queue', `Elija la cola: ${QUEUES.join(', ')}.`);
  if (!(PRIORITIES as readonly string[]).includes(input.priority)) throw invalid('priority', `Elija la prioridad: ${PRIORITIES.join(', ')}.`);
  if (input.kind === 'violence' && input.queue !== '198') throw invalid('queue', 'Los casos de violencia solo van a la cola 198.');
  await store.write(async (tx) => {
    const idOf = async (table: string, slug: string | undefined, field: string) => {
      if (!slug) return null;
      const rows = await tx.execute({ sql: `SELECT id FROM ${table} WHERE slug = ?`, args: [slug] });
      if (!rows.rows[0]) throw invalid(field, `No existe «${slug}».`);
      return Number(rows.rows[0].id);
    };
    const institutionId = await idOf('institutions', input.institution, 'institution');
    const procedureId = await idOf('procedures', input.procedure, 'procedure');
    const targetId = await idOf('institutions', input.target, 'target');
    const at = store.clock.now().toISOString();
    await tx.execute({
      sql: `INSERT INTO report_routes (kind, institution_id, procedure_id, queue, target_institution_id, to_named, priority, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (kind, coalesce(institution_id, 0), coalesce(procedure_id, 0)) DO UPDATE SET
              queue = excluded.queue, target_institution_id = excluded.target_institution_id, to_named = excluded.to_named,
              priority = excluded.priority, updated_at = excluded.updated_at`,
      args: [input.kind, institutionId, procedureId, input.queue, targetId, input.toNamed ? 1 : 0, input.priority, at],
    });
    await appendAudit(store, tx, actor, {
      action: 'route.save',
      entity: 'report_route',
      entityId: `${input.kind}:${input.institution ?? '*'}:${input.procedure ?? '*'}`,
      after: input,
    });
  });
}

export async function deleteRoute(store: Store, actor: Actor, id: number): Promise<void> {
  assertCanManageRouting(actor);
  await store.write(async (tx) => {
    const removed = await tx.execute({ sql: 'DELETE FROM report_routes WHERE id = ? RETURNING kind', args: [id] });
    if (!removed.rows[0]) throw new AppError('not_found', 'No existe esa regla.', { status: 404 });
    await appendAudit(store, tx, actor, { action: 'route.delete', entity: 'report_route', entityId: String(id) });
  });
}
