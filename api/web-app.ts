import { Hono, type MiddlewareHandler } from 'hono';
import { limitBody } from './body-limit.ts';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../store/app-error.ts';
import { adminPages } from './admin/pages.ts';
import { API_BODY_LIMIT, apiBodyTooLarge, apiNotFound, createApi } from './app.ts';
import { botWebhookRoutes } from './bot/webhooks.ts';
import { CACHE_CONTROL } from './edge/http-cache.ts';
import { REFERRER_POLICY } from './edge/sensitive.ts';
import type { ViewCounter } from './catalog/views.ts';
import { applyEdge } from './edge/edge.ts';
import { pageRefusal } from './edge/page-refusal.ts';
import type { ApiDeps, ApiEnv, Branding, PageLocals, RenderPage } from './env.ts';

export type { PageLocals, RenderPage } from './env.ts';
import { errorResponse, formErrorResponse, isApiPath, type Log } from './errors.ts';
import { microCache } from './micro-cache.ts';
import { liveQueueRoutes, type LiveQueueOptions } from './reports/workspace.ts';
import { metricsRoutes, type Metrics } from './system/metrics.ts';
import { observeRequests } from './system/request-log.ts';

/** Used for canonical links and the sitemap when PUBLIC_BASE_URL is not set (local use). */
export const DEFAULT_PUBLIC_BASE_URL = 'http://localhost:4321';

export interface WebAppDeps extends ApiDeps {
  renderPage: RenderPage;
  /** Serves the build's static files (/_astro/…); runtime specific, so passed in. */
  staticAssets?: MiddlewareHandler;
  /** Response compression where the runtime does not compress for us (Node); Workers leave it out. */
  compression?: MiddlewareHandler;
  /** PUBLIC_BASE_URL: the origin people use (links, and the origin check behind a TLS proxy). */
  publicBaseUrl?: string;
  /** CONTACT_RETENTION_DAYS, for the privacy notice (the purge job gets it from server.node.ts). */
  contactRetentionDays?: number;
  /** SITE_NAME, SITE_BANNER, SITE_FOOTER (api/config.ts brandingFromConfig); the layout's defaults without them. */
  branding?: Branding;
  /** Without PUBLIC_BASE_URL, what links name instead: the server's own local address (never a request's Host). */
  localBaseUrl?: string;
  views?: ViewCounter;
  /** The 30-second cache of whole /api/search answers (default on; the benchmarks turn it off to time the engine). */
  searchCache?: boolean;
  /** The live queues' event streams: how often they poll and how long one lasts (short on Workers). */
  liveQueue?: LiveQueueOptions;
  /** Operations: requests counted for `GET /metrics` (served only with `metricsToken`, METRICS_TOKEN). */
  metrics?: Metrics;
  metricsToken?: string;
  /** One JSON line per request (route pattern, status, duration, request id) goes here; none without it. */
  requestLog?: Log;
}

/**
 * The bot's webhooks (`/api/telegram/webhook`, `/api/sms/twilio`, its status callback), answered
 * before the browser middleware: their callers are Telegram's and Twilio's servers, authenticated
 * by secret token or signature, which render no page and follow no link, so the content security
 * policy, compression, the search cache and the browser origin check only cost them time (measured
 * on the webhook benchmark: about a sixth of each request). What still applies: the request count
 * and log (registered before this lane), the API's 256 KB body limit and error shape, and
 * `no-store`, `nosniff`, `no-referrer` on every answer (a TwiML reply holds what she is told).
 */
function webhookLane(deps: WebAppDeps): Hono<ApiEnv> {
  const lane = new Hono<ApiEnv>();
  // Mounted under /api: only these prefixes, so the rest of the API keeps its own headers.
  const paths = ['/telegram/*', '/sms/*'];
  lane.on('ALL', paths, async (c, next) => {
    c.header('Cache-Control', CACHE_CONTROL.private);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', REFERRER_POLICY.sensitive);
    await next();
  });
  lane.on('ALL', paths, limitBody({ maxSize: API_BODY_LIMIT, onError: () => apiBodyTooLarge() }));
  lane.route('/', botWebhookRoutes(deps.bot, { log: deps.log, publicBaseUrl: deps.publicOrigin ?? deps.publicBaseUrl, store: deps.store }));
  // No onError of its own: the web app's answers an /api path in the API's error shape, and a
  // sub-app's own handler would wrap each of its handlers in one more composition per request.
  return lane;
}

