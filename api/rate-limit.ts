import type { Context } from 'hono';
import { clientSubnet } from '../store/client-address.ts';
import type { RateLimitRule } from '../store/rate-limits.ts';

/** Every rate limit of the portal, in one place. Counters live in the store (store/rate-limits.ts). */
export const RATE_LIMITS = {
  /** Failed sign-ins per client address (an office may share one: only failures count). */
  signInAddress: { bucket: 'sign-in:address', limit: 10, windowMs: 15 * 60_000 },
  /** Failed sign-ins per account, whatever the address. */
  signInEmail: { bucket: 'sign-in:email', limit: 10, windowMs: 15 * 60_000 },
  feedback: { bucket: 'feedback', limit: 20, windowMs: 60 * 60_000 },
  missingProcedure: { bucket: 'missing-procedure', limit: 5, windowMs: 60 * 60_000 },
  /** New reports per client address (a community centre may share one). */
  reportIntake: { bucket: 'report-intake', limit: 30, windowMs: 60 * 60_000 },
  /** Follow-up lookups per client address, and lookups that found nothing (guessing codes). */
  reportLookup: { bucket: 'report-lookup', limit: 120, windowMs: 15 * 60_000 },
  reportLookupMiss: { bucket: 'report-lookup-miss', limit: 15, windowMs: 15 * 60_000 },
  /** Open311 service requests per client application (its api_key), whatever address they come from. */
  open311Intake: { bucket: 'open311-intake', limit: 600, windowMs: 60 * 60_000 },
} satisfies Record<string, RateLimitRule>;

/**
 * Who the client is, for rate limits and «one per day»: the runtime's peer address (behind a
 * trusted proxy, the last address the proxy appended to X-Forwarded-For; on Workers, the entry
 * passes CF-Connecting-IP), keyed on the /64 for IPv6. Never a header a client could choose.
 * Only ever used hashed.
 */
export function clientIdentity(c: Context): string {
  const remote = (c.var as { remoteAddress?: (c: Context) => string | undefined }).remoteAddress?.(c);
  return clientSubnet(remote ?? 'desconocido');
}
