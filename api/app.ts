import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { SearchEngine } from '../search/engine.ts';
import type { Store } from '../store/db.ts';
import { adminRoutes } from './admin/routes.ts';
import { missingProcedureRoutes } from './catalog/missing.ts';
import { feedbackRoutes } from './feedback/routes.ts';
import { PBKDF2_ITERATIONS } from '../store/people/passwords.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { AppError, errorResponse, type Log } from './errors.ts';
import { systemRoutes } from './system/routes.ts';

export interface ApiDeps {
  store: Store;
  search: SearchEngine;
  log: Log;
  /** The peer address of a request; runtime specific (Node's socket, Workers' header). Used only hashed. */
  remoteAddress?: (c: Context) => string | undefined;
  /** PBKDF2 iterations for new passwords (600,000 unless a test needs speed). */
  passwordIterations?: number;
  /**
   * The public origin (PUBLIC_BASE_URL) behind a TLS proxy: what browsers send as Origin and
   * whether cookies must be Secure. Without it, the request's own URL is used.
   */
  publicOrigin?: string;
}

export type ApiEnv = { Variables: Required<ApiDeps> };

/**
 * The HTTP API (JSON under /api). Everything it needs comes in `deps`.
 *
 * @example const api = createApi({ store, search, log: consoleLog }); await api.request('/api/health')
 */
export function createApi(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>();
  app.use('*', async (c, next) => {
    c.set('store', deps.store);
    c.set('search', deps.search);
    c.set('log', deps.log);
    c.set('remoteAddress', deps.remoteAddress ?? (() => undefined));
    c.set('passwordIterations', deps.passwordIterations ?? PBKDF2_ITERATIONS);
    c.set('publicOrigin', deps.publicOrigin ?? '');
    await next();
  });
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: 256 * 1024,
      onError: () => {
        throw new AppError('payload_too_large', 'El contenido enviado es demasiado grande (máximo 256 KB).', { status: 413 });
      },
    }),
  );
  app.route('/api', systemRoutes());
  app.route('/api', catalogRoutes());
  app.route('/', missingProcedureRoutes());
  const feedback = feedbackRoutes();
  app.route('/api', feedback.api);
  app.route('/', feedback.forms);
  app.route('/api/admin', adminRoutes());
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Portal de trámites de El Salvador — API',
      version: '1.0.0',
      description: 'Catálogo de trámites, búsqueda y estado del servicio. Los errores tienen la forma {"error": {"code", "message", "fields"?}}.',
    },
  });
  app.notFound((c) =>
    c.json({ error: { code: 'not_found', message: 'Esa dirección de la API no existe. Consulte /api/openapi.json.' } }, 404),
  );
  app.onError((error, c) => errorResponse(error, c, deps.log));
  return app;
}

export type Api = ReturnType<typeof createApi>;
