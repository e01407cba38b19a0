import { AppError } from '../app-error.ts';
import { appendAudit } from '../audit/audit.ts';
import { canonicalJson } from '../canonical-json.ts';
import type { Db, Store } from '../db.ts';
import { DUMMY_HASH, hashPassword, PBKDF2_ITERATIONS, verifyPassword } from '../people/passwords.ts';
import { citizenActor } from '../policy.ts';
import { hitInTransaction, rateLimitClient, type RateLimitRule } from '../rate-limits.ts';
import { KIND_TEXT, isProtectedKind, type ContactChannel, type ReportChannel, type ReportKind } from './kinds.ts';
import { resolveRoute } from './routing.ts';
import { addSpan, DEFAULT_SLA, slaClock, spanText, type SlaClock } from './sla.ts';
import { resolveLocation, type LocationInput } from './territory-match.ts';
import { formatTrackingCode, generateTrackingCode, normalizeTrackingCode } from './tracking-code.ts';

/**
 * Intake and the citizen's side of a case: file a report, follow it with its tracking code (and,
 * for violence, the code word she chose), reply, close or withdraw it, delete her contact.
 *
 * A violence case found by its code alone answers exactly as an unknown code does (`null`), so a
 * code found on her phone reveals nothing.
 */

export const DESCRIPTION_MAX = 4000;
export const MESSAGE_MAX = 2000;
export const CODE_WORD_MIN = 4;
export const CODE_WORD_MAX = 60;

export interface ContactInput {
  channel: ContactChannel;
  value: string;
  /** «HH:MM-HH:MM», El Salvador time: when a message may reach her. */
  safeHours?: string;
  mayLeaveMessage?: boolean;
  /** She asked for a live conversation here: public replies reach her with their text (bot/delivery.ts). */
  relay?: boolean;
}

export interface NewReport {
  kind: ReportKind;
  channel: ReportChannel;
  description: string;
  procedureSlug?: string;
  institutionSlug?: string;
  location?: LocationInput;
  anonymous: boolean;
  contact?: ContactInput;
  codeWord?: string;
  /** Open311 attribute answers (kept encrypted). */
  attributes?: Record<string, string | string[]>;
  open311ClientId?: number;
}

export interface IntakeOptions {
  /** A retried submission with the same key returns the first result. */
  idempotencyKey?: string;
  /** PBKDF2 iterations of the code word's hash (tests lower it). */
  codeWordIterations?: number;
  /**
   * The intake limit, counted in the report's own transaction (one commit, and a refused report
   * is neither stored nor counted). `client`: the client's identity (an address), hashed here.
   */
  limit?: RateLimitRule & { client: string };
}

export interface IntakeResult {
  code: string;
  /** false when an Idempotency-Key repeated an earlier submission. */
  created: boolean;
  reportId: number;
}

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const SAFE_HOURS = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

function invalid(field: string, message: string): AppError {
  return new AppError('invalid_report', message, { fields: { [field]: message } });
}

