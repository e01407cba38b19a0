import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import type { Db, Store } from '../db.ts';
import { actorLabel, assertCanOpenContact, assertCanSeeReport, reportScope, systemActor, type Actor, type ReportScopeFacts } from '../policy.ts';
import { KIND_TEXT, REPORT_KINDS, type ContactChannel, type Priority, type ReportChannel, type ReportKind } from './kinds.ts';
import { enqueueCitizenNotification } from './notifications.ts';
import { eraseContact, MESSAGE_MAX, type ContactInput } from './reports.ts';
import { slaClock, type SlaClock } from './sla.ts';
import { formatTrackingCode, normalizeTrackingCode } from './tracking-code.ts';

/**
 * The operators' and officers' side: queues, cases, events. Every function asks the policy module
 * who may see what; a case outside the actor's scope answers 404 (its existence is not given away).
 * Every event is appended to `report_events` (never changed) and to the audit chain.
 */

export interface StateInfo {
  code: string;
  name: string;
  type: 'open' | 'closed';
}

export async function listStates(db: Db): Promise<StateInfo[]> {
  const rows = await db.execute('SELECT code, name, type FROM report_states ORDER BY position');
  return rows.rows.map((row) => ({ code: String(row.code), name: String(row.name), type: String(row.type) as 'open' | 'closed' }));
}

/** A keyed pseudonym: the same person-case pair always reads the same, and reveals nothing. */
export async function pseudonymOf(store: Store, reportId: number): Promise<string> {
  return `Persona ${(await store.keys.fingerprint(`pseudonym\n${reportId}`)).slice(0, 5).toUpperCase()}`;
}

export interface QueueFilters {
  queue?: string;
  /** 'open' | 'closed' | a state code */
  status?: string;
  kind?: ReportKind;
  overdue?: boolean;
  escalated?: boolean;
  /** Cases taken by this person. */
  takenBy?: number;
  limit?: number;
  offset?: number;
}

export interface QueueItem {
  code: string;
  displayCode: string;
  kind: ReportKind;
  kindName: string;
  channel: ReportChannel;
  queue: string;
  institution: { slug: string; name: string } | null;
  priority: Priority;
  state: string;
  stateName: string;
  open: boolean;
  pseudonym: string;
  department: string | null;
  createdAt: string;
  updatedAt: string;
  takenBy: string | null;
  escalated: boolean;
  sla: SlaClock;
}

function scopeSql(actor: Actor): { where: string[]; args: (string | number)[] } {
  const scope = reportScope(actor);
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (scope.queues !== 'all') {
    where.push(`r.queue IN (${scope.queues.map(() => '?').join(', ')})`);
    args.push(...scope.queues);
  }
  if (scope.institutionId !== null) {
    where.push('r.institution_id = ?');
    args.push(scope.institutionId);
  }
  if (!scope.violence) where.push("r.kind <> 'violence'");
  return { where, args };
}

function invalidFilter(field: string, message: string): AppError {
  return new AppError('invalid_filter', message, { fields: { [field]: message } });
}

/**
 * A queue, most urgent deadline first, paginated; only the cases the actor may see.
 * Indexed on (queue, is_open, due_at): a page of a 10,000-case queue is read, not sorted.
 */
