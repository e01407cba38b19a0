// The portal on Cloudflare Workers: the same Hono app and Astro pages as server.node.ts, over a
// remote libSQL store (Turso, or sqld) through @libsql/client's web build, with the scheduled jobs
// on a cron trigger. What differs from Node is only what the platform provides: the client's
// address (CF-Connecting-IP), static files (the assets binding, before the Worker), compression
// (Cloudflare's edge), and `waitUntil` for work that outlives a response.
//
// Built by `npm run worker:build` (bin/build-worker.mjs) after the Astro build; configured in
// wrangler.toml; secrets and deployment in the README («Cloudflare Workers»).
import type { ExecutionContext } from 'hono';
import { app as astro } from 'portal:astro-app';
import { brandingFromConfig, parseConfig, type Config } from './api/config.ts';
import { createJsonLog } from './api/errors.ts';
import { botChannelsFromConfig, createPortal, type BotChannelsConfig, type Portal } from './api/portal.ts';
import { jobsDue, runJob } from './api/scheduled-jobs.ts';
import type { RenderPage } from './api/web-app.ts';
import { deliverReportNotifications } from './bot/delivery.ts';
import { createSearch } from './search/select.ts';
import { openStore, type Store } from './store/db.ts';
import { appliedSchemaVersion, SCHEMA_VERSION } from './store/schema-version.ts';
import { flushSearchCounts } from './store/search-analytics/analytics.ts';

interface ScheduledController {
  scheduledTime: number;
  cron: string;
}

/** Variables and secrets as wrangler gives them (strings), and the assets binding. */
export type WorkerEnv = Record<string, unknown>;

/** The live queues' streams on Workers: each poll is a subrequest, so a stream lasts 45 s and the page reconnects. */
const LIVE_QUEUE = { pollMs: 3_000, heartbeatMs: 15_000, lifetimeMs: 45_000 };

/** In-memory counts (page views, searches) are written at most this often per isolate. */
const FLUSH_EVERY_MS = 30_000;

/** A configuration or store problem this Worker cannot serve past; the message is for the operator. */
class Unavailable extends Error {}

interface Booted {
  store: Store;
  portal: Portal;
  config: Config;
}

/** One JSON object per line in the Worker's log (README «Operations»): requests, jobs, failures. */
const workerLog = createJsonLog();

const renderPage: RenderPage = (request, locals) => astro.render(request, { locals, addCookieHeader: true, routeData: astro.match(request) });

function stringsOf(env: WorkerEnv): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') strings[name] = value;
  return strings;
}