/** Code words are compared folded: she may type «Girasol» on one phone and «girasol» on another. */
export function foldCodeWord(word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Checks what the zod schemas at the edge cannot: the rules every channel shares. */
export function reportProblems(input: NewReport): Record<string, string> {
  const problems: Record<string, string> = {};
  const description = input.description.trim();
  if (description.length < 10) problems.description = 'Cuente con al menos 10 caracteres qué pasó.';
  else if (description.length > DESCRIPTION_MAX) problems.description = `Acorte el relato a ${DESCRIPTION_MAX} caracteres.`;
  else if (CONTROL.test(description)) problems.description = 'Quite los caracteres de control del relato.';
  if (input.kind === 'missing_requirement' && !input.procedureSlug) problems.procedure = 'Elija el trámite en el que le pidieron el requisito.';
  if (isProtectedKind(input.kind)) {
    const word = foldCodeWord(input.codeWord ?? '');
    if (word.length < CODE_WORD_MIN || word.length > CODE_WORD_MAX) {
      problems.code_word = `Elija una palabra clave de ${CODE_WORD_MIN} a ${CODE_WORD_MAX} caracteres que solo usted sepa; se la pediremos para ver el caso.`;
    }
  }
  if (input.contact) {
    const value = input.contact.value.trim();
    if (value.length === 0 || value.length > 200 || CONTROL.test(value)) problems.contact_value = 'Escriba el dato de contacto (hasta 200 caracteres).';
    else if (input.contact.channel === 'sms' || input.contact.channel === 'phone') {
      const digits = value.replace(/[\s\-().]/g, '');
      if (!/^\+?\d{8,15}$/.test(digits)) problems.contact_value = 'Escriba el número con 8 dígitos (o con código de país, p. ej. +503 7000 0000).';
    } else if (input.contact.channel === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
      problems.contact_value = 'Escriba un correo válido, por ejemplo nombre@correo.com.';
    } else if (input.contact.channel === 'telegram' && !/^(@[A-Za-z0-9_]{5,32}|\d{5,15})$/.test(value)) {
      problems.contact_value = 'Escriba su usuario de Telegram (@usuario).';
    }
    if (input.contact.safeHours !== undefined && !SAFE_HOURS.test(input.contact.safeHours.trim())) {
      problems.safe_hours = 'Escriba el horario como 08:00-17:00 (hora de El Salvador).';
    }
  }
  return problems;
}

function normalizedContact(contact: ContactInput): ContactInput {
  const channel = contact.channel;
  let value = contact.value.trim();
  if (channel === 'sms' || channel === 'phone') {
    const digits = value.replace(/[\s\-().]/g, '');
    value = digits.startsWith('+') ? digits : digits.length === 8 ? `+503${digits}` : `+${digits}`;
  }
  return {
    channel,
    value,
    safeHours: contact.safeHours?.trim() || undefined,
    mayLeaveMessage: contact.mayLeaveMessage ?? false,
    ...(contact.relay ? { relay: true } : {}),
  };
}

async function idOf(tx: Db, table: 'procedures' | 'institutions', slug: string): Promise<{ id: number; institutionId?: number } | null> {
  const rows =
    table === 'procedures'
      ? await tx.execute({ sql: "SELECT id, institution_id FROM procedures WHERE slug = ? AND status = 'published'", args: [slug] })
      : await tx.execute({ sql: 'SELECT id FROM institutions WHERE slug = ?', args: [slug] });
  const row = rows.rows[0];
  if (!row) return null;
  return { id: Number(row.id), institutionId: row.institution_id === undefined ? undefined : Number(row.institution_id) };
}

/**
 * Files a report: validates, routes it by the routing table, encrypts what she told us, sets its
 * SLA deadlines and writes the case, its first event and the audit record in one transaction.
 * Acknowledge it (answer the code) only after this resolves: then it is committed.
 *
 * @example const { code } = await createReport(store, { kind: 'complaint', channel: 'web', description: '…', anonymous: true })
 */
export async function createReport(store: Store, input: NewReport, options: IntakeOptions = {}): Promise<IntakeResult> {
  const problems = reportProblems(input);
  if (Object.keys(problems).length > 0) {
    throw new AppError('invalid_report', Object.values(problems)[0], { fields: problems });
  }
  const location = input.location ? await resolveLocation(store.db, input.location) : null;
  const protectedKind = isProtectedKind(input.kind);
  const contact = input.contact ? normalizedContact(input.contact) : undefined;
  // Everything slow or random happens before the write lock is taken.
  const codeWordHash = protectedKind ? await hashPassword(foldCodeWord(input.codeWord ?? ''), options.codeWordIterations ?? PBKDF2_ITERATIONS) : null;
  const cipher = store.cipher;
  const description = await cipher.encrypt(input.description.trim());
  const secretPlace =
    location && (location.address || (protectedKind && location.lat !== undefined))
      ? await cipher.encrypt(
          JSON.stringify(protectedKind ? { address: location.address, lat: location.lat, lng: location.lng } : { address: location.address }),
        )
      : null;
  const encryptedContact = contact ? await cipher.encrypt(JSON.stringify(contact)) : null;
  const attributes = input.attributes && Object.keys(input.attributes).length > 0 ? await cipher.encrypt(JSON.stringify(input.attributes)) : null;
  const idempotency = options.idempotencyKey
    ? {
        key: await idempotencyKeyHash(store, options.idempotencyKey),
        request: await store.keys.fingerprint(`report request\n${canonicalJson({ ...input, codeWord: input.codeWord ?? null })}`),
      }
    : null;
  const code = generateTrackingCode();
  const limitClient = options.limit ? await rateLimitClient(store, options.limit.bucket, options.limit.client) : null;

  return store.write(async (tx) => {
    if (idempotency) {
      const earlier = await tx.execute({
        sql: 'SELECT i.request_hash, r.code, r.id FROM report_idempotency i JOIN reports r ON r.id = i.report_id WHERE i.key_hash = ?',
        args: [idempotency.key],
      });
      const row = earlier.rows[0];
      if (row) {
        if (String(row.request_hash) !== idempotency.request) {
          throw new AppError('idempotency_key_reused', 'Esa Idempotency-Key ya se usó para otro reporte distinto. Genere una clave nueva para cada reporte.', {
            status: 422,
          });
        }
        return { code: String(row.code), created: false, reportId: Number(row.id) };
      }
    }
    if (options.limit && limitClient) {
      const count = await hitInTransaction(tx, options.limit.bucket, limitClient, options.limit.windowMs, store.clock.now().getTime());
      if (count > options.limit.limit) {
        throw new AppError(
          'rate_limited',
          'Recibimos muchos reportes desde su conexión. Si es una emergencia, llame al 911; si no, intente de nuevo en una hora.',
          {
            status: 429,
          },
        );
      }
    }
    const procedure = input.procedureSlug ? await idOf(tx, 'procedures', input.procedureSlug) : null;
    if (input.procedureSlug && !procedure) throw invalid('procedure', 'No encontramos ese trámite en el catálogo. Búsquelo por su nombre o déjelo en blanco.');
    const named = input.institutionSlug ? await idOf(tx, 'institutions', input.institutionSlug) : null;
    if (input.institutionSlug && !named) throw invalid('institution', 'No encontramos esa institución. Elíjala de la lista o déjela en blanco.');
    const subjectInstitutionId = named?.id ?? procedure?.institutionId ?? null;
    const route = await resolveRoute(tx, input.kind, { institutionId: subjectInstitutionId, procedureId: procedure?.id ?? null });
    const institutionId = route.targetInstitutionId ?? (route.toNamed ? subjectInstitutionId : null);
    const now = store.clock.now();
    const at = now.toISOString();
    const sla = DEFAULT_SLA[input.kind];
    const acknowledgeDueAt = addSpan(now, sla.acknowledge).toISOString();
    const resolveDueAt = addSpan(now, sla.resolve).toISOString();
    const inserted = await tx.execute({
      sql: `INSERT INTO reports (code, kind, channel, queue, institution_id, subject_institution_id, procedure_id, priority, state, is_open,
                                 description, address, contact, attributes, contact_channel, department_code, municipality_code, district_code,
                                 lat, lng, anonymous, code_word_hash, open311_client_id, created_at, updated_at, acknowledge_due_at, resolve_due_at, due_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      args: [
        code,
        input.kind,
        input.channel,
        route.queue,
        institutionId,
        subjectInstitutionId,
        procedure?.id ?? null,
        route.priority,
        description,
        secretPlace,
        encryptedContact,
        attributes,
        contact?.channel ?? null,
        location?.departmentCode ?? null,
        location?.municipalityCode ?? null,
        location?.districtCode ?? null,
        protectedKind ? null : (location?.lat ?? null),
        protectedKind ? null : (location?.lng ?? null),
        input.anonymous ? 1 : 0,
        codeWordHash,
        input.open311ClientId ?? null,
        at,
        at,
        acknowledgeDueAt,
        resolveDueAt,
        acknowledgeDueAt,
      ],
    });
    // The rowid from the write itself: RETURNING would make the driver read a result set for one number.
    const reportId = Number(inserted.lastInsertRowid);
    await tx.execute({
      sql: "INSERT INTO report_events (report_id, type, public, actor, to_state, institution_id, at) VALUES (?, 'created', 1, ?, 'received', ?, ?)",
      args: [reportId, `citizen:${input.channel}`, institutionId, at],
    });
    if (idempotency) {
      await tx.execute({
        sql: 'INSERT INTO report_idempotency (key_hash, request_hash, report_id, created_at) VALUES (?, ?, ?, ?)',
        args: [idempotency.key, idempotency.request, reportId, at],
      });
    }
    await appendAudit(store, tx, citizenActor(input.channel), {
      action: 'report.create',
      entity: 'report',
      entityId: String(reportId),
      after: { kind: input.kind, queue: route.queue, institutionId, state: 'received', priority: route.priority },
    });
    return { code, created: true, reportId };
  });
}

const idempotencyKeyHash = (store: Store, key: string) => store.keys.fingerprint(`report idempotency\n${key}`);

// --- The citizen's view -----------------------------------------------------------------------

export interface TimelineEntry {
  at: string;
  type: string;
  /** Who wrote it, as she reads it. */
  by: 'citizen' | 'institution' | 'system';
  text: string;
}

export interface PublicReport {
  code: string;
  displayCode: string;
  kind: ReportKind;
  kindName: string;
  state: string;
  stateName: string;
  closed: boolean;
  institution: { slug: string; name: string } | null;
  procedure: { slug: string; title: string } | null;
  createdAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  closedAt: string | null;
  promise: { acknowledge: string; resolve: string };
  sla: SlaClock;
  hasContact: boolean;
  contactChannel: ContactChannel | null;
  timeline: TimelineEntry[];
}

interface ReportRow {
  id: number;
  code: string;
  kind: ReportKind;
  state: string;
  isOpen: boolean;
  codeWordHash: string | null;
  contact: string | null;
}

const REPORT_ROW_SQL = 'SELECT id, code, kind, state, is_open, code_word_hash, contact FROM reports';

function toReportRow(row: Record<string, unknown>): ReportRow {
  return {
    id: Number(row.id),
    code: String(row.code),
    kind: String(row.kind) as ReportKind,
    state: String(row.state),
    isOpen: Number(row.is_open) === 1,
    codeWordHash: row.code_word_hash === null ? null : String(row.code_word_hash),
    contact: row.contact === null ? null : String(row.contact),
  };
}

async function reportRowById(db: Db, reportId: number): Promise<ReportRow | null> {
  const rows = await db.execute({ sql: `${REPORT_ROW_SQL} WHERE id = ?`, args: [reportId] });
  return rows.rows[0] ? toReportRow(rows.rows[0]) : null;
}

/**
 * The case a citizen asks for, or null: unknown code, malformed code, or a violence case without
 * its right code word all answer the same. A code word given with an unknown code is still
 * checked against a dummy hash, so the time taken does not tell them apart either.
 */
async function findForCitizen(db: Db, code: string, codeWord: string | undefined): Promise<ReportRow | null> {
  const canonical = normalizeTrackingCode(code);
  const rows = canonical ? await db.execute({ sql: `${REPORT_ROW_SQL} WHERE code = ?`, args: [canonical] }) : null;
  const row = rows?.rows[0];
  const word = codeWord === undefined ? undefined : foldCodeWord(codeWord);
  if (!row) {
    if (word) await verifyPassword(word, DUMMY_HASH);
    return null;
  }
  const found = toReportRow(row);
  if (found.codeWordHash) {
    if (!word) return null;
    if (!(await verifyPassword(word, found.codeWordHash))) return null;
  } else if (word) {
    await verifyPassword(word, DUMMY_HASH);
  }
  return found;
}

function unknownCase(): AppError {
  return new AppError('not_found', 'No encontramos un caso con ese código. Revise el código (y la palabra clave, si eligió una) e intente de nuevo.', {
    status: 404,
  });
}

/** Public text of an event, as the citizen reads it (internal events never reach here). */
async function timelineText(store: Store, row: Record<string, unknown>, institutionName: (id: number | null) => string | null): Promise<string> {
  const message = row.message === null ? null : await store.cipher.decrypt(String(row.message)).catch(() => '[mensaje no disponible]');
  switch (String(row.type)) {
    case 'created':
      return 'Recibimos su caso.';
    case 'status':
      return [`Estado: ${String(row.to_state_name ?? row.to_state)}.`, message].filter(Boolean).join(' ');
    case 'refer': {
      const name = institutionName(row.institution_id === null ? null : Number(row.institution_id));
      return name ? `Su caso se remitió a ${name}, que lo atenderá desde ahora.` : 'Su caso se remitió a otra institución, que lo atenderá desde ahora.';
    }
    case 'merge':
      return 'Su caso se unió a otro caso sobre el mismo hecho; la respuesta será la misma para ambos.';
    case 'contact_deleted':
      return 'Se borraron los datos de contacto de este caso.';
    default:
      return message ?? '';
  }
}

async function publicView(store: Store, found: ReportRow): Promise<PublicReport> {
  const rows = await store.db.execute({
    sql: `SELECT r.*, s.name AS state_name, i.slug AS institution_slug, i.name AS institution_name, p.slug AS procedure_slug, p.title AS procedure_title
            FROM reports r JOIN report_states s ON s.code = r.state
            LEFT JOIN institutions i ON i.id = r.institution_id LEFT JOIN procedures p ON p.id = r.procedure_id
           WHERE r.id = ?`,
    args: [found.id],
  });
  const row = rows.rows[0];
  const events = await store.db.execute({
    sql: `SELECT e.*, s.name AS to_state_name FROM report_events e LEFT JOIN report_states s ON s.code = e.to_state
           WHERE e.report_id = ? AND e.public = 1 ORDER BY e.id`,
    args: [found.id],
  });
  const institutionIds = [...new Set(events.rows.map((e) => e.institution_id).filter((id) => id !== null))];
  const names = new Map<number, string>();
  if (institutionIds.length > 0) {
    const found = await store.db.execute({
      sql: `SELECT id, name FROM institutions WHERE id IN (${institutionIds.map(() => '?').join(', ')})`,
      args: institutionIds.map(Number),
    });
    for (const r of found.rows) names.set(Number(r.id), String(r.name));
  }
  const kind = String(row.kind) as ReportKind;
  const sla = DEFAULT_SLA[kind];
  const timeline: TimelineEntry[] = [];
  for (const event of events.rows) {
    const actor = String(event.actor);
    timeline.push({
      at: String(event.at),
      type: String(event.type),
      by: actor.startsWith('citizen:') ? 'citizen' : actor.startsWith('system:') ? 'system' : 'institution',
      text: await timelineText(store, event, (id) => (id === null ? null : (names.get(id) ?? null))),
    });
  }
  const acknowledgedAt = row.acknowledged_at === null ? null : String(row.acknowledged_at);
  const closedAt = row.closed_at === null ? null : String(row.closed_at);
  return {
    code: found.code,
    displayCode: formatTrackingCode(found.code),
    kind,
    kindName: KIND_TEXT[kind].name,
    state: String(row.state),
    stateName: String(row.state_name),
    closed: Number(row.is_open) === 0,
    institution: row.institution_slug === null ? null : { slug: String(row.institution_slug), name: String(row.institution_name) },
    procedure: row.procedure_slug === null ? null : { slug: String(row.procedure_slug), title: String(row.procedure_title) },
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    acknowledgedAt,
    closedAt,
    promise: { acknowledge: spanText(sla.acknowledge), resolve: spanText(sla.resolve) },
    sla: slaClock({ acknowledgeDueAt: String(row.acknowledge_due_at), resolveDueAt: String(row.resolve_due_at), acknowledgedAt, closedAt }, store.clock.now()),
    hasContact: row.contact !== null,
    contactChannel: row.contact_channel === null ? null : (String(row.contact_channel) as ContactChannel),
    timeline,
  };
}

/**
 * What the person who reported sees: status, dates, the promise and the public timeline; `null`
 * for an unknown code (or a violence case without its code word).
 */
export async function getPublicReport(store: Store, code: string, codeWord?: string): Promise<PublicReport | null> {
  const found = await findForCitizen(store.db, code, codeWord);
  return found ? publicView(store, found) : null;
}

/** Whether a case exists for this code (and code word): for the follow-up page's sign-in. */
export async function citizenCaseId(store: Store, code: string, codeWord?: string): Promise<number | null> {
  const found = await findForCitizen(store.db, code, codeWord);
  return found ? found.id : null;
}

/** The citizen's view by the case's id, once her code (and code word) was checked. */
export async function getPublicReportById(store: Store, reportId: number): Promise<PublicReport | null> {
  const found = await reportRowById(store.db, reportId);
  return found ? publicView(store, found) : null;
}

/** Who the citizen is: her code (and code word), or a case id already checked by her follow-up session. */
export type CitizenKey = { code: string; codeWord?: string } | { reportId: number };

async function resolveCitizen(store: Store, key: CitizenKey): Promise<ReportRow> {
  if ('reportId' in key) {
    const found = await reportRowById(store.db, key.reportId);
    if (!found) throw unknownCase();
    return found;
  }
  const found = await findForCitizen(store.db, key.code, key.codeWord);
  if (!found) throw unknownCase();
  return found;
}

function checkMessage(message: string): string {
  const text = message.trim();
  if (text.length === 0) throw invalid('message', 'Escriba su mensaje.');
  if (text.length > MESSAGE_MAX) throw invalid('message', `Acorte el mensaje a ${MESSAGE_MAX} caracteres.`);
  if (CONTROL.test(text)) throw invalid('message', 'Quite los caracteres de control del mensaje.');
  return text;
}

/** Re-reads the case inside the write, so a close and a reply racing each other cannot both win. */
async function lockedState(tx: Db, reportId: number): Promise<{ state: string; isOpen: boolean; queue: string }> {
  const rows = await tx.execute({ sql: 'SELECT state, is_open, queue FROM reports WHERE id = ?', args: [reportId] });
  const row = rows.rows[0];
  if (!row) throw unknownCase();
  return { state: String(row.state), isOpen: Number(row.is_open) === 1, queue: String(row.queue) };
}

function closedCase(): AppError {
  return new AppError('case_closed', 'Este caso ya está cerrado. Si el problema sigue, presente un caso nuevo en /denuncia.', { status: 409 });
}

/** The citizen writes to the institution (two-way follow-up). */
export async function addCitizenMessage(store: Store, key: CitizenKey, message: string, channel: ReportChannel): Promise<void> {
  const text = checkMessage(message);
  const found = await resolveCitizen(store, key);
  const encrypted = await store.cipher.encrypt(text);
  await store.write(async (tx) => {
    const current = await lockedState(tx, found.id);
    if (!current.isOpen) throw closedCase();
    const at = store.clock.now().toISOString();
    const event = await tx.execute({
      sql: "INSERT INTO report_events (report_id, type, public, actor, message, at) VALUES (?, 'citizen_message', 1, ?, ?, ?) RETURNING id",
      args: [found.id, `citizen:${channel}`, encrypted, at],
    });
    // «Esperando su respuesta» ends when she answers.
    const state = current.state === 'waiting' ? 'in_progress' : current.state;
    await tx.execute({ sql: 'UPDATE reports SET updated_at = ?, state = ? WHERE id = ?', args: [at, state, found.id] });
    await appendAudit(store, tx, citizenActor(channel), {
      action: 'report.citizen_message',
      entity: 'report',
      entityId: String(found.id),
      after: { event: Number(event.rows[0].id) },
    });
  });
}

/** She closes her case (solved) or withdraws it (she no longer wants it handled). */
export async function closeByCitizen(store: Store, key: CitizenKey, how: 'closed' | 'withdrawn', channel: ReportChannel, reason?: string): Promise<void> {
  const text = reason ? checkMessage(reason) : null;
  const found = await resolveCitizen(store, key);
  const encrypted = text ? await store.cipher.encrypt(text) : null;
  await store.write(async (tx) => {
    const current = await lockedState(tx, found.id);
    if (!current.isOpen) throw closedCase();
    const at = store.clock.now().toISOString();
    await tx.execute({
      sql: "INSERT INTO report_events (report_id, type, public, actor, from_state, to_state, message, at) VALUES (?, 'status', 1, ?, ?, ?, ?, ?)",
      args: [found.id, `citizen:${channel}`, current.state, how, encrypted, at],
    });
    await tx.execute({
      sql: 'UPDATE reports SET state = ?, is_open = 0, closed_at = ?, due_at = NULL, updated_at = ? WHERE id = ?',
      args: [how, at, at, found.id],
    });
    await appendAudit(store, tx, citizenActor(channel), {
      action: `report.${how}`,
      entity: 'report',
      entityId: String(found.id),
      before: { state: current.state },
      after: { state: how },
    });
  });
}

/** She deletes her contact data at any time: nobody can reach her about this case any more. */
export async function deleteCitizenContact(store: Store, key: CitizenKey, channel: ReportChannel): Promise<void> {
  const found = await resolveCitizen(store, key);
  await store.write(async (tx) => eraseContact(store, tx, found.id, `citizen:${channel}`, citizenActor(channel)));
}

/** Erases a case's contact (her request, or the retention job) and drops undelivered messages to it. */
export async function eraseContact(store: Store, tx: Db, reportId: number, actorText: string, actor: Parameters<typeof appendAudit>[2]): Promise<boolean> {
  const updated = await tx.execute({
    sql: 'UPDATE reports SET contact = NULL, contact_channel = NULL, updated_at = ? WHERE id = ? AND contact IS NOT NULL RETURNING id',
    args: [store.clock.now().toISOString(), reportId],
  });
  if (updated.rows.length === 0) return false;
  const at = store.clock.now().toISOString();
  await tx.execute({
    sql: "INSERT INTO report_events (report_id, type, public, actor, at) VALUES (?, 'contact_deleted', 1, ?, ?)",
    args: [reportId, actorText, at],
  });
  await tx.execute({
    sql: "UPDATE outbox SET state = 'failed', last_error = 'contacto borrado', done_at = ? WHERE kind = 'notify.report' AND state = 'pending' AND json_extract(payload, '$.reportId') = ?",
    args: [at, reportId],
  });
  await appendAudit(store, tx, actor, { action: 'report.contact_delete', entity: 'report', entityId: String(reportId) });
  return true;
}
