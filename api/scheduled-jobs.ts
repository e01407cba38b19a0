import type { TelegramReplies } from '../bot/channels/telegram-replies.ts';
import { deliverReportNotifications, type DeliveryDeps } from '../bot/delivery.ts';
import type { SearchSetup } from '../search/select.ts';
import type { Store } from '../store/db.ts';
import { systemClock } from '../store/clock.ts';
import { pruneExpired } from '../store/housekeeping.ts';
import { DEFAULT_CONTACT_RETENTION_DAYS, escalateOverdue, purgeClosedContacts } from '../store/reports/handling.ts';
import { weeklyReportsDue } from '../store/transparency/weekly.ts';
import { flushSearchCounts } from '../store/search-analytics/analytics.ts';
import { compactSearchIndexIfFragmented } from '../store/catalog/search-compaction.ts';
import { errorKind, recordJobRun } from '../store/operations/job-runs.ts';
import type { ViewCounter } from './catalog/views.ts';
import type { Log } from './errors.ts';
import type { Metrics } from './system/metrics.ts';

/**
 * Work that runs on a schedule rather than on a request. One list, run by a timer on Node
 * (server.node.ts) and by a cron trigger on Workers: search sync, SLA escalations, the contact
 * retention purge, housekeeping (the weekly report joins here).
 */
export interface ScheduledJob {
  name: string;
  /** How often it should run. */
  everyMs: number;
  run(): Promise<void>;
}

export function scheduledJobs(deps: {
  store: Store;
  search: SearchSetup;
  views?: ViewCounter;
  contactRetentionDays?: number;
  /** Case notifications on Telegram and SMS, when a channel is configured. */
  delivery?: DeliveryDeps;
  /** The bot's answers on Telegram: sent right after each webhook; this picks up what is left (a restart, a retry). */
  telegramReplies?: TelegramReplies;
  /**
   * Takes today's backup into BACKUP_DIR if it is not there yet, then prunes old copies
   * (store/operations/daily-backup.node.ts). Node only, with a local file store: passed in by
   * server.node.ts, since this list is also bundled for Workers (Turso keeps its own history).
   */
  backup?: () => Promise<void>;
}): ScheduledJob[] {
  const jobs: ScheduledJob[] = [
    { name: 'search sync', everyMs: 5_000, run: () => deps.search.sync() },
    { name: 'search prune', everyMs: 86_400_000, run: () => deps.search.prune() },
    // Edits and imports split the embedded index into segments, which every search then visits;
    // merged back in small steps (at most 100 of 200 pages a run; a long merge goes on next time).
    { name: 'search compaction', everyMs: 600_000, run: async () => void (await compactSearchIndexIfFragmented(deps.store, { maxSteps: 100 })) },
    { name: 'housekeeping', everyMs: 3_600_000, run: () => pruneExpired(deps.store) },
    // Last week's follow-up reports, built once on Monday (or on the first run after a missed one).
    { name: 'weekly report', everyMs: 3_600_000, run: async () => void (await weeklyReportsDue(deps.store)) },
    // The shortest promise is 5 minutes (emergencies): checked every 30 s, an overdue case is escalated within a minute.
    { name: 'report escalations', everyMs: 30_000, run: async () => void (await escalateOverdue(deps.store)) },
    {
      name: 'contact retention',
      everyMs: 3_600_000,
      run: async () => void (await purgeClosedContacts(deps.store, deps.contactRetentionDays ?? DEFAULT_CONTACT_RETENTION_DAYS)),
    },
  ];
  if (deps.delivery) {
    const delivery = deps.delivery;
    jobs.push({ name: 'case notifications', everyMs: 5_000, run: async () => void (await deliverReportNotifications(delivery)) });
  }
  if (deps.telegramReplies) {
    const replies = deps.telegramReplies;
    jobs.push({ name: 'telegram replies', everyMs: 2_000, run: async () => void (await replies.drain()) });
  }
  jobs.push({ name: 'search analytics', everyMs: 60_000, run: () => flushSearchCounts(deps.store) });
  if (deps.views) jobs.push({ name: 'page views', everyMs: 60_000, run: () => deps.views!.flush() });
  // Checked hourly, so a copy is taken within the hour after midnight or after a start.
  if (deps.backup) jobs.push({ name: 'backup', everyMs: 3_600_000, run: deps.backup });
  return jobs;
}

