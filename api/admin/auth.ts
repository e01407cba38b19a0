import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { AppError } from '../../store/app-error.ts';
import type { Actor } from '../../store/audit/audit.ts';
import { personActor, readApiToken, readSession, type ActiveSession } from '../../store/people/people.ts';
import type { Store } from '../../store/db.ts';
import type { ApiEnv } from '../app.ts';

export type AdminEnv = { Variables: ApiEnv['Variables'] & { actor: Actor; session: ActiveSession | null } };

/** `__Host-` cookies need HTTPS; on plain-HTTP development the prefix would make browsers drop it. */
export function sessionCookieName(c: Context): string {
  return isSecure(c) ? '__Host-portal_sesion' : 'portal_sesion';
}

/** The origin people see: PUBLIC_BASE_URL's when configured (behind a proxy), else the request's. */
export function siteOrigin(c: Context): string {
  const configured = (c.var as { publicOrigin?: string }).publicOrigin;
  return configured ? new URL(configured).origin : new URL(c.req.url).origin;
}

function isSecure(c: Context): boolean {
  return siteOrigin(c).startsWith('https:');
}

export function setSessionCookie(c: Context, value: string): void {
  setCookie(c, sessionCookieName(c), value, { httpOnly: true, sameSite: 'Lax', path: '/', secure: isSecure(c), maxAge: 12 * 60 * 60 });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, sessionCookieName(c), { path: '/', secure: isSecure(c) });
}

/** The session behind the request's cookie, if any and still valid. */
export async function currentSession(c: Context, store: Store): Promise<ActiveSession | null> {
  const value = getCookie(c, sessionCookieName(c));
  return value ? readSession(store, value) : null;
}

/**
 * Who is calling: a person by session cookie or an institution system by bearer token; 401
 * otherwise. Cookie-authenticated writes must come from this site (Origin check), since a cookie
 * travels with requests other sites trigger.
 */
export function requireActor(): MiddlewareHandler<AdminEnv> {
  return async (c, next) => {
    const authorization = c.req.header('Authorization');
    if (authorization?.startsWith('Bearer ')) {
      const actor = await readApiToken(c.var.store.db, authorization.slice(7).trim());
      if (!actor) throw new AppError('unauthorized', 'El token no es válido o fue revocado.', { status: 401 });
      c.set('actor', actor);
      c.set('session', null);
      return next();
    }
    const session = await currentSession(c, c.var.store);
    if (!session) throw new AppError('unauthorized', 'Inicie sesión para continuar (POST /api/admin/login).', { status: 401 });
    if (!['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) assertSameOrigin(c);
    c.set('actor', personActor(session.person));
    c.set('session', session);
    return next();
  };
}

/** Refuses state-changing requests that another site could have triggered with our cookie. */
export function assertSameOrigin(c: Context): void {
  const origin = c.req.header('Origin');
  const site = c.req.header('Sec-Fetch-Site');
  const own = siteOrigin(c);
  if (origin ? origin !== own : site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new AppError('cross_site', 'Esta acción solo puede hacerse desde el propio portal.', { status: 403 });
  }
}
