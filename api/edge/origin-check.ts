import type { Context, MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { AppError } from '../../store/app-error.ts';

/** The origin people see: PUBLIC_BASE_URL's when configured (behind a proxy), else the request's. */
export function siteOrigin(c: Context): string {
  const configured = (c.var as { publicOrigin?: string }).publicOrigin;
  return configured ? new URL(configured).origin : new URL(c.req.url).origin;
}

/**
 * The one cross-site check, for every state-changing request of the whole site (forms, the JSON
 * API with its session cookie, sign-in), applied once at the edge. Hono's `csrf` refuses a form or
 * text body unless the browser says it comes from this origin (Sec-Fetch-Site: same-origin, or an
 * Origin equal to the public origin). A foreign Origin is refused even without Sec-Fetch-Site.
 * Any other body (JSON) that carries a foreign Origin or a cross-site Sec-Fetch-Site is refused
 * too; without either it comes from a program, not a browser another site could steer (and JSON
 * cannot be sent across sites without a CORS preflight, which the portal never grants).
 *
 * `exempt`: paths authenticated another way (webhooks signed by Telegram or Twilio, Open311 with
 * its api_key), whose callers are servers that send no Origin. A request with a bearer token and
 * no cookie is a program too: it carries its own credential, which no other site can make a
 * browser send, so cross-site forgery does not apply to it.
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function originCheck(options: { exempt?: string[] } = {}): MiddlewareHandler {
  const check = csrf({ origin: (origin, c) => origin === siteOrigin(c), secFetchSite: 'same-origin' });
  const exempt = options.exempt ?? [];
  const refuse = () =>
    new AppError('cross_site', 'Esta acción solo puede hacerse desde el propio portal: vuelva a la página, recárguela e intente de nuevo.', { status: 403 });
  return async (c, next) => {
    const bearerOnly = /^Bearer\s/i.test(c.req.header('Authorization') ?? '') && !c.req.header('Cookie');
    if (!SAFE_METHODS.has(c.req.method) && !bearerOnly && !exempt.some((prefix) => c.req.path.startsWith(prefix))) {
      const origin = c.req.header('Origin');
      const site = c.req.header('Sec-Fetch-Site');
      // A form posted from a sensitive page (Referrer-Policy: no-referrer) carries `Origin: null`
      // (Fetch, «serializing a request origin»); Sec-Fetch-Site, which no page can set, still
      // tells a same-origin post from a sandboxed frame's.
      const nullFromSameOrigin = origin === 'null' && site === 'same-origin';
      if ((origin !== undefined && origin !== siteOrigin(c) && !nullFromSameOrigin) || (site !== undefined && site !== 'same-origin')) throw refuse();
      try {
        await check(c, async () => undefined);
      } catch (error) {
        if (error instanceof HTTPException && error.status === 403) throw refuse();
        throw error;
      }
    }
    await next();
  };
}
