import { OpenAPIHono } from '@hono/zod-openapi';
import { limitBody } from './body-limit.ts';
import { adminRoutes } from './admin/routes.ts';
import { botWebhookRoutes } from './bot/webhooks.ts';
import { webChatRoutes } from './bot/web-chat.ts';
import { missingProcedureRoutes } from './catalog/missing.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { applyEdge } from './edge/edge.ts';
import type { ApiDeps, ApiEnv } from './env.ts';
import { AppError, errorResponse, formErrorResponse, isApiPath } from './errors.ts';
import { feedbackRoutes } from './feedback/routes.ts';
import { open311Routes } from './open311/routes.ts';
import { reportForms } from './reports/forms.ts';
import { reportRoutes } from './reports/routes.ts';
import { safetyRoutes } from './safety/routes.ts';
import { systemRoutes } from './system/routes.ts';

export type { ApiDeps, ApiEnv } from './env.ts';

/** The JSON answer for any /api path that does not exist (never the HTML 404 page). */
export function apiNotFound(): AppError {
  return new AppError('not_found', 'Esa dirección de la API no existe. Consulte /api/openapi.json.', { status: 404 });
}

/** The largest body any /api route reads. */
export const API_BODY_LIMIT = 256 * 1024;

/** The 413 for a body over API_BODY_LIMIT. */
export function apiBodyTooLarge(): never {
  throw new AppError('payload_too_large', 'El contenido enviado es demasiado grande (máximo 256 KB).', { status: 413 });
}

/**
 * The HTTP API (JSON under /api, and the public forms it answers). Everything it needs comes in
 * `deps`. Standalone (tests, tools) it applies the edge itself; inside the web app the edge is
 * applied once, outside it, and the bot's webhooks are served by the web app's own lane.
 *
 * @example const api = createApi({ store, search, log: consoleLog }); await api.request('/api/health')
 */
export function createApi(deps: ApiDeps, options: { standalone?: boolean; webhooks?: boolean } = {}) {
  const app = new OpenAPIHono<ApiEnv>();
  if (options.standalone !== false) applyEdge(app, deps);
  app.use('/api/*', limitBody({ maxSize: API_BODY_LIMIT, onError: () => apiBodyTooLarge() }));
  app.route('/api', systemRoutes());
  app.route('/api', catalogRoutes());
  app.route('/', missingProcedureRoutes());
  const feedback = feedbackRoutes();
  app.route('/api', feedback.api);
  app.route('/', feedback.forms);
  app.route('/', reportForms());
  app.route('/api', reportRoutes());
  app.route('/api/admin', adminRoutes());
  if (options.webhooks !== false) app.route('/api', botWebhookRoutes(deps.bot, { log: deps.log, publicBaseUrl: deps.publicOrigin, store: deps.store }));
  app.route('/', webChatRoutes(deps.bot?.runner));
  app.route('/', safetyRoutes());
  app.route('/open311/v2', open311Routes());
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Portal de trámites de El Salvador — API',
      version: '1.0.0',
      description: 'Catálogo de trámites, búsqueda y estado del servicio. Los errores tienen la forma {"error": {"code", "message", "fields"?}}.',
    },
  });
  app.all('/api/*', () => {
    throw apiNotFound();
  });
  app.notFound((c) => (isApiPath(c.req.path) ? errorResponse(apiNotFound(), c, deps.log) : c.text('No encontramos esa página.', 404)));
  // The public forms (/tramites/…/opinion, /buscar/falta) live here too: they answer text, not JSON.
  app.onError((error, c) => (isApiPath(c.req.path) ? errorResponse(error, c, deps.log) : formErrorResponse(error, c, deps.log)));
  return app;
}

export type Api = ReturnType<typeof createApi>;
