import { Hono } from 'hono';
import type { Store } from '../../store/db.ts';
import { systemClock } from '../../store/clock.ts';
import { backupStatus, listJobRuns } from '../../store/operations/job-runs.ts';
import { appliedSchemaVersion, SCHEMA_VERSION } from '../../store/schema-version.ts';

/**
 * What the people who run the portal watch, in the Prometheus text format (version 0.0.4), at
 * `GET /metrics` behind `Authorization: Bearer METRICS_TOKEN`. Counters and histograms of this
 * process (requests, jobs) are kept in memory; figures of the store (outbox, reports, backups,
 * last job runs) are read from it at each scrape, so every process reports the same.
 *
 * No label carries personal data: routes are the route's pattern (`/api/reports/:code`, never
 * the code), pages only their section, and every other label comes from a fixed list in code
 * (queues, outbox kinds, job names) or is a number.
 */

const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900];

type Labels = Record<string, string>;

/** A label value as the text format wants it: backslash, quote and newline escaped. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`;
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** A label value from the store (outbox kinds, queues, job names) kept only if it looks like one of ours. */
function safeName(value: unknown): string {
  const text = String(value);
  return /^[a-z0-9][a-z0-9 ._-]{0,40}$/i.test(text) ? text : 'otro';
}

/**
 * A map key for a set of labels, per request: cheap (no escaping, that is done once at render).
 * Label values are ours (route patterns, methods, statuses, names), never a control character.
 */
function labelKey(labels: Labels): string {
  let key = '';
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

class Counter {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  inc(labels: Labels, by = 1): void {
    const key = labelKey(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }
}

class Histogram {
  readonly values = new Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>();
  readonly bounds: number[];
  constructor(bounds: number[]) {
    this.bounds = bounds;
  }
  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let entry = this.values.get(key);
    if (!entry) {
      entry = { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.values.set(key, entry);
    }
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]) entry.buckets[i]++;
    entry.sum += value;
    entry.count++;
  }
}

/** Lines of one metric family. */
class Family {
  readonly lines: string[] = [];
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  constructor(name: string, help: string, type: 'counter' | 'gauge' | 'histogram') {
    this.name = name;
    this.help = help;
    this.type = type;
  }
  sample(labels: Labels, value: number, suffix = ''): this {
    this.lines.push(`${this.name}${suffix}${labelText(labels)} ${numberText(value)}`);
    return this;
  }
  text(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines].join('\n');
  }
}

function counterFamily(name: string, help: string, counter: Counter): Family {
  const family = new Family(name, help, 'counter');
  for (const { labels, value } of counter.values.values()) family.sample(labels, value);
  return family;
}

function histogramFamily(name: string, help: string, histogram: Histogram): Family {
  const family = new Family(name, help, 'histogram');
  for (const { labels, buckets, sum, count } of histogram.values.values()) {
    histogram.bounds.forEach((bound, i) => family.sample({ ...labels, le: numberText(bound) }, buckets[i], '_bucket'));
    family.sample({ ...labels, le: '+Inf' }, count, '_bucket');
    family.sample(labels, sum, '_sum');
    family.sample(labels, count, '_count');
  }
  return family;
}

/** The webhooks whose requests are counted apart: the channel each serves. */
const WEBHOOK_ROUTES: Record<string, string> = {
  '/api/telegram/webhook': 'telegram',
  '/api/sms/twilio': 'sms',
  '/api/sms/twilio/status': 'sms_estado',
};

export interface Metrics {
  /** One answered request: `route` is the route's pattern or the page's section, never the path. */
  observeRequest(request: { route: string; method: string; status: number; seconds: number }): void;
  /** One run of a scheduled job. */
  observeJob(run: { job: string; seconds: number; ok: boolean }): void;
  /** The whole text: this process's counters, then the store's figures. */
  render(store: Store): Promise<string>;
}

/**
 * The metrics of one process (one per portal; no module-level registry).
 *
 * @example const metrics = createMetrics(); metrics.observeRequest({ route: '/api/search', method: 'GET', status: 200, seconds: 0.012 })
 */
export function createMetrics(options: { now?: () => Date } = {}): Metrics {
  const now = options.now ?? systemClock.now;
  const requests = new Counter();
  const latency = new Histogram(REQUEST_BUCKETS);
  const webhooks = new Counter();
  const jobRuns = new Counter();
  const jobDuration = new Histogram(JOB_BUCKETS);
  return {
    observeRequest({ route, method, status, seconds }) {
      requests.inc({ route, method, status: String(status) });
      latency.observe({ route, method }, seconds);
      const channel = WEBHOOK_ROUTES[route];
      if (channel && method === 'POST') webhooks.inc({ channel, outcome: status < 400 ? 'ok' : status < 500 ? 'rechazado' : 'error' });
    },
    observeJob({ job, seconds, ok }) {
      jobRuns.inc({ job, outcome: ok ? 'ok' : 'failed' });
      jobDuration.observe({ job }, seconds);
    },
    async render(store) {
      const families = [
        counterFamily('portal_http_requests_total', 'Solicitudes atendidas, por ruta, método y estado HTTP.', requests),
        histogramFamily('portal_http_request_duration_seconds', 'Duración de las solicitudes, por ruta y método.', latency),
        counterFamily('portal_webhook_requests_total', 'Webhooks recibidos (Telegram, SMS), por canal y resultado.', webhooks),
        counterFamily('portal_job_runs_total', 'Ejecuciones de tareas programadas en este proceso, por tarea y resultado.', jobRuns),
        histogramFamily('portal_job_duration_seconds', 'Duración de las tareas programadas en este proceso.', jobDuration),
        ...(await storeFamilies(store, now())),
      ];
      return `${families.map((family) => family.text()).join('\n')}\n`;
    },
  };
}