/**
 * The jobs due at a cron tick (Workers, every minute): those that run at least once a minute,
 * every time; the others in the minute their period starts (hourly ones at minute 0, daily ones
 * at 00:00 UTC). Stateless: no isolate remembers a previous run.
 */
export function jobsDue(jobs: ScheduledJob[], scheduledTime: number): ScheduledJob[] {
  const minute = Math.floor(scheduledTime / 60_000) * 60_000;
  return jobs.filter((job) => job.everyMs <= 60_000 || minute % job.everyMs < 60_000);
}

/**
 * Where job runs go: counted in /metrics and kept in the store (`job_runs`) for /api/health.
 * Jobs that run every few seconds would write and log every few seconds: their run is kept and
 * logged when its outcome changes, or a minute after the last time; every failure is logged.
 */
export interface JobRecorder {
  record(run: { job: ScheduledJob; startedAt: Date; seconds: number; error?: unknown }): Promise<void>;
}

export function createJobRecorder(deps: { store: Store; metrics?: Metrics; log: Log }): JobRecorder {
  const lastKept = new Map<string, { at: number; ok: boolean }>();
  return {
    async record({ job, startedAt, seconds, error }) {
      const ok = error === undefined;
      deps.metrics?.observeJob({ job: job.name, seconds, ok });
      const previous = lastKept.get(job.name);
      // Throttled on elapsed time, not the store's clock: it limits writes and lines per real minute.
      const at = performance.now();
      const due = job.everyMs >= 60_000 || !previous || previous.ok !== ok || at - previous.at >= 60_000;
      if (!ok) deps.log.error('job', { job: job.name, status: 'failed', duration_ms: Math.round(seconds * 1000), error: errorKind(error) });
      else if (due) deps.log.info('job', { job: job.name, status: 'ok', duration_ms: Math.round(seconds * 1000) });
      if (!due) return;
      lastKept.set(job.name, { at, ok });
      await recordJobRun(deps.store, {
        job: job.name,
        ok,
        startedAt: startedAt.toISOString(),
        durationMs: seconds * 1000,
        errorKind: ok ? undefined : errorKind(error),
      }).catch(() => undefined); // a store that cannot take the record is already what the failure says
    },
  };
}

/**
 * Runs one job, logging (without personal data) instead of throwing: one job's failure stops no
 * other. With a recorder, its outcome and duration go to metrics and the store.
 */
export async function runJob(job: ScheduledJob, log: Log, recorder?: JobRecorder, clock: () => Date = systemClock.now): Promise<void> {
  const startedAt = clock();
  const started = performance.now();
  let failure: unknown;
  try {
    await job.run();
  } catch (error) {
    failure = error ?? new Error('job failed');
    if (!recorder) log.error(`scheduled ${job.name} failed`, { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
  if (recorder) await recorder.record({ job, startedAt, seconds: (performance.now() - started) / 1000, error: failure });
}

/**
 * The Node timer: each job every `everyMs` (scaled by `speed` in tests), never overlapping its
 * previous run. Every write a job makes goes through the store's one write queue, so a job never
 * blocks the event loop waiting for a lock held by a request. Returns a function that stops them.
 */
export function startJobTimers(jobs: ScheduledJob[], log: Log, options: { speed?: number; recorder?: JobRecorder; clock?: () => Date } = {}): () => void {
  const timers = jobs.map((job) => {
    let running = false;
    const timer = setInterval(
      async () => {
        if (running) return;
        running = true;
        await runJob(job, log, options.recorder, options.clock);
        running = false;
      },
      Math.max(1, Math.round(job.everyMs / (options.speed ?? 1))),
    );
    timer.unref();
    return timer;
  });
  return () => timers.forEach((timer) => clearInterval(timer));
}
