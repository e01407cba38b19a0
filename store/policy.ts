import { AppError } from './app-error.ts';

/**
 * Who may do what to what: the one place that decides. Store functions call the `assert…`
 * functions themselves, so no route, page or script can skip them; pages and routes ask the `can…`
 * functions only to decide what to show (a link, a button), never to allow a write.
 */

export type Role = 'admin' | 'officer' | 'operator';
export const QUEUES = ['emergencias', '198', 'quejas'] as const;
export type Queue = (typeof QUEUES)[number];

/**
 * Who makes a change: a person (signed in), an institution's system (bearer token), or the
 * system itself (the seed at first start, a command run on the server by whoever runs it).
 */
export type Actor =
  | { kind: 'person'; id: number; email: string; role: Role; institutionId: number | null; queue: string | null; supervisor?: boolean }
  | { kind: 'token'; id: number; institutionId: number }
  | { kind: 'system'; name: 'seed' | 'cli' | 'jobs' }
  /** Whoever holds a case's tracking code (and, for violence, its code word): the person who reported. */
  | { kind: 'citizen'; channel: string };

/** The system actor of commands run on the server (`npm run catalog:import`, the seed, scheduled jobs). */
export const systemActor = (name: 'seed' | 'cli' | 'jobs'): Actor => ({ kind: 'system', name });

export const citizenActor = (channel: string): Actor => ({ kind: 'citizen', channel });

export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'person':
      return `person:${actor.id}`;
    case 'token':
      return `token:${actor.id}`;
    case 'system':
      return `system:${actor.name}`;
    case 'citizen':
      return `citizen:${actor.channel}`;
  }
}

function forbidden(message: string): AppError {
  return new AppError('forbidden', message, { status: 403 });
}

/** Admins and the system itself: the whole portal. */
export function isAdmin(actor: Actor): boolean {
  return actor.kind === 'system' || (actor.kind === 'person' && actor.role === 'admin');
}

/** Throws 403 unless `actor` is a person with one of `roles` (the system passes as admin). */
export function requireRole(actor: Actor, roles: readonly Role[], message = 'Su cuenta no tiene permiso para esta acción.'): void {
  if (actor.kind === 'system' && roles.includes('admin')) return;
  if (actor.kind === 'person' && roles.includes(actor.role)) return;
  throw forbidden(message);
}

// --- The catalog ------------------------------------------------------------------------------

/** Admins anywhere; officers and institution tokens in their own institution; operators never. */
export function canEditInstitution(actor: Actor, institutionId: number): boolean {
  if (isAdmin(actor)) return true;
  if (actor.kind === 'token') return actor.institutionId === institutionId;
  return actor.kind === 'person' && actor.role === 'officer' && actor.institutionId === institutionId;
}

export function assertCanEditInstitution(actor: Actor, institutionId: number): void {
  if (!canEditInstitution(actor, institutionId)) throw forbidden('No puede modificar trámites de otra institución.');
}

/** The institution whose entries an actor keeps, or null for all (admins). Operators get 403. */
export function catalogScope(actor: Actor): number | null {
  if (isAdmin(actor)) return null;
  if (actor.kind === 'token') return actor.institutionId;
  if (actor.kind === 'person' && actor.role === 'officer' && actor.institutionId !== null) return actor.institutionId;
  throw forbidden('Su cuenta no edita el catálogo.');
}

/** Whether the workspace should offer catalog editing at all. */
export function canEditCatalog(actor: Actor): boolean {
  return isAdmin(actor) || actor.kind === 'token' || (actor.kind === 'person' && actor.role === 'officer');
}

/**
 * A procedure belongs to its institution: only an admin moves it to another. (An officer of A who
 * uploads B's slug with `"institution": "A"` would otherwise take B's entry and its feedback.)
 */
export function assertCanMoveProcedure(actor: Actor): void {
  if (!isAdmin(actor)) throw forbidden('Solo la administración puede pasar un trámite a otra institución.');
}

/** Institutions and themes are public structure: only admins create or change them. */
export function assertCanManageStructure(actor: Actor, what: 'institution' | 'category'): void {
  if (!isAdmin(actor)) {
    throw forbidden(
      what === 'institution' ? 'Solo la administración puede crear o cambiar instituciones.' : 'Solo la administración puede crear o cambiar temas.',
    );
  }
}

export function canManageStructure(actor: Actor): boolean {
  return isAdmin(actor);
}

// --- Feedback ---------------------------------------------------------------------------------

/**
 * The institution whose feedback texts a reader may see and resolve, or null for all (admins).
 * Texts may hold personal data: institution tokens and operators never read them.
 */
export function feedbackScope(actor: Actor): number | null {
  if (isAdmin(actor)) return null;
  if (actor.kind === 'person' && actor.role === 'officer' && actor.institutionId !== null) return actor.institutionId;
  throw forbidden(
    actor.kind === 'token'
      ? 'Los tokens de institución no leen ni resuelven retroalimentación.'
      : 'Su cuenta no tiene acceso a la retroalimentación de trámites.',
  );
}

