import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { AppError } from '../../store/app-error.ts';
import type { Store } from '../../store/db.ts';
import { readSession, sessionActor, type ActiveSession } from '../../store/people/sessions.ts';
import { readApiToken } from '../../store/people/tokens.ts';
import { siteOrigin } from '../edge/origin-check.ts';
import type { ActorEnv } from '../env.ts';

/** `__Host-` cookies need HTTPS; on plain-HTTP development the prefix would make browsers drop it. */
export function sessionCookieName(c: Context): string {
  return isSecure(c) ? '__Host-portal_sesion' : 'portal_sesion';
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

/** The session behind the request's cookie, if any and still valid (`touch: false`: see readSession). */
export async function currentSession(c: Context, store: Store, options: { touch?: boolean } = {}): Promise<ActiveSession | null> {
  const value = getCookie(c, sessionCookieName(c));
  return value && value.length <= 100 ? readSession(store, value, options) : null;
}

/**
 * Who is calling: a person by session cookie or an institution system by bearer token; 401
 * otherwise. A person still on a one-time password gets 403 from `sessionActor`: only the password
 * change (which reads the session itself) is open to them.
 */
export function requireActor(): MiddlewareHandler<ActorEnv> {
  return async (c, next) => {
    const authorization = c.req.header('Authorization');
    if (authorization !== undefined) {
      const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
      const actor = token ? await readApiToken(c.var.store.db, token) : null;
      if (!actor) throw new AppError('unauthorized', 'El token no es válido o fue revocado. Envíelo como «Authorization: Bearer tsv_…».', { status: 401 });
      c.set('actor', actor);
      c.set('session', null);
      return next();
    }
    const session = await currentSession(c, c.var.store);
    if (!session) throw new AppError('unauthorized', 'Inicie sesión para continuar (POST /api/admin/login).', { status: 401 });
    c.set('actor', sessionActor(session));
    c.set('session', session);
    return next();
  };
}
