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
  | { kind: 'person'; id: number; email: string; role: Role; institutionId: number | null; queue: string | null }
  | { kind: 'token'; id: number; institutionId: number }
  | { kind: 'system'; name: 'seed' | 'cli' };

/** The system actor of commands run on the server (`npm run catalog:import`, the seed). */
export const systemActor = (name: 'seed' | 'cli'): Actor => ({ kind: 'system', name });

export function actorLabel(actor: Actor): string {
  return actor.kind === 'person' ? `person:${actor.id}` : actor.kind === 'token' ? `token:${actor.id}` : `system:${actor.name}`;
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

// --- Report queues (the reports issue builds on these) ----------------------------------------

/** Admins work every queue; an operator only their own; officers and tokens none. */
export function canWorkQueue(actor: Actor, queue: string): boolean {
  if (isAdmin(actor)) return true;
  return actor.kind === 'person' && actor.role === 'operator' && actor.queue === queue;
}

export function assertCanWorkQueue(actor: Actor, queue: string): void {
  if (!canWorkQueue(actor, queue)) throw forbidden('Ese caso es de otra cola de atención.');
}
