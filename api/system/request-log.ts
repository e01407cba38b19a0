import type { Context, MiddlewareHandler } from 'hono';
import type { Log } from '../errors.ts';
import type { Metrics } from './metrics.ts';

/**
 * The sections of the site a page request is counted and logged under. A page's own path is
 * never a label or a log field: it can hold a tracking code (`/admin/casos/K7QM…`) or a search.
 */
const PAGE_SECTIONS = new Set([
  'buscar',
  'tramites',
  'categorias',
  'instituciones',
  'denuncia',
  'seguimiento',
  '198',
  'emergencia',
  'transparencia',
  'datos',
  'chat',
  'admin',
  'ayuda',
  'salir',
  'sitemap.xml',
  '_astro',
  'metrics',
  'accesibilidad',
  'acerca',
  'contacto',
  'mapa-del-sitio',
  'privacidad',
  'open311',
  'favicon.ico',
  'robots.txt',
]);

/**
 * What a request is called in metrics and logs: the pattern of the route that answered
 * (`/api/reports/:code`, never the code) or, for pages and files, their section (`/tramites/*`).
 * Never a query string.
 *
 * @example routeLabel(c) // '/api/reports/:code'
 */
export function routeLabel(c: Context): string {
  const pattern = c.req.routePath;
  if (pattern && pattern !== '/*' && pattern !== '*') return pattern;
  // Answered from the search micro-cache, before routing: still the search route.
  if (c.req.path === '/api/search') return '/api/search';
  const [first, ...rest] = c.req.path.split('/').slice(1);
  if (!first) return '/';
  if (first === 'api') return '/api/*';
  if (!PAGE_SECTIONS.has(first)) return '/(otra)';
  return rest.length > 0 && rest.some(Boolean) ? `/${first}/*` : `/${first}`;
}

/** Context keys: the request's id, and whether a handler already put it in its response. */
export const REQUEST_ID_KEY = 'requestId';
export const REQUEST_ID_SENT = 'requestIdSent';

/** An incoming request id is kept only if it cannot carry anything but an id. */
const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

/**
 * Counts every request (route, method, status, duration) and, with `log`, writes one line for it:
 * request id, method, route, status and milliseconds. Nothing else: no path, query, body,
 * address or header a person could have typed into. The request id (`X-Request-Id`, kept from a
 * proxy that sent one, else new) goes back in the response so a person can quote it.
 */
export function observeRequests(options: { metrics?: Metrics; log?: Log }): MiddlewareHandler {
  return async (c, next) => {
    const incoming = c.req.header('X-Request-Id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    // A cached answer (api/micro-cache.ts) writes the id into its own plain header record, so its
    // headers never become a full Headers object just to receive it.
    c.set(REQUEST_ID_KEY, requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = routeLabel(c);
      const status = c.res.status;
      options.metrics?.observeRequest({ route, method: c.req.method, status, seconds });
      options.log?.info('request', { request_id: requestId, method: c.req.method, route, status, duration_ms: Math.round(seconds * 10_000) / 10 });
      // A streamed answer may have immutable headers; the id is a courtesy, not a must.
      if (c.get(REQUEST_ID_SENT) !== true) {
        try {
          c.res.headers.set('X-Request-Id', requestId);
        } catch {
          /* immutable headers */
        }
      }
    }
  };
}