export function canReadFeedback(actor: Actor): boolean {
  return isAdmin(actor) || (actor.kind === 'person' && actor.role === 'officer');
}

/** What people looked for and did not find: free texts, so admins only. */
export function assertCanReadMissingRequests(actor: Actor): void {
  if (!isAdmin(actor)) throw forbidden('Solo la administración ve los trámites que faltan.');
}

// --- People, tokens, audit --------------------------------------------------------------------

export function assertCanManagePeople(actor: Actor): void {
  if (!isAdmin(actor)) throw forbidden('Solo la administración gestiona cuentas y tokens.');
}

export function canManagePeople(actor: Actor): boolean {
  return isAdmin(actor);
}

export function assertCanReadAudit(actor: Actor): void {
  if (!isAdmin(actor)) throw forbidden('Solo la administración ve el rastro de auditoría.');
}

export function canReadAudit(actor: Actor): boolean {
  return isAdmin(actor);
}

// --- Reports ----------------------------------------------------------------------------------

/** Admins work every queue but 198; an operator only their own; officers and tokens none. */
export function canWorkQueue(actor: Actor, queue: string): boolean {
  if (queue === '198') return actor.kind === 'person' && actor.role === 'operator' && actor.queue === '198';
  if (isAdmin(actor)) return true;
  return actor.kind === 'person' && actor.role === 'operator' && actor.queue === queue;
}

export function assertCanWorkQueue(actor: Actor, queue: string): void {
  if (!canWorkQueue(actor, queue)) throw forbidden('Ese caso es de otra cola de atención.');
}

/** What the store needs to know about a case to decide who may see it. */
export interface ReportScopeFacts {
  kind: string;
  queue: string;
  institutionId: number | null;
}

/**
 * Which cases an actor may list, as filters the store applies in SQL:
 * - a violence case only ever to operators of the 198 queue (not even to admins);
 * - operators: their queue's cases, whichever institution;
 * - officers and institution tokens: the cases routed to their institution (never violence);
 * - admins: every case but violence.
 */
export interface ReportScope {
  queues: string[] | 'all';
  institutionId: number | null;
  violence: boolean;
}

export function reportScope(actor: Actor): ReportScope {
  if (actor.kind === 'person' && actor.role === 'operator' && actor.queue) {
    return { queues: [actor.queue], institutionId: null, violence: actor.queue === '198' };
  }
  if (actor.kind === 'person' && actor.role === 'officer' && actor.institutionId !== null) {
    return { queues: 'all', institutionId: actor.institutionId, violence: false };
  }
  if (actor.kind === 'token') return { queues: 'all', institutionId: actor.institutionId, violence: false };
  if (actor.kind === 'person' && actor.role === 'admin') return { queues: 'all', institutionId: null, violence: false };
  throw forbidden('Su cuenta no atiende casos.');
}

/** Whether the workspace should offer the case pages at all (anyone with a scope of cases). */
export function canHandleReports(actor: Actor): boolean {
  try {
    reportScope(actor);
    return actor.kind === 'person';
  } catch {
    return false;
  }
}

export function canSeeReport(actor: Actor, report: ReportScopeFacts): boolean {
  if (actor.kind === 'citizen' || actor.kind === 'system') return false;
  let scope: ReportScope;
  try {
    scope = reportScope(actor);
  } catch {
    return false;
  }
  if (report.kind === 'violence' && !scope.violence) return false;
  if (scope.queues !== 'all' && !scope.queues.includes(report.queue)) return false;
  if (scope.institutionId !== null && report.institutionId !== scope.institutionId) return false;
  return true;
}

/** Cases outside the scope answer 404, not 403: whether a case exists is not given away. */
export function assertCanSeeReport(actor: Actor, report: ReportScopeFacts): void {
  if (!canSeeReport(actor, report)) throw new AppError('not_found', 'No existe ese caso o no está en su bandeja.', { status: 404 });
}

/**
 * Opening a person's contact is for people who answer her (never institution tokens); the page
 * shows a pseudonym until someone opens it on purpose, and each opening is audited.
 */
export function assertCanOpenContact(actor: Actor, report: ReportScopeFacts): void {
  assertCanSeeReport(actor, report);
  if (actor.kind !== 'person') throw forbidden('Solo una persona que atiende el caso puede ver el contacto.');
}

/** The routing table decides where cases go: admins only. */
export function assertCanManageRouting(actor: Actor): void {
  if (!isAdmin(actor)) throw forbidden('Solo la administración cambia a dónde se envía cada tipo de caso.');
}

export function canManageRouting(actor: Actor): boolean {
  return isAdmin(actor);
}

/** Open311 client keys are issued by admins. */
export function assertCanManageOpen311Clients(actor: Actor): void {
  if (!isAdmin(actor)) throw forbidden('Solo la administración emite claves de Open311.');
}
