import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';
import { brandingFromConfig, parseConfig, type Config } from './api/config.ts';
import type { Branding } from './api/env.ts';
import { createJsonLog, type Log } from './api/errors.ts';
import type { RenderPage } from './api/web-app.ts';
import { compressResponses } from './api/compression.node.ts';
import { CACHE_CONTROL } from './api/edge/http-cache.ts';
import { startJobTimers } from './api/scheduled-jobs.ts';
import { botChannelsFromConfig, createPortal, type BotChannelsConfig } from './api/portal.ts';
import { flushSearchCounts } from './store/search-analytics/analytics.ts';
import { createSearch, type SearchSetup } from './search/select.ts';
import type { Store } from './store/db.ts';
import { countAdmins, createPerson } from './store/people/people.ts';
import { defaultDatabaseUrl, openConfiguredStore, prepareStore } from './store/seed.node.ts';
import { localDatabasePath } from './store/operations/backup.node.ts';
import { runDailyBackup } from './store/operations/daily-backup.node.ts';

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
    if (response?.status === 200) response.headers.set('Cache-Control', CACHE_CONTROL.immutable);
    return response;
  };
}

export { botChannelsFromConfig, type BotChannelsConfig } from './api/portal.ts';

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
  /** Runs scheduled jobs this many times faster (tests); 0 runs none. */
  jobSpeed?: number;
  passwordIterations?: number;
  /** Days a closed case keeps its contact (CONTACT_RETENTION_DAYS, default 90). */
  contactRetentionDays?: number;
  /** The bot's Telegram and SMS channels (the web chat is always on). */
  botChannels?: BotChannelsConfig;
  /** SITE_NAME, SITE_BANNER, SITE_FOOTER (brandingFromConfig). */
  branding?: Branding;
  /** false: no cache of whole /api/search answers (benchmarks of the engine). */
  searchCache?: boolean;
  /** Operations: METRICS_TOKEN for GET /metrics; `logRequests` writes one JSON line per request to `log`. */
  metricsToken?: string;
  logRequests?: boolean;
  /** Operations: the daily backup of the local store file into `backupDir` (BACKUP_DIR). */
  backup?: { databasePath: string; backupDir: string };
}): Promise<RunningServer> {
  const backup = options.backup;
  const { app, jobs, telegram, polling, views, jobRecorder } = createPortal({
    store: options.store,
    log: options.log,
    search: options.search,
    renderPage: await loadRenderPage(),
    staticAssets: staticAssets(),
    compression: compressResponses(),
    publicBaseUrl: options.publicBaseUrl,
    // Without PUBLIC_BASE_URL, links name the server's own local address, never a request's Host.
    localBaseUrl: `http://localhost:${options.port || 4321}`,
    remoteAddress: (c) => {
      // The proxy appends the address it saw as the LAST hop; earlier hops were written by the
      // client and prove nothing, so the last one is the only one to trust.
      if (options.trustProxy) {
        const forwarded = c.req
          .header('X-Forwarded-For')
          ?.split(',')
          .map((part) => part.trim())
          .filter(Boolean);
        if (forwarded && forwarded.length > 0) return forwarded[forwarded.length - 1];
      }
      return getConnInfo(c).remote.address;
    },
    passwordIterations: options.passwordIterations,
    contactRetentionDays: options.contactRetentionDays,
    branding: options.branding,
    botChannels: options.botChannels,
    searchCache: options.searchCache,
    // Operations (README «Operaciones»): /metrics, request lines, the daily backup.
    metricsToken: options.metricsToken,
    requestLog: options.logRequests ? options.log : undefined,
    backup: backup ? async () => void (await runDailyBackup({ store: options.store, ...backup })) : undefined,
  });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, (info: AddressInfo) => {
      const stopJobs =
        options.jobSpeed === 0
          ? () => undefined
          : startJobTimers(jobs, options.log, { speed: options.jobSpeed, recorder: jobRecorder, clock: () => options.store.clock.now() });
      // Webhook mode: tell Telegram where to post, with the secret it must send back. Idempotent, so
      // every start does it; a failure (no network yet) is logged and the webhook keeps answering.
      if (telegram && !polling && options.botChannels?.telegram?.webhookSecret && options.publicBaseUrl)
        void telegram.bot.api
          .setWebhook(new URL('/api/telegram/webhook', options.publicBaseUrl).href, {
            secret_token: options.botChannels.telegram.webhookSecret,
            allowed_updates: ['message', 'callback_query'],
          })
          .then(() => options.log.info('Telegram: webhook registrado'))
          .catch((error: unknown) => options.log.error('telegram setWebhook failed', { error: error instanceof Error ? error.name : typeof error }));
      // Long polling (no public URL for a webhook): grammY's loop, stopped on close.
      if (polling)
        void polling
          .start({ onStart: () => options.log.info('Telegram: recibiendo mensajes por long polling') })
          .catch((error: unknown) => options.log.error('telegram polling stopped', { error: error instanceof Error ? error.name : typeof error }));
      resolve({
        url: `http://localhost:${info.port}`,
        port: info.port,
        server,
        close: () =>
          new Promise((done) => {
            stopJobs();
            if (polling?.isRunning()) void polling.stop();
            server.close(
              () =>
                void Promise.all([views.flush(), flushSearchCounts(options.store)])
                  .catch(() => undefined)
                  .finally(() => done()),
            );
            // Live queues hold server-sent event streams open for minutes: a shutdown lets requests
            // in flight finish for a few seconds, then ends what is still open (the page reconnects).
            const http = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
            http.closeIdleConnections?.();
            setTimeout(() => http.closeAllConnections?.(), 3_000).unref();
          }),
      });
    });
    server.once('error', reject);
  });
}

