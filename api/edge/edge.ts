import type { Hono } from 'hono';
import { PBKDF2_ITERATIONS } from '../../store/people/passwords.ts';
import type { ApiDeps, ApiEnv } from '../env.ts';
import { CACHE_CONTROL } from './http-cache.ts';
import { originCheck } from './origin-check.ts';
import { QUICK_EXIT_PATH, sensitiveAnswers } from './sensitive.ts';

/**
 * Paths whose callers are other servers, authenticated by signature or key instead of a browser
 * origin: Telegram's and Twilio's webhooks, Open311 clients (with their api_key).
 */
export const SERVER_TO_SERVER_PATHS = ['/api/telegram/', '/api/sms/', '/open311/'];

/**
 * What every request passes through once, before any route: the dependencies in `c.var`, the one
 * origin check for state-changing requests, and `no-store` on everything personal (the admin API,
 * every sensitive page and answer, with `no-referrer` for the latter: api/edge/sensitive.ts).
 */
export function applyEdge(app: Hono<ApiEnv>, deps: ApiDeps): void {
  app.use('*', async (c, next) => {
    c.set('store', deps.store);
    c.set('search', deps.search);
    c.set('log', deps.log);
    c.set('remoteAddress', deps.remoteAddress ?? (() => undefined));
    c.set('passwordIterations', deps.passwordIterations ?? PBKDF2_ITERATIONS);
    c.set('publicOrigin', deps.publicOrigin ?? '');
    await next();
  });
  app.use('*', sensitiveAnswers());
  // The quick exit's beacon only ends sessions, as a plain link to GET /salir does, so refusing it
  // protects nothing; and browsers that send `Origin: null` from a no-referrer page without
  // Sec-Fetch-Site (Safari before 16.4) would keep a victim's follow-up session alive.
  app.use('*', originCheck({ exempt: [...SERVER_TO_SERVER_PATHS, QUICK_EXIT_PATH] }));
  // The admin API answers with people's data and one-time secrets: never kept by a cache.
  app.use('/api/admin/*', async (c, next) => {
    await next();
    c.res.headers.set('Cache-Control', CACHE_CONTROL.private);
  });
}
