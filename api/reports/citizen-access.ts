import type { Context } from 'hono';
import { AppError } from '../../store/app-error.ts';
import { createRateLimiter } from '../../store/rate-limits.ts';
import { clientIdentity, RATE_LIMITS } from '../rate-limit.ts';
import type { ApiEnv } from '../env.ts';

/**
 * Lookups of a case by its code are rate limited per client: all lookups loosely, lookups that
 * find nothing tightly (that is what guessing codes looks like). A violence case without its code
 * word counts as a miss too: it answers exactly as an unknown code.
 */
export async function guardLookup(c: Context<ApiEnv>): Promise<{ miss(): Promise<void> }> {
  const store = c.var.store;
  const client = clientIdentity(c);
  const lookups = createRateLimiter(store, RATE_LIMITS.reportLookup);
  const misses = createRateLimiter(store, RATE_LIMITS.reportLookupMiss);
  if ((await misses.exhausted(client)) || !(await lookups.allow(client))) {
    throw new AppError('rate_limited', 'Hubo demasiadas consultas desde su conexión. Espere 15 minutos e intente de nuevo.', { status: 429 });
  }
  return {
    async miss() {
      await misses.allow(client);
    },
  };
}

/** The per-client intake limit, for `createReport` to count inside the report's own transaction. */
export function intakeLimit(c: Context<ApiEnv>) {
  return { ...RATE_LIMITS.reportIntake, client: clientIdentity(c) };
}
