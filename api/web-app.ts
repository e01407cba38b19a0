import { Hono, type MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bodyLimit } from 'hono/body-limit';
import { AppError, isAppError } from '../store/app-error.ts';
import { secureHeaders } from 'hono/secure-headers';
import { createApi, type ApiDeps } from './app.ts';
import { microCache } from './micro-cache.ts';
import type { ViewCounter } from './catalog/views.ts';
import { adminPages, type AdminLocals } from './admin/pages.ts';

/** What Astro pages find in `Astro.locals`. */
export interface PageLocals {
  store: ApiDeps['store'];
  search: ApiDeps['search'];
  /** Counts procedure page views for popularity. */
  views?: ViewCounter;
  /** The officers' workspace: session, a form sent back with errors, an import report. */
  admin?: AdminLocals;
  /** Absolute origin for canonical links and the sitemap, when configured. */
  publicBaseUrl?: string;
}

/** Renders a page request with Astro's App (the build's `app.render`). */
export type RenderPage = (request: Request, locals: PageLocals) => Promise<Response>;

export interface WebAppDeps extends ApiDeps {
  renderPage: RenderPage;
  /** Serves the build's static files (/_astro/…); runtime specific, so passed in. */
  staticAssets?: MiddlewareHandler;
  /** Response compression where the runtime does not compress for us (Node); Workers leave it out. */
  compression?: MiddlewareHandler;
  publicBaseUrl?: string;
  views?: ViewCounter;
}

/**
 * The whole site behind one Hono app: security headers (and compression, where the runtime needs it)
 * for every response, the JSON API under /api, static assets, then Astro pages.
 */
export function createWebApp(deps: WebAppDeps) {
  const app = new Hono();
  // Outermost: a cached search answer is stored with its security headers and compressed body,
  // and goes out again without passing through anything else.
  app.use('*', microCache({ paths: ['/api/search'], ttlMs: 30_000, maxEntries: 2000 }));
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
      // Victims may be on shared phones: never tell other sites where a visit came from.
      referrerPolicy: 'same-origin',
      crossOriginEmbedderPolicy: false,
    }),
  );
  if (deps.compression) app.use('*', deps.compression);
  // Forms are small; only the catalog upload may be larger. Over the limit: a Spanish 413.
  const tooLarge = (limit: string) => () => {
    throw new AppError('payload_too_large', `Lo enviado es demasiado grande (máximo ${limit}).`, { status: 413 });
  };
  app.use('/admin/importar', bodyLimit({ maxSize: 20 * 1024 * 1024, onError: tooLarge('20 MB') }));
  app.on('POST', ['/admin/*', '/tramites/*', '/buscar/*'], async (c, next) =>
    c.req.path === '/admin/importar' ? next() : bodyLimit({ maxSize: 64 * 1024, onError: tooLarge('64 KB') })(c, next),
  );
  const api = createApi({ ...deps, publicOrigin: deps.publicOrigin ?? deps.publicBaseUrl });
  app.route('/', api);
  if (deps.staticAssets) app.use('/_astro/*', deps.staticAssets);
  const locals: PageLocals = { store: deps.store, search: deps.search, publicBaseUrl: deps.publicBaseUrl, views: deps.views };
  app.route('/admin', adminPages({ renderPage: deps.renderPage, locals }));
  app.all('*', (c) => deps.renderPage(c.req.raw, locals));
  app.onError((error, c) => {
    if (isAppError(error)) return c.text(error.message, error.status as ContentfulStatusCode);
    deps.log.error('unhandled error', { method: c.req.method, path: c.req.path, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    return c.text('Tuvimos un problema al mostrar esta página. Intente de nuevo en unos minutos.', 500);
  });
  return app;
}