async function boot(env: WorkerEnv): Promise<Booted> {
  let config: Config;
  try {
    config = parseConfig(stringsOf(env));
  } catch (error) {
    throw new Unavailable((error as Error).message);
  }
  if (!config.DATABASE_URL || config.DATABASE_URL.startsWith('file:')) {
    throw new Unavailable('Falta DATABASE_URL: en Workers es la base libSQL remota (libsql://… de Turso, o https://… de sqld).');
  }
  if (!config.DATA_KEY || !/^[0-9a-f]{64}$/i.test(config.DATA_KEY)) {
    throw new Unavailable('Falta DATA_KEY (64 caracteres hexadecimales), como secreto del Worker: wrangler secret put DATA_KEY.');
  }
  let botChannels: BotChannelsConfig;
  try {
    botChannels = botChannelsFromConfig(config);
  } catch (error) {
    throw new Unavailable((error as Error).message);
  }
  // A Worker only answers requests: Telegram reaches it by webhook, never by long polling.
  if (botChannels.telegram && (!config.PUBLIC_BASE_URL || !config.TELEGRAM_WEBHOOK_SECRET)) {
    throw new Unavailable('Con TELEGRAM_BOT_TOKEN, el Worker necesita PUBLIC_BASE_URL y TELEGRAM_WEBHOOK_SECRET: Telegram solo puede llegarle por webhook.');
  }
  botChannels.telegramPolling = false;
  // No client-side queue of statements (see clientConcurrency): each request's queries start in its
  // own context. The runtime itself caps a request's simultaneous connections.
  const store = await openStore({
    url: config.DATABASE_URL,
    authToken: config.DATABASE_AUTH_TOKEN,
    dataKey: config.DATA_KEY,
    groupCommit: false,
    clientConcurrency: Number.MAX_SAFE_INTEGER,
  });
  const version = await appliedSchemaVersion(store.db);
  if (version !== SCHEMA_VERSION) {
    store.close();
    throw new Unavailable(
      version < SCHEMA_VERSION
        ? `La base de datos está en la versión ${version} y este código necesita la ${SCHEMA_VERSION}: ejecute npm run db:migrate con el DATABASE_URL de este despliegue.`
        : `La base de datos (versión ${version}) es más nueva que este código (versión ${SCHEMA_VERSION}): despliegue la versión que la migró.`,
    );
  }
  const portal = createPortal({
    store,
    log: workerLog,
    renderPage,
    search: createSearch(store, config.MEILI_URL ? { url: config.MEILI_URL, apiKey: config.MEILI_API_KEY } : undefined),
    publicBaseUrl: config.PUBLIC_BASE_URL,
    localBaseUrl: 'http://localhost:8787',
    // Set by Cloudflare at its edge; a client cannot forge it.
    remoteAddress: (c) => c.req.header('CF-Connecting-IP'),
    contactRetentionDays: config.CONTACT_RETENTION_DAYS,
    branding: brandingFromConfig(config),
    botChannels,
    liveQueue: LIVE_QUEUE,
    // Operations: GET /metrics behind METRICS_TOKEN, and one JSON line per request in the Worker's log.
    metricsToken: config.METRICS_TOKEN,
    requestLog: workerLog,
  });
  return { store, portal, config };
}

// One portal per isolate, made on its first request (env is only known then) and reused.
let booting: Promise<Booted> | undefined;
function booted(env: WorkerEnv): Promise<Booted> {
  booting ??= boot(env).catch((error: unknown) => {
    booting = undefined; // the next request tries again (a secret set since, a migration run since)
    throw error;
  });
  return booting;
}

function unavailable(error: unknown, request: Request): Response {
  const message = error instanceof Unavailable ? error.message : 'El servicio no pudo iniciar; intente de nuevo en un momento.';
  workerLog.error('worker start failed', { error: error instanceof Error ? error.name : typeof error, configuration: error instanceof Unavailable });
  const headers = { 'Cache-Control': 'no-store', 'Retry-After': '30' };
  if (new URL(request.url).pathname.startsWith('/api/')) {
    return Response.json({ error: { code: 'unavailable', message } }, { status: 503, headers });
  }
  return new Response(`Servicio no disponible por el momento. ${message}`, {
    status: 503,
    headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
  });
}

let lastFlush = 0;

/** Work a request leaves behind, finished with waitUntil: counts kept in memory, and case notifications an operator just queued. */
function afterwards({ portal, store }: Booted, request: Request, ctx: ExecutionContext): void {
  const now = Date.now();
  if (now - lastFlush >= FLUSH_EVERY_MS) {
    lastFlush = now;
    ctx.waitUntil(
      Promise.all([portal.views.flush(), flushSearchCounts(store)]).catch((error: unknown) =>
        workerLog.error('worker count flush failed', { error: error instanceof Error ? error.name : typeof error }),
      ),
    );
  }
  const path = new URL(request.url).pathname;
  if (portal.delivery && request.method !== 'GET' && (path.startsWith('/admin/casos/') || path.startsWith('/api/admin/reports/'))) {
    const delivery = portal.delivery;
    ctx.waitUntil(deliverReportNotifications(delivery).catch(() => undefined));
  }
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let portal: Booted;
    try {
      portal = await booted(env);
    } catch (error) {
      return unavailable(error, request);
    }
    const response = await portal.portal.app.fetch(request, env, ctx);
    afterwards(portal, request, ctx);
    return response;
  },

  async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { portal } = await booted(env);
    const work = (async () => {
      for (const job of jobsDue(portal.jobs, controller.scheduledTime))
        await runJob(job, workerLog, portal.jobRecorder, () => new Date(controller.scheduledTime));
    })();
    ctx.waitUntil(work);
    await work;
  },
};