/**
 * First start: someone must be able to sign in. The one-time password goes to the terminal only:
 * when the output is not a terminal (a service, a log file), no account is made and the log says
 * how to make one, so the password never sits in a log.
 */
export async function ensureFirstAdmin(store: Store, terminal: { isTTY: boolean; write(text: string): void }): Promise<void> {
  if ((await countAdmins(store.db)) > 0) return;
  if (!terminal.isTTY) {
    console.log('Aún no hay cuenta de administración. Créela desde una terminal: npm run user:create -- --email su-correo@institucion.gob.sv --role admin');
    return;
  }
  const { person, oneTimePassword } = await createPerson(store, { email: 'admin@localhost.local', name: 'Administración', role: 'admin' }, null);
  terminal.write(
    `Primera cuenta de administración: ${person.email}\nContraseña de un solo uso (cámbiela al entrar; no se volverá a mostrar):\n${oneTimePassword}\n`,
  );
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
  let botChannels: BotChannelsConfig;
  try {
    botChannels = botChannelsFromConfig(config);
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
  await ensureFirstAdmin(store, { isTTY: Boolean(process.stdout.isTTY), write: (text) => process.stdout.write(text) });
  let running: RunningServer;
  // One JSON line per request and job (README «Operaciones»): what log collectors read.
  const log = createJsonLog();
  const databasePath = localDatabasePath(config.DATABASE_URL ?? defaultDatabaseUrl());
  if (config.BACKUP_DIR && !databasePath) log.info('BACKUP_DIR ignorado: la base de datos no es un archivo local (Turso y sqld guardan su propio historial)');
  try {
    const search = createSearch(store, config.MEILI_URL ? { url: config.MEILI_URL, apiKey: config.MEILI_API_KEY } : undefined);
    running = await listen({
      store,
      log,
      port: config.PORT,
      host: config.HOST,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      search,
      trustProxy: config.TRUST_PROXY,
      contactRetentionDays: config.CONTACT_RETENTION_DAYS,
      branding: brandingFromConfig(config),
      botChannels,
      metricsToken: config.METRICS_TOKEN,
      logRequests: true,
      backup: config.BACKUP_DIR && databasePath ? { databasePath, backupDir: config.BACKUP_DIR } : undefined,
    });
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
