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
import { CACHE_CONTROL } from './api/edge/http-cache.ts';
import { scheduledJobs, startJobTimers } from './api/scheduled-jobs.ts';
import type { BotChannelsDeps } from './api/bot/webhooks.ts';
import { storeOptOuts } from './bot/channels/sms.ts';
import { createTelegramBot, defaultBotInfo } from './bot/channels/telegram.ts';
import { flushSearchCounts } from './store/search-analytics/analytics.ts';
import type { DeliveryDeps } from './bot/delivery.ts';
import { step } from './bot/engine/engine.ts';
import { createBotRunner } from './bot/runner.ts';
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
    if (response?.status === 200) response.headers.set('Cache-Control', CACHE_CONTROL.immutable);
    return response;
  };
}

/** The bot's channels as configured (TELEGRAM_*, TWILIO_*); absent parts are off. */
export interface BotChannelsConfig {
  telegram?: NonNullable<BotChannelsDeps['telegram']>;
  /** TELEGRAM_BOT_TOKEN without PUBLIC_BASE_URL: no webhook can reach us, so poll. */
  telegramPolling?: boolean;
  twilio?: NonNullable<BotChannelsDeps['twilio']>;
}

/** Reads the bot's channels from the configuration; throws a message naming the variable when one is missing. */
export function botChannelsFromConfig(config: Config): BotChannelsConfig {
  const channels: BotChannelsConfig = {};
  if (config.TELEGRAM_BOT_TOKEN) {
    const botInfo = defaultBotInfo(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_BOT_INFO);
    if (config.PUBLIC_BASE_URL && !config.TELEGRAM_WEBHOOK_SECRET)
      throw new Error('Falta TELEGRAM_WEBHOOK_SECRET: el webhook de Telegram necesita un token secreto (1 a 256 caracteres A-Z, a-z, 0-9, _ y -).');
    channels.telegram = { token: config.TELEGRAM_BOT_TOKEN, webhookSecret: config.TELEGRAM_WEBHOOK_SECRET ?? '', botInfo, apiRoot: config.TELEGRAM_API_ROOT };
    channels.telegramPolling = !config.PUBLIC_BASE_URL;
  }
  if (config.TWILIO_AUTH_TOKEN) {
    channels.twilio = { authToken: config.TWILIO_AUTH_TOKEN, accountSid: config.TWILIO_ACCOUNT_SID, from: config.TWILIO_FROM, apiRoot: config.TWILIO_API_ROOT };
  }
  return channels;
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
  /** Runs scheduled jobs this many times faster (tests); 0 runs none. */
  jobSpeed?: number;
  passwordIterations?: number;
  /** Days a closed case keeps its contact (CONTACT_RETENTION_DAYS, default 90). */
  contactRetentionDays?: number;
  /** The bot's Telegram and SMS channels (the web chat is always on). */
  botChannels?: BotChannelsConfig;
}): Promise<RunningServer> {
  const search = options.search ?? createSearch(options.store);
  const views = createViewCounter(options.store);
  const channels = options.botChannels ?? {};
  const runner = createBotRunner({ store: options.store, search: search.engine, step, publicBaseUrl: options.publicBaseUrl, log: options.log });
  const optOuts = storeOptOuts(options.store);
  const telegram = channels.telegram ? createTelegramBot({ ...channels.telegram, store: options.store, runner, log: options.log }) : undefined;
  const bot: BotChannelsDeps = {
    runner,
    optOuts,
    telegram: channels.telegramPolling || !channels.telegram ? undefined : { ...channels.telegram, channel: telegram },
    twilio: channels.twilio,
  };
  const polling = channels.telegramPolling ? telegram?.bot : undefined;
  const twilio = channels.twilio;
  const delivery: DeliveryDeps | undefined =
    channels.telegram || (twilio?.accountSid && twilio.from)
      ? {
          store: options.store,
          optOuts,
          log: options.log,
          publicBaseUrl: options.publicBaseUrl ?? `http://localhost:${options.port || 4321}`,
          telegram: channels.telegram,
          twilio:
            twilio?.accountSid && twilio.from
              ? { accountSid: twilio.accountSid, authToken: twilio.authToken, from: twilio.from, apiRoot: twilio.apiRoot }
              : undefined,
        }
      : undefined;
  const app = createWebApp({
    views,
    contactRetentionDays: options.contactRetentionDays,
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
    store: options.store,
    search: search.engine,
    log: options.log,
    renderPage: await loadRenderPage(),
    staticAssets: staticAssets(),
    compression: compressResponses(),
    publicBaseUrl: options.publicBaseUrl,
    bot,
    // Without PUBLIC_BASE_URL, links name the server's own local address, never a request's Host.
    localBaseUrl: `http://localhost:${options.port || 4321}`,
  });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, (info: AddressInfo) => {
      const stopJobs =
        options.jobSpeed === 0
          ? () => undefined
          : startJobTimers(
              scheduledJobs({
                store: options.store,
                search,
                views,
                contactRetentionDays: options.contactRetentionDays,
                delivery,
                telegramReplies: telegram?.replies,
              }),
              options.log,
              {
                speed: options.jobSpeed,
              },
            );
      // Webhook mode: tell Telegram where to post, with the secret it must send back. Idempotent, so
      // every start does it; a failure (no network yet) is logged and the webhook keeps answering.
      if (telegram && bot.telegram?.webhookSecret && options.publicBaseUrl)
        void telegram.bot.api
          .setWebhook(new URL('/api/telegram/webhook', options.publicBaseUrl).href, {
            secret_token: bot.telegram.webhookSecret,
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
  try {
    const search = createSearch(store, config.MEILI_URL ? { url: config.MEILI_URL, apiKey: config.MEILI_API_KEY } : undefined);
    running = await listen({
      store,
      log: consoleLog,
      port: config.PORT,
      host: config.HOST,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      search,
      trustProxy: config.TRUST_PROXY,
      contactRetentionDays: config.CONTACT_RETENTION_DAYS,
      botChannels,
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