export async function listReports(store: Store, actor: Actor, filters: QueueFilters = {}): Promise<{ items: QueueItem[]; total: number }> {
  const { where, args } = scopeSql(actor);
  if (filters.queue) {
    where.push('r.queue = ?');
    args.push(filters.queue);
  }
  const status = filters.status ?? 'open';
  if (status === 'open' || status === 'closed') {
    where.push('r.is_open = ?');
    args.push(status === 'open' ? 1 : 0);
  } else if (status !== 'all') {
    const states = await listStates(store.db);
    if (!states.some((s) => s.code === status))
      throw invalidFilter('status', `Use en «status»: open, closed, all o un estado (${states.map((s) => s.code).join(', ')}).`);
    where.push('r.state = ?');
    args.push(status);
  }
  if (filters.kind) {
    if (!(REPORT_KINDS as readonly string[]).includes(filters.kind)) throw invalidFilter('kind', `Use en «kind» uno de: ${REPORT_KINDS.join(', ')}.`);
    where.push('r.kind = ?');
    args.push(filters.kind);
  }
  if (filters.overdue) {
    where.push('r.due_at < ?');
    args.push(store.clock.now().toISOString());
  }
  if (filters.escalated) where.push('r.escalated_stage IS NOT NULL AND r.is_open = 1');
  if (filters.takenBy !== undefined) {
    where.push('r.taken_by = ?');
    args.push(filters.takenBy);
  }
  const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  // Open cases by running deadline (the index order: no sort of the whole queue); closed ones newest first.
  const orderBy = status === 'open' ? 'r.due_at, r.id' : status === 'closed' ? 'r.id DESC' : 'r.is_open DESC, r.due_at IS NULL, r.due_at, r.id DESC';
  const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
  const offset = Math.max(filters.offset ?? 0, 0);
  const [rows, total] = await Promise.all([
    store.db.execute({
      sql: `SELECT r.id, r.code, r.kind, r.channel, r.queue, r.priority, r.state, s.name AS state_name, r.is_open, r.created_at, r.updated_at,
                   r.acknowledge_due_at, r.resolve_due_at, r.acknowledged_at, r.closed_at, r.escalated_stage, d.name AS department,
                   i.slug AS institution_slug, i.name AS institution_name, p.email AS taken_by_email
              FROM reports r JOIN report_states s ON s.code = r.state
              LEFT JOIN institutions i ON i.id = r.institution_id
              LEFT JOIN departments d ON d.code = r.department_code
              LEFT JOIN people p ON p.id = r.taken_by
             ${whereSql}
             ORDER BY ${orderBy}
             LIMIT ? OFFSET ?`,
      args: [...args, limit, offset],
    }),
    store.db.execute({ sql: `SELECT count(*) AS n FROM reports r ${whereSql}`, args }),
  ]);
  const now = store.clock.now();
  const items = await Promise.all(rows.rows.map((row) => queueItemOf(store, row, now)));
  return { items, total: Number(total.rows[0].n) };
}

/** A case row (with its state's name, institution, department and taker joined) as a queue shows it. */
async function queueItemOf(store: Store, row: Record<string, unknown>, now: Date): Promise<QueueItem> {
  const kind = String(row.kind) as ReportKind;
  const acknowledgedAt = row.acknowledged_at === null ? null : String(row.acknowledged_at);
  const closedAt = row.closed_at === null ? null : String(row.closed_at);
  return {
    code: String(row.code),
    displayCode: formatTrackingCode(String(row.code)),
    kind,
    kindName: KIND_TEXT[kind].name,
    channel: String(row.channel) as ReportChannel,
    queue: String(row.queue),
    institution: row.institution_slug === null ? null : { slug: String(row.institution_slug), name: String(row.institution_name) },
    priority: String(row.priority) as Priority,
    state: String(row.state),
    stateName: String(row.state_name),
    open: Number(row.is_open) === 1,
    pseudonym: await pseudonymOf(store, Number(row.id)),
    department: row.department === null ? null : String(row.department),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    takenBy: row.taken_by_email === null || row.taken_by_email === undefined ? null : String(row.taken_by_email),
    escalated: row.escalated_stage !== null && Number(row.is_open) === 1,
    sla: slaClock({ acknowledgeDueAt: String(row.acknowledge_due_at), resolveDueAt: String(row.resolve_due_at), acknowledgedAt, closedAt }, now),
  };
}

/**
 * A number that changes whenever a case the actor may see changes: the live queue pages poll it
 * (server-sent events on Node, plain polling elsewhere) and reload when it moves.
 */
