import { AppError } from '../app-error.ts';
import type { Actor } from '../audit/audit.ts';

/**
 * Throws 403 unless `actor` may write entries of `institutionId`: admins anywhere, officers and
 * institution tokens only in their own institution, operators never. Store functions call this
 * themselves, so no route can skip it.
 */
export function assertCanEditInstitution(actor: Actor, institutionId: number): void {
  if (actor.kind === 'person' && actor.role === 'admin') return;
  if ((actor.kind === 'token' || actor.role === 'officer') && actor.institutionId === institutionId) return;
  throw new AppError('forbidden', 'No puede modificar trámites de otra institución.', { status: 403 });
}

/** The institution an actor edits, or null for admins (all). Operators get 403. */
export function editableInstitution(actor: Actor): number | null {
  if (actor.kind === 'person' && actor.role === 'admin') return null;
  if ((actor.kind === 'token' || actor.role === 'officer') && actor.institutionId !== null) return actor.institutionId;
  throw new AppError('forbidden', 'Su cuenta no edita el catálogo.', { status: 403 });
}