/** Figures read from the store at scrape time. A store that does not answer is `portal_store_up 0`, not an error. */
async function storeFamilies(store: Store, now: Date): Promise<Family[]> {
  const up = new Family('portal_store_up', 'La base de datos responde (1) o no (0).', 'gauge');
  try {
    await store.db.execute('SELECT 1');
  } catch {
    return [up.sample({}, 0)];
  }
  up.sample({}, 1);
  const seconds = (iso: unknown) => (iso === null || iso === undefined ? NaN : Date.parse(String(iso)) / 1000);
  const nowSeconds = now.getTime() / 1000;
  const schema = new Family('portal_schema_version', 'Versión del esquema aplicada a la base y la que espera este código.', 'gauge')
    .sample({ which: 'aplicada' }, await appliedSchemaVersion(store.db))
    .sample({ which: 'esperada' }, SCHEMA_VERSION);

  const outbox = new Family('portal_outbox_rows', 'Filas de la bandeja de salida por tipo y estado (sent = entregadas, failed = fallidas).', 'gauge');
  const oldest = new Family('portal_outbox_oldest_pending_age_seconds', 'Antigüedad de la fila pendiente más vieja, por tipo.', 'gauge');
  const rows = await store.db.execute('SELECT kind, state, count(*) AS n, min(created_at) AS oldest FROM outbox GROUP BY kind, state');
  for (const row of rows.rows) {
    outbox.sample({ kind: safeName(row.kind), state: safeName(row.state) }, Number(row.n));
    if (row.state === 'pending') oldest.sample({ kind: safeName(row.kind) }, Math.max(0, nowSeconds - seconds(row.oldest)));
  }

  const open = new Family('portal_reports_open', 'Casos abiertos por cola.', 'gauge');
  const overdue = new Family('portal_reports_overdue', 'Casos abiertos con el plazo vencido, por cola.', 'gauge');
  const reports = await store.db.execute({
    sql: 'SELECT queue, count(*) AS n, coalesce(sum(due_at IS NOT NULL AND due_at < ?), 0) AS late FROM reports WHERE is_open = 1 GROUP BY queue',
    args: [now.toISOString()],
  });
  for (const queue of ['emergencias', '198', 'quejas']) {
    const row = reports.rows.find((candidate) => candidate.queue === queue);
    open.sample({ queue }, Number(row?.n ?? 0));
    overdue.sample({ queue }, Number(row?.late ?? 0));
  }

  const backups = await backupStatus(store.db);
  const backup = new Family(
    'portal_backup_last_success_timestamp_seconds',
    'Hora (Unix) de la última copia de seguridad correcta; NaN si nunca hubo.',
    'gauge',
  ).sample({}, seconds(backups.lastOk?.finishedAt));
  const backupOk = new Family('portal_backup_last_attempt_ok', 'El último intento de copia salió bien (1), falló (0) o no hubo (NaN).', 'gauge').sample(
    {},
    backups.lastAttempt ? (backups.lastAttempt.ok ? 1 : 0) : NaN,
  );

  const jobOk = new Family('portal_job_last_run_ok', 'La última ejecución de cada tarea salió bien (1) o falló (0).', 'gauge');
  const jobLastOk = new Family('portal_job_last_success_timestamp_seconds', 'Hora (Unix) de la última ejecución correcta de cada tarea.', 'gauge');
  const jobLast = new Family('portal_job_last_duration_seconds', 'Duración de la última ejecución de cada tarea.', 'gauge');
  for (const run of await listJobRuns(store.db)) {
    const job = safeName(run.job);
    jobOk.sample({ job }, run.lastStatus === 'ok' ? 1 : 0);
    jobLastOk.sample({ job }, seconds(run.lastOkAt));
    jobLast.sample({ job }, run.lastDurationMs / 1000);
  }
  return [up, schema, outbox, oldest, open, overdue, backup, backupOk, jobOk, jobLastOk, jobLast];
}

/** Compares two strings in time that does not depend on where they differ. */
function sameSecret(given: string, expected: string): boolean {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= (a[i] ?? 0) ^ b[i];
  return difference === 0;
}

/**
 * `GET /metrics`. Without METRICS_TOKEN it is off (404); with it, a request without the right
 * `Authorization: Bearer …` gets 401 and nothing else.
 */
export function metricsRoutes(options: { store: Store; metrics: Metrics; token?: string }) {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    c.header('Cache-Control', 'no-store');
    if (!options.token) return c.text('Las métricas están desactivadas: defina METRICS_TOKEN para activarlas.', 404);
    const given = /^Bearer\s+(.+)$/i.exec(c.req.header('Authorization') ?? '')?.[1]?.trim() ?? '';
    if (!sameSecret(given, options.token)) {
      c.header('WWW-Authenticate', 'Bearer realm="metrics"');
      return c.text('Falta el token de métricas o no es válido (cabecera Authorization: Bearer METRICS_TOKEN).', 401);
    }
    return c.body(await options.metrics.render(options.store), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return app;
}