export async function queueVersion(store: Store, actor: Actor, queue?: string): Promise<string> {
  const { where, args } = scopeSql(actor);
  if (queue) {
    where.push('r.queue = ?');
    args.push(queue);
  }
  const rows = await store.db.execute({
    sql: `SELECT max(r.updated_at) AS at, count(*) AS n FROM reports r ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
    args,
  });
  return `${rows.rows[0].at ?? ''}/${rows.rows[0].n}`;
}

interface CaseRow extends ReportScopeFacts {
  id: number;
  code: string;
  state: string;
  isOpen: boolean;
  acknowledgedAt: string | null;
  takenBy: number | null;
}

async function caseRow(db: Db, code: string): Promise<CaseRow | null> {
  const canonical = normalizeTrackingCode(code);
  if (!canonical) return null;
  const rows = await db.execute({
    sql: 'SELECT id, code, kind, queue, institution_id, state, is_open, acknowledged_at, taken_by FROM reports WHERE code = ?',
    args: [canonical],
  });
  const row = rows.rows[0];
  if (!row) return null;
  return {
    id: Number(row.id),
    code: String(row.code),
    kind: String(row.kind),
    queue: String(row.queue),
    institutionId: row.institution_id === null ? null : Number(row.institution_id),
    state: String(row.state),
    isOpen: Number(row.is_open) === 1,
    acknowledgedAt: row.acknowledged_at === null ? null : String(row.acknowledged_at),
    takenBy: row.taken_by === null ? null : Number(row.taken_by),
  };
}

function notFound(): AppError {
  return new AppError('not_found', 'No existe ese caso o no está en su bandeja.', { status: 404 });
}

async function visibleCase(db: Db, actor: Actor, code: string): Promise<CaseRow> {
  const row = await caseRow(db, code);
  if (!row) throw notFound();
  assertCanSeeReport(actor, row);
  return row;
}

export interface CaseEvent {
  id: number;
  type: string;
  public: boolean;
  actor: string;
  fromState: string | null;
  toState: string | null;
  institution: string | null;
  message: string | null;
  at: string;
}

export interface CaseDetail extends QueueItem {
  description: string;
  address: string | null;
  procedure: { slug: string; title: string } | null;
  subjectInstitution: string | null;
  location: { department: string | null; municipality: string | null; district: string | null; lat: number | null; lng: number | null };
  anonymous: boolean;
  hasContact: boolean;
  contactChannel: ContactChannel | null;
  attributes: Record<string, string | string[]> | null;
  mergedInto: string | null;
  events: CaseEvent[];
  /**
   * She asked to talk here (the 198 line's live conversation, contact.relay): public replies reach
   * her chat at once. `waitingSince`: her last message has no reply after it yet.
   */
  relay: { waitingSince: string | null } | null;
}

async function relayRequested(store: Store, sealed: unknown): Promise<boolean> {
  try {
    return (JSON.parse(await store.cipher.decrypt(String(sealed))) as { relay?: boolean }).relay === true;
  } catch {
    return false;
  }
}

/**
 * What the case page shows, as one value that changes when an event is added (a message from
 * her, a reply, a note, a state change): for the live case page (server-sent events and polling,
 * as the queues). A record of someone opening the case does not count, or opening it would change it.
 * Outside the person's scope: 404, as getCase.
 */
export async function caseVersion(store: Store, actor: Actor, code: string): Promise<string> {
  const row = await visibleCase(store.db, actor, code);
  const rows = await store.db.execute({
    sql: "SELECT max(id) AS id, count(*) AS n FROM report_events WHERE report_id = ? AND type <> 'case_opened'",
    args: [row.id],
  });
  return `${rows.rows[0].id ?? 0}/${rows.rows[0].n}`;
}

async function decryptOrNote(store: Store, value: unknown): Promise<string | null> {
  if (value === null || value === undefined) return null;
  return store.cipher.decrypt(String(value)).catch(() => '[cifrado con otra clave]');
}

/**
 * A case as its handlers see it: what happened, where, the whole timeline (internal notes too),
 * and a pseudonym in place of the contact. Opening a violence case is itself an audit event.
 */
export async function getCase(store: Store, actor: Actor, code: string): Promise<CaseDetail> {
  const row = await visibleCase(store.db, actor, code);
  if (row.kind === 'violence') {
    await store.write(async (tx) => {
      await tx.execute({
        sql: "INSERT INTO report_events (report_id, type, public, actor, at) VALUES (?, 'case_opened', 0, ?, ?)",
        args: [row.id, actorLabel(actor), store.clock.now().toISOString()],
      });
      await appendAudit(store, tx, actor, { action: 'report.open', entity: 'report', entityId: String(row.id) });
    });
  }
  const full = await store.db.execute({
    sql: `SELECT r.*, s.name AS state_name, i.slug AS institution_slug, i.name AS institution_name, si.name AS subject_name,
                 p.slug AS procedure_slug, p.title AS procedure_title, d.name AS department, m.name AS municipality, x.name AS district,
                 t.email AS taken_by_email, mi.code AS merged_code
            FROM reports r JOIN report_states s ON s.code = r.state
            LEFT JOIN institutions i ON i.id = r.institution_id LEFT JOIN institutions si ON si.id = r.subject_institution_id
            LEFT JOIN procedures p ON p.id = r.procedure_id LEFT JOIN departments d ON d.code = r.department_code
            LEFT JOIN municipalities m ON m.code = r.municipality_code LEFT JOIN districts x ON x.code = r.district_code
            LEFT JOIN people t ON t.id = r.taken_by LEFT JOIN reports mi ON mi.id = r.merged_into
           WHERE r.id = ?`,
    args: [row.id],
  });
  const r = full.rows[0];
  const events = await store.db.execute({
    sql: `SELECT e.*, i.slug AS institution_slug FROM report_events e LEFT JOIN institutions i ON i.id = e.institution_id WHERE e.report_id = ? ORDER BY e.id`,
    args: [row.id],
  });
  const place = r.address === null ? null : (JSON.parse((await decryptOrNote(store, r.address)) ?? '{}') as { address?: string; lat?: number; lng?: number });
  // Only whether she asked for the live conversation is read from the contact; its value stays
  // closed until someone opens it on purpose (openContact, audited).
  const relay = r.contact !== null && (await relayRequested(store, r.contact));
  let waitingSince: string | null = null;
  for (const e of events.rows) {
    if (e.type === 'citizen_message') waitingSince ??= String(e.at);
    else if (e.type === 'public_reply') waitingSince = null;
  }
  const attributes = r.attributes === null ? null : (JSON.parse((await decryptOrNote(store, r.attributes)) ?? 'null') as Record<string, string | string[]>);
  return {
    ...(await queueItemOf(store, r, store.clock.now())),
    description: (await decryptOrNote(store, r.description)) ?? '',
    address: place?.address ?? null,
    procedure: r.procedure_slug === null ? null : { slug: String(r.procedure_slug), title: String(r.procedure_title) },
    subjectInstitution: r.subject_name === null ? null : String(r.subject_name),
    location: {
      department: r.department === null ? null : String(r.department),
      municipality: r.municipality === null ? null : String(r.municipality),
      district: r.district === null ? null : String(r.district),
      lat: r.lat === null ? (place?.lat ?? null) : Number(r.lat),
      lng: r.lng === null ? (place?.lng ?? null) : Number(r.lng),
    },
    anonymous: Number(r.anonymous) === 1,
    hasContact: r.contact !== null,
    contactChannel: r.contact_channel === null ? null : (String(r.contact_channel) as ContactChannel),
    attributes,
    mergedInto: r.merged_code === null ? null : String(r.merged_code),
    relay: relay ? { waitingSince } : null,
    events: await Promise.all(
      events.rows.map(async (e) => ({
        id: Number(e.id),
        type: String(e.type),
        public: Number(e.public) === 1,
        actor: String(e.actor),
        fromState: e.from_state === null ? null : String(e.from_state),
        toState: e.to_state === null ? null : String(e.to_state),
        institution: e.institution_slug === null ? null : String(e.institution_slug),
        message: await decryptOrNote(store, e.message),
        at: String(e.at),
      })),
    ),
  };
}

/** The contact, opened on purpose by a person who handles the case; recorded as an event and audited. */
export async function openContact(store: Store, actor: Actor, code: string): Promise<ContactInput | null> {
  const row = await visibleCase(store.db, actor, code);
  assertCanOpenContact(actor, row);
  const stored = await store.db.execute({ sql: 'SELECT contact FROM reports WHERE id = ?', args: [row.id] });
  const contact = stored.rows[0]?.contact;
  if (contact === null || contact === undefined) return null;
  await store.write(async (tx) => {
    await tx.execute({
      sql: "INSERT INTO report_events (report_id, type, public, actor, at) VALUES (?, 'contact_opened', 0, ?, ?)",
      args: [row.id, actorLabel(actor), store.clock.now().toISOString()],
    });
    await appendAudit(store, tx, actor, { action: 'report.contact_open', entity: 'report', entityId: String(row.id) });
  });
  return JSON.parse(await store.cipher.decrypt(String(contact))) as ContactInput;
}

export const HANDLER_EVENT_TYPES = ['status', 'public_reply', 'internal_note', 'refer', 'take', 'merge'] as const;
export type HandlerEventType = (typeof HANDLER_EVENT_TYPES)[number];

export interface HandlerEvent {
  type: HandlerEventType;
  message?: string;
  /** For `status`: the new state's code. */
  status?: string;
  /** For `refer`: the institution's slug that takes the case over. */
  institution?: string;
  /** For `refer` of a violence case: she agreed to the referral. */
  consent?: boolean;
  /** For `merge`: the code of the case this one duplicates (it stays open; this one closes). */
  into?: string;
}

function invalid(field: string, message: string): AppError {
  return new AppError('invalid_event', message, { fields: { [field]: message } });
}

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

function messageText(message: string | undefined, required: boolean): string | null {
  const text = message?.trim() ?? '';
  if (!text) {
    if (required) throw invalid('message', 'Escriba el mensaje.');
    return null;
  }
  if (text.length > MESSAGE_MAX) throw invalid('message', `Acorte el mensaje a ${MESSAGE_MAX} caracteres.`);
  if (CONTROL.test(text)) throw invalid('message', 'Quite los caracteres de control del mensaje.');
  return text;
}

/**
 * Something a handler does to a case: change its status, reply publicly (which also reaches her on
 * her chosen channel, through the outbox), write an internal note, refer it to another institution,
 * take it, or merge it into another case. Returns the new event's id.
 */
export async function addReportEvent(store: Store, actor: Actor, code: string, event: HandlerEvent): Promise<number> {
  if (!(HANDLER_EVENT_TYPES as readonly string[]).includes(event.type)) {
    throw invalid('type', `Use en «type» uno de: ${HANDLER_EVENT_TYPES.join(', ')}.`);
  }
  const text = messageText(event.message, event.type === 'public_reply' || event.type === 'internal_note');
  const encrypted = text ? await store.cipher.encrypt(text) : null;
  return store.write(async (tx) => {
    const row = await visibleCase(tx, actor, code);
    if (!row.isOpen && event.type !== 'internal_note') {
      throw new AppError('case_closed', 'Ese caso está cerrado: solo admite notas internas.', { status: 409 });
    }
    const now = store.clock.now().toISOString();
    let toState: string | null = null;
    let institutionId: number | null = null;
    let related: number | null = null;
    let isPublic = event.type === 'public_reply';
    const updates: string[] = [];
    const updateArgs: (string | number | null)[] = [];

    if (event.type === 'status') {
      const state = await tx.execute({ sql: 'SELECT code, type FROM report_states WHERE code = ?', args: [event.status ?? ''] });
      const target = state.rows[0];
      const choices = (await listStates(tx)).filter((s) => !['merged', 'withdrawn', 'closed'].includes(s.code)).map((s) => s.code);
      if (!target || !choices.includes(String(target.code))) throw invalid('status', `Elija el estado: ${choices.join(', ')}.`);
      if (String(target.code) === row.state) throw invalid('status', 'El caso ya está en ese estado.');
      toState = String(target.code);
      isPublic = true;
      updates.push('state = ?');
      updateArgs.push(toState);
      if (String(target.type) === 'closed') {
        updates.push('is_open = 0', 'closed_at = ?', 'due_at = NULL');
        updateArgs.push(now);
      }
    } else if (event.type === 'refer') {
      const target = await tx.execute({ sql: 'SELECT id, name FROM institutions WHERE slug = ?', args: [event.institution ?? ''] });
      if (!target.rows[0]) throw invalid('institution', 'Elija la institución a la que remite el caso.');
      institutionId = Number(target.rows[0].id);
      if (institutionId === row.institutionId) throw invalid('institution', 'El caso ya está en esa institución.');
      // Victim-safety rule 7: no referral without her consent.
      if (row.kind === 'violence' && event.consent !== true) throw invalid('consent', 'Confirme que ella aceptó que su caso se remita a esa institución.');
      toState = 'referred';
      isPublic = true;
      updates.push('institution_id = ?', 'state = ?', 'taken_by = NULL');
      updateArgs.push(institutionId, toState);
    } else if (event.type === 'take') {
      if (actor.kind !== 'person') throw new AppError('forbidden', 'Solo una persona puede tomar un caso.', { status: 403 });
      updates.push('taken_by = ?');
      updateArgs.push(actor.id);
      if (row.state === 'received') {
        toState = 'acknowledged';
        updates.push('state = ?');
        updateArgs.push(toState);
      }
    } else if (event.type === 'merge') {
      const other = await caseRow(tx, event.into ?? '');
      if (!other || !other.isOpen) throw invalid('into', 'Escriba el código de un caso abierto sobre el mismo hecho.');
      assertCanSeeReport(actor, other);
      if (other.id === row.id) throw invalid('into', 'Un caso no se puede unir consigo mismo.');
      if (other.kind !== row.kind) throw invalid('into', 'Solo se unen casos del mismo tipo.');
      related = other.id;
      toState = 'merged';
      isPublic = true;
      updates.push('state = ?', 'is_open = 0', 'closed_at = ?', 'due_at = NULL', 'merged_into = ?');
      updateArgs.push(toState, now, other.id);
    }
    // Any answer, status or take by a person acknowledges the case: its first SLA clock stops.
    const acknowledges = event.type !== 'internal_note' && row.acknowledgedAt === null;
    if (acknowledges) {
      updates.push('acknowledged_at = ?');
      updateArgs.push(now);
      if (!updates.some((u) => u.startsWith('due_at'))) updates.push('due_at = resolve_due_at');
      if (event.type === 'public_reply' && row.state === 'received') {
        toState = toState ?? 'acknowledged';
        updates.push('state = ?');
        updateArgs.push('acknowledged');
      }
    }
    updates.push('updated_at = ?');
    updateArgs.push(now);
    const inserted = await tx.execute({
      sql: `INSERT INTO report_events (report_id, type, public, actor, from_state, to_state, institution_id, related_report, message, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      args: [row.id, event.type, isPublic ? 1 : 0, actorLabel(actor), toState ? row.state : null, toState, institutionId, related, encrypted, now],
    });
    const eventId = Number(inserted.rows[0].id);
    await tx.execute({ sql: `UPDATE reports SET ${updates.join(', ')} WHERE id = ?`, args: [...updateArgs, row.id] });
    if (related !== null) {
      await tx.execute({
        sql: "INSERT INTO report_events (report_id, type, public, actor, related_report, at) VALUES (?, 'merge', 0, ?, ?, ?)",
        args: [related, actorLabel(actor), row.id, now],
      });
      await tx.execute({ sql: 'UPDATE reports SET updated_at = ? WHERE id = ?', args: [now, related] });
    }
    if (event.type === 'public_reply' || (event.type === 'status' && toState)) {
      await enqueueCitizenNotification(store, tx, row.id, eventId);
    }
    await appendAudit(store, tx, actor, {
      action: `report.${event.type}`,
      entity: 'report',
      entityId: String(row.id),
      before: { state: row.state, institutionId: row.institutionId },
      after: { state: toState ?? row.state, institutionId: institutionId ?? row.institutionId, event: eventId },
    });
    return eventId;
  });
}

