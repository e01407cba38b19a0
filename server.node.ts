import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';
import { parseConfig, type Config } from './api/config.ts';
import { consoleLog, type Log } from './api/errors.ts';
import { createWebApp, type RenderPage } from './api/web-app.ts';
import { createViewCounter } from './api/catalog/views.ts';
import { compressResponses } from './api/compression.node.ts';
import { createSearch, type SearchSetup } from './search/select.ts';
import type { Store } from './store/db.ts';
import { countAdmins, createPerson } from './store/people/people.ts';
import { openConfiguredStore, prepareStore } from './store/seed.node.ts';

const root = new URL('./', import.meta.url);

/** Loads the built Astro app (dist/server/entry.mjs) as a Request → Response renderer. */
export async function loadRenderPage(): Promise<RenderPage> {
  const entry = new URL('dist/server/entry.mjs', root);
  const { app } = (await import(entry.href)) as {
    app: { match(request: Request): unknown; render(request: Request, options: object): Promise<Response> };
  };
  return (request, locals) => app.render(request, { locals, addCookieHeader: true, routeData: app.match(request) });
}

/** Hashed build assets never change under the same name: cache them for a year. */
export function staticAssets(): MiddlewareHandler {
  const serve = serveStatic({ root: new URL('dist/client', root).pathname });
  return async (c, next) => {
    const response = await serve(c, next);
    if (response?.status === 200) response.headers.set('Cache-Control', 'public, max-age=31536000, immutable');
    return response;
  };
}

export interface RunningServer {
  url: string;
  port: number;
  server: ServerType;
  close(): Promise<void>;
}

/** Serves the site and API for `store` on `port` (0 picks a free one). Used by main, tests and benchmarks. */
export async function listen(options: {
  store: Store;
  log: Log;
  port: number;
  host?: string;
  publicBaseUrl?: string;
  search?: SearchSetup;
  /** Behind one trusted reverse proxy: the client is the last address it appended to X-Forwarded-For. */
  trustProxy?: boolean;
}): Promise<RunningServer> {
  const search = options.search ?? createSearch(options.store.db);
  const views = createViewCounter(options.store);
  const app = createWebApp({
    views,
    remoteAddress: (c) => {
      if (options.trustProxy) {
        const forwarded = c.req.header('X-Forwarded-For')?.split(',').map((part) => part.trim()).filter(Boolean);
        if (forwarded && forwarded.length > 0) return forwarded[forwarded.length - 1];
      }
      return getConnInfo(c).remote.address;
    },
    store: options.store,
    search: search.engine,
    log: options.log,
    renderPage: await loadRenderPage(),
    staticAssets: staticAssets(),
    compression: compressResponses(),
    publicBaseUrl: options.publicBaseUrl,
  });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, (info: AddressInfo) => {
      const timers = scheduleWork(
        [
          { name: 'search sync', everyMs: 5_000, run: search.sync },
          { name: 'page views', everyMs: 60_000, run: views.flush },
          { name: 'search prune', everyMs: 86_400_000, run: search.prune },
        ],
        options.log,
      );
      resolve({
        url: `http://localhost:${info.port}`,
        port: info.port,
        server,
        close: () =>
          new Promise((done) => {
            timers.forEach((timer) => clearInterval(timer));
            server.close(() => void views.flush().catch(() => undefined).finally(() => done()));
          }),
      });
    });
    server.once('error', reject);
  });
}

/**
 * Scheduled work on Node (a cron trigger calls the same functions on Workers): the search outbox
 * every few seconds, housekeeping daily. A run never overlaps the previous one.
 */
function scheduleWork(jobs: { name: string; everyMs: number; run: () => Promise<void> }[], log: Log): ReturnType<typeof setInterval>[] {
  return jobs.map(({ name, everyMs, run }) => {
    let running = false;
    const timer = setInterval(async () => {
      if (running) return;
      running = true;
      try {
        await run();
      } catch (error) {
        log.error(`scheduled ${name} failed`, { error: error instanceof Error ? error.message : String(error) });
      } finally {
        running = false;
      }
    }, everyMs);
    timer.unref();
    return timer;
  });
}

/** `npm start`: configuration, store (migrated and seeded), then the server. */
export async function main(): Promise<void> {
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  let store: Store;
  try {
    store = await openConfiguredStore(config);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  const prepared = await prepareStore(store);
  if (prepared.migrationsApplied.length > 0) console.log(`Base de datos actualizada (${prepared.migrationsApplied.length} migraciones).`);
  if (prepared.seeded > 0) console.log(`Catálogo inicial cargado: ${prepared.seeded} trámites.`);
  if ((await countAdmins(store.db)) === 0) {
    // First start: someone must be able to sign in. The password is shown once and must be changed.
    const { person, oneTimePassword } = await createPerson(store, { email: 'admin@localhost.local', name: 'Administración', role: 'admin' }, null);
    console.log(`Primera cuenta de administración: ${person.email}\nContraseña de un solo uso (cámbiela al entrar; no se volverá a mostrar):\n${oneTimePassword}`);
  }
  let running: RunningServer;
  try {
    const search = createSearch(store.db, config.MEILI_URL ? { url: config.MEILI_URL, apiKey: config.MEILI_API_KEY } : undefined);
    running = await listen({ store, log: consoleLog, port: config.PORT, host: config.HOST, publicBaseUrl: config.PUBLIC_BASE_URL, search, trustProxy: config.TRUST_PROXY });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`El puerto ${config.PORT} ya está en uso. Cierre el otro programa o elija otro puerto: PORT=4322 npm start`);
    } else if ((error as NodeJS.ErrnoException).code === 'EACCES') {
      console.error(`No hay permiso para usar el puerto ${config.PORT}. Elija uno mayor que 1024: PORT=4321 npm start`);
    } else {
      throw error;
    }
    store.close();
    process.exit(1);
  }
  console.log(`Portal de trámites listo en ${running.url}${config.MEILI_URL ? ' (búsqueda: Meilisearch, con respaldo integrado)' : ''}`);
  const stop = async () => {
    await running.close();
    store.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.main) await main();