/**
 * The whole site behind one Hono app: security headers (and compression, where the runtime needs it)
 * for every response, the edge (dependencies, the one origin check), the JSON API under /api,
 * static assets, the officers' workspace, then Astro pages.
 */
export function createWebApp(deps: WebAppDeps) {
  const app = new Hono<ApiEnv>();
  const publicBaseUrl = deps.publicBaseUrl ?? deps.localBaseUrl ?? DEFAULT_PUBLIC_BASE_URL;
  // Operations (api/system/request-log.ts): outermost, so cached answers and refusals are counted too.
  if (deps.metrics || deps.requestLog) app.use('*', observeRequests({ metrics: deps.metrics, log: deps.requestLog }));
  // Outermost: a cached search answer is stored with its security headers and compressed body,
  // and goes out again without passing through anything else.
  // Telegram's and Twilio's webhooks: their own short lane, ahead of everything made for browsers.
  app.route('/api', webhookLane(deps));
  if (deps.searchCache !== false) app.use('*', microCache({ paths: ['/api/search'], ttlMs: 30_000, maxEntries: 2000 }));
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
      // Set at the edge instead (api/edge/sensitive.ts): same-origin, and no-referrer on sensitive
      // pages, which this outer middleware would otherwise overwrite.
      referrerPolicy: false,
      crossOriginEmbedderPolicy: false,
    }),
  );
  if (deps.compression) app.use('*', deps.compression);
  // Forms are small; only the catalog upload may be larger. Over the limit: a Spanish 413.
  const tooLarge = (limit: string) => () => {
    throw new AppError('payload_too_large', `Lo enviado es demasiado grande (máximo ${limit}).`, { status: 413 });
  };
  app.use('/admin/importar', limitBody({ maxSize: 20 * 1024 * 1024, onError: tooLarge('20 MB') }));
  app.on('POST', ['/admin/*', '/tramites/*', '/buscar/*'], async (c, next) =>
    c.req.path === '/admin/importar' ? next() : limitBody({ maxSize: 64 * 1024, onError: tooLarge('64 KB') })(c, next),
  );
  applyEdge(app, { ...deps, publicOrigin: deps.publicOrigin ?? deps.publicBaseUrl });
  // The API sees the same public origin the edge does (Twilio signs PUBLIC_BASE_URL + path).
  app.route('/', createApi({ ...deps, publicOrigin: deps.publicOrigin ?? deps.publicBaseUrl }, { standalone: false, webhooks: false }));
  if (deps.staticAssets) app.use('/_astro/*', deps.staticAssets);
  const locals: PageLocals = {
    store: deps.store,
    search: deps.search,
    publicBaseUrl,
    views: deps.views,
    contactRetentionDays: deps.contactRetentionDays,
    branding: deps.branding,
  };
  // Operations: GET /metrics (Prometheus text, behind METRICS_TOKEN; api/system/metrics.ts).
  if (deps.metrics) app.route('/', metricsRoutes({ store: deps.store, metrics: deps.metrics, token: deps.metricsToken }));
  app.route('/admin/casos', liveQueueRoutes(deps.liveQueue));
  app.route('/admin', adminPages({ renderPage: deps.renderPage, locals }));
  app.all('/api/*', (c) => errorResponse(apiNotFound(), c, deps.log));
  // Astro gets only what the edge let through; its own origin check is off (astro.config.mjs).
  app.all('*', async (c) => {
    const response = await deps.renderPage(c.req.raw, locals);
    const refusal = pageRefusal(response);
    return refusal ? c.text(refusal.message, refusal.status as ContentfulStatusCode) : response;
  });
  app.onError((error, c) => (isApiPath(c.req.path) ? errorResponse(error, c, deps.log) : formErrorResponse(error, c, deps.log)));
  return app;
}