// --- Scheduled work ---------------------------------------------------------------------------

/**
 * Escalates every open case whose running deadline has passed and that was not yet escalated at
 * this stage: an `escalate` event, and the case appears in the queue's «escalados» view for its
 * supervisors. Returns how many were escalated.
 */
export async function escalateOverdue(store: Store, limit = 500): Promise<number> {
  const now = store.clock.now().toISOString();
  return store.write(async (tx) => {
    const due = await tx.execute({
      sql: `SELECT id, acknowledged_at, escalated_stage FROM reports WHERE due_at IS NOT NULL AND due_at < ?
              AND (escalated_stage IS NULL OR (escalated_stage = 'acknowledge' AND acknowledged_at IS NOT NULL))
            ORDER BY due_at LIMIT ?`,
      args: [now, limit],
    });
    const jobs = systemActor('jobs');
    for (const row of due.rows) {
      const stage = row.acknowledged_at === null ? 'acknowledge' : 'resolve';
      await tx.execute({
        sql: "INSERT INTO report_events (report_id, type, public, actor, message, at) VALUES (?, 'escalate', 0, 'system:jobs', NULL, ?)",
        args: [Number(row.id), now],
      });
      await tx.execute({ sql: 'UPDATE reports SET escalated_stage = ?, updated_at = ? WHERE id = ?', args: [stage, now, Number(row.id)] });
      await appendAudit(store, tx, jobs, { action: 'report.escalate', entity: 'report', entityId: String(row.id), after: { stage } });
    }
    return due.rows.length;
  });
}

export const DEFAULT_CONTACT_RETENTION_DAYS = 90;

/** Deletes the contact of cases closed more than `days` ago (victim-safety rule 7). */
export async function purgeClosedContacts(store: Store, days = DEFAULT_CONTACT_RETENTION_DAYS, limit = 500): Promise<number> {
  const before = new Date(store.clock.now().getTime() - days * 86_400_000).toISOString();
  return store.write(async (tx) => {
    const rows = await tx.execute({
      sql: 'SELECT id FROM reports WHERE contact IS NOT NULL AND is_open = 0 AND closed_at < ? ORDER BY closed_at LIMIT ?',
      args: [before, limit],
    });
    let purged = 0;
    for (const row of rows.rows) {
      if (await eraseContact(store, tx, Number(row.id), 'system:jobs', systemActor('jobs'))) purged++;
    }
    return purged;
  });
}
