import type { Context, MiddlewareHandler } from 'hono';
import type { UserFromGetMe } from 'grammy/types';
import { storeOptOuts } from '../bot/channels/sms.ts';
import { createTelegramBot, defaultBotInfo, type TelegramChannel } from '../bot/channels/telegram.ts';
import type { DeliveryDeps } from '../bot/delivery.ts';
import { step } from '../bot/engine/engine.ts';
import { createBotRunner } from '../bot/runner.ts';
import { createSearch, type SearchSetup } from '../search/select.ts';
import type { Store } from '../store/db.ts';
import type { BotChannelsDeps } from './bot/webhooks.ts';
import { createViewCounter, type ViewCounter } from './catalog/views.ts';
import type { Config } from './config.ts';
import type { Branding } from './env.ts';
import type { Log } from './errors.ts';
import type { LiveQueueOptions } from './reports/workspace.ts';
import { createJobRecorder, scheduledJobs, type JobRecorder, type ScheduledJob } from './scheduled-jobs.ts';
import { createMetrics, type Metrics } from './system/metrics.ts';
import { createWebApp, type RenderPage } from './web-app.ts';

/**
 * The whole portal, assembled once for a store: the web app (site, API, webhooks), the bot's
 * channels, the notifications delivery and the scheduled jobs. The same assembly runs on Node
 * (server.node.ts, with a timer for the jobs) and on Workers (worker.ts, with a cron trigger);
 * only what the runtime must provide is passed in.
 */

/** The bot's channels as configured (TELEGRAM_*, TWILIO_*); absent parts are off. */
export interface BotChannelsConfig {
  telegram?: { token: string; webhookSecret: string; botInfo?: UserFromGetMe; apiRoot?: string };
  /** TELEGRAM_BOT_TOKEN without PUBLIC_BASE_URL: no webhook can reach us, so poll (Node only). */
  telegramPolling?: boolean;
  twilio?: { authToken: string; accountSid?: string; from?: string; apiRoot?: string };
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

export interface PortalOptions {
  store: Store;
  log: Log;
  renderPage: RenderPage;
  search?: SearchSetup;
  /** PUBLIC_BASE_URL. Without it, links name `localBaseUrl`. */
  publicBaseUrl?: string;
  localBaseUrl: string;
  /** The peer address of a request (Node's socket, or the header the platform sets). */
  remoteAddress?: (c: Context) => string | undefined;
  passwordIterations?: number;
  /** Days a closed case keeps its contact (CONTACT_RETENTION_DAYS, default 90). */
  contactRetentionDays?: number;
  /** SITE_NAME, SITE_BANNER, SITE_FOOTER (brandingFromConfig in api/config.ts). */
  branding?: Branding;
  botChannels?: BotChannelsConfig;
  /** Runtime parts of the web app: static files and compression on Node; Workers leave them to the platform. */
  staticAssets?: MiddlewareHandler;
  compression?: MiddlewareHandler;
  /** The cache of whole /api/search answers (default on). */
  searchCache?: boolean;
  /** How the live queues' event streams poll and how long one lasts (Workers keep them short). */
  liveQueue?: LiveQueueOptions;
  /** Operations: METRICS_TOKEN (GET /metrics is off without it). */
  metricsToken?: string;
  /** Operations: one JSON line per request goes to this log (the server's and the Worker's own); none without it. */
  requestLog?: Log;
  /** Operations: the daily backup job (Node with a local store and BACKUP_DIR; server.node.ts). */
  backup?: () => Promise<void>;
}

export interface Portal {
  app: ReturnType<typeof createWebApp>;
  jobs: ScheduledJob[];
  search: SearchSetup;
  views: ViewCounter;
  /** The Telegram bot and its replies' delivery, when TELEGRAM_BOT_TOKEN is set. */
  telegram?: TelegramChannel;
  /** The bot to run by long polling (no PUBLIC_BASE_URL for a webhook). */
  polling?: TelegramChannel['bot'];
  /** Case notifications on Telegram and SMS, when a channel can send. */
  delivery?: DeliveryDeps;
  /** Operations: this process's counters for /metrics, and where job runs are recorded. */
  metrics: Metrics;
  jobRecorder: JobRecorder;
}

export function createPortal(options: PortalOptions): Portal {
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
  const twilio = channels.twilio;
  const delivery: DeliveryDeps | undefined =
    channels.telegram || (twilio?.accountSid && twilio.from)
      ? {
          store: options.store,
          optOuts,
          log: options.log,
          publicBaseUrl: options.publicBaseUrl ?? options.localBaseUrl,
          telegram: channels.telegram,
          twilio:
            twilio?.accountSid && twilio.from
              ? { accountSid: twilio.accountSid, authToken: twilio.authToken, from: twilio.from, apiRoot: twilio.apiRoot }
              : undefined,
        }
      : undefined;
  const metrics = createMetrics({ now: () => options.store.clock.now() });
  const app = createWebApp({
    metrics,
    metricsToken: options.metricsToken,
    requestLog: options.requestLog,
    views,
    contactRetentionDays: options.contactRetentionDays,
    branding: options.branding,
    remoteAddress: options.remoteAddress,
    passwordIterations: options.passwordIterations,
    store: options.store,
    search: search.engine,
    log: options.log,
    renderPage: options.renderPage,
    staticAssets: options.staticAssets,
    compression: options.compression,
    publicBaseUrl: options.publicBaseUrl,
    bot,
    localBaseUrl: options.localBaseUrl,
    liveQueue: options.liveQueue,
    searchCache: options.searchCache,
  });
  const jobs = scheduledJobs({
    store: options.store,
    search,
    views,
    contactRetentionDays: options.contactRetentionDays,
    delivery,
    telegramReplies: telegram?.replies,
    backup: options.backup,
  });
  const jobRecorder = createJobRecorder({ store: options.store, metrics, log: options.log });
  return { app, jobs, search, views, telegram, polling: channels.telegramPolling ? telegram?.bot : undefined, delivery, metrics, jobRecorder };
}
