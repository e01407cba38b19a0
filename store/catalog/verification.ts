import type { ProcedureDocument } from './exchange-format.ts';

/** Days after which an entry nobody verified again is flagged to the public and to officers. */
export const VERIFICATION_STALE_DAYS = 180;

export type VerificationState = { kind: 'current'; verifiedAt: string } | { kind: 'stale'; verifiedAt: string } | { kind: 'never' };

/**
 * Whether a person checked an entry's facts, and how long ago: `never` when it has no
 * `verified_at`, `stale` when that date is 180 days or more before `today` (AAAA-MM-DD).
 *
 * @example verificationState({ ...doc, verified_at: '2026-01-10' }, '2026-12-01').kind // 'stale'
 */
export function verificationState(doc: Pick<ProcedureDocument, 'verified_at'>, today: string): VerificationState {
  if (!doc.verified_at) return { kind: 'never' };
  const age = (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${doc.verified_at}T00:00:00Z`)) / 86_400_000;
  return age >= VERIFICATION_STALE_DAYS ? { kind: 'stale', verifiedAt: doc.verified_at } : { kind: 'current', verifiedAt: doc.verified_at };
}
