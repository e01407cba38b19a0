import { CANARY as CANARIES } from '../fixtures/canaries.ts';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLog } from '../../api/errors.ts';
import { listen, type RunningServer } from '../../server.node.ts';
import { backupStatus } from '../../store/operations/job-runs.ts';
import { SCHEMA_VERSION } from '../../store/schema-version.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

/**
 * The signals the people who run the portal read — JSON log lines, /metrics, /api/health/ready —
 * from a real server that takes submissions carrying canary texts (a description, a contact
 * email and phone, a code word, a feedback text, searches, a sign-in). None of the canaries, nor
 * the tracking codes handed out, may appear in any log line or metric.
 */

const TOKEN = 'token-de-metricas-de-prueba-0123456789';
const { text: CANARY, email: EMAIL, phone: PHONE, codeWord: CODE_WORD } = CANARIES;

let t: TestStore;
let server: RunningServer;
const lines: string[] = [];
const codes: string[] = [];
let metricsText = '';
let families: MetricFamily[] = [];

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Everything else the process printed while the server ran (console, stdout, stderr): grepped too. */
const printed: string[] = [];
const restorers: (() => void)[] = [];
function capture(): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      printed.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      original.apply(console, args);
    };
    restorers.push(() => (console[method] = original));
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      printed.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restorers.push(() => (stream.write = original));
  }
}

beforeAll(async () => {
  capture();
  t = await createTestStore('fixture');
  const backupDir = join(mkdtempSync(join(t.dir, 'respaldos-')), 'diarios');
  server = await listen({
    store: t.store,
    log: createJsonLog((line) => lines.push(line)),
    port: 0,
    host: '127.0.0.1',
    passwordIterations: 1000,
    // Hourly jobs (the backup among them) every 1.8 s; the frequent ones every few milliseconds.
    jobSpeed: 2000,
    metricsToken: TOKEN,
    logRequests: true,
    backup: { databasePath: t.url.slice('file:'.length), backupDir },
  });
  const complaint = await post('/api/reports', {
    kind: 'complaint',
    description: `En la ventanilla me pidieron dinero, ${CANARY}, y no me atendieron.`,
    institution: 'rnpn',
    anonymous: false,
    contact: { channel: 'email', value: EMAIL },
  });
  expect(complaint.status).toBe(201);
  codes.push(((await complaint.json()) as { code: string }).code);
  const violence = await post('/api/reports', {
    kind: 'violence',
    description: `Mi pareja me amenaza ${CANARY}`,
    anonymous: false,
    contact: { channel: 'sms', value: PHONE },
    code_word: CODE_WORD,
  });
  expect(violence.status).toBe(201);
  codes.push(((await violence.json()) as { code: string }).code);
  for (const code of codes) {
    await fetch(`${server.url}/api/reports/${code}`);
    await fetch(`${server.url}/api/reports/${code}`, { headers: { 'X-Clave': CODE_WORD } });
    await post(`/api/reports/${code}/messages`, { message: `Sigo esperando ${CANARY}` }, { 'X-Clave': CODE_WORD });
  }
  await fetch(`${server.url}/api/reports/${CANARY.toUpperCase()}`);
  await post('/api/procedures/prueba-pasaporte-renovacion/feedback', { kind: 'not_like_this', message: `Cobran otra cantidad ${CANARY} ${EMAIL}` });
  await fetch(`${server.url}/api/search?q=${encodeURIComponent(`${CANARY} ${EMAIL}`)}`);
  await fetch(`${server.url}/buscar?q=${encodeURIComponent(CANARY)}`);
  await fetch(`${server.url}/seguimiento?codigo=${encodeURIComponent(codes[0])}`);
  await post('/api/admin/login', { email: EMAIL, password: CANARY });
  // Wait for the daily backup job (and the others) to have run and been recorded: the backup keeps
  // its status in the store during its run, and the run is counted in /metrics just after it.
  const scrapeMetrics = () => fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  for (let waited = 0; waited < 20_000; waited += 100) {
    if ((await backupStatus(t.store.db)).lastOk && (await (await scrapeMetrics()).text()).includes('job="backup"')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const scrape = await scrapeMetrics();
  expect(scrape.status).toBe(200);
  expect(scrape.headers.get('Content-Type')).toContain('text/plain; version=0.0.4');
  metricsText = await scrape.text();
  families = parsePrometheusTextFormat(metricsText);
}, 60_000);

afterAll(async () => {
  restorers.forEach((restore) => restore());
  await server?.close();
  t?.cleanup();
});

function family(name: string): MetricFamily {
  const found = families.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no metric family ${name}`);
  return found;
}

/** Every form a secret of the run could take in a line: canaries, the codes with and without hyphens, the phone's digits. */
function secretsIn(text: string): string[] {
  const needles = [CANARY, CANARY.toUpperCase(), EMAIL, encodeURIComponent(EMAIL), CODE_WORD, PHONE, PHONE.replace(/\D/g, ''), '70007731'];
  for (const code of codes) needles.push(code, code.replaceAll('-', ''), code.toLowerCase());
  const lower = text.toLowerCase();
  return needles.filter((needle) => lower.includes(needle.toLowerCase()));
}

describe('logs', () => {
  it('are one JSON object per line, one per request, with route, status, duration and request id only', () => {
    expect(lines.length).toBeGreaterThan(10);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = records.filter((record) => record.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(15);
    for (const record of requests) {
      expect(Object.keys(record).sort()).toEqual(['duration_ms', 'level', 'method', 'msg', 'request_id', 'route', 'status', 'time']);
      expect(record.route).toMatch(/^\/[^?]*$/);
    }
    expect(requests.map((record) => record.route)).toEqual(
      expect.arrayContaining([
        '/api/reports',
        '/api/reports/:code',
        '/api/reports/:code/messages',
        '/api/search',
        '/buscar',
        '/seguimiento',
        '/api/admin/login',
      ]),
    );
    expect(records.some((record) => record.msg === 'job' && record.job === 'backup' && record.status === 'ok')).toBe(true);
  });

  it('never carry a canary text, a contact, a code word or a tracking code', () => {
    expect(lines.filter((line) => secretsIn(line).length > 0)).toEqual([]);
  });

  it('nor does anything else the process printed while the server ran', () => {
    expect(printed.filter((text) => secretsIn(text).length > 0)).toEqual([]);
  });
});

describe('GET /metrics', () => {
  it('parses as Prometheus text with requests by route and status, latency histograms, outbox, open and overdue reports, webhooks, jobs and the last backup', () => {
    const requests = family('portal_http_requests_total');
    expect(requests.type).toBe('COUNTER');
    expect(requests.metrics).toEqual(expect.arrayContaining([expect.objectContaining({ labels: { route: '/api/reports', method: 'POST', status: '201' } })]));
    const latency = family('portal_http_request_duration_seconds');
    expect(latency.type).toBe('HISTOGRAM');
    // The parser folds a labelled histogram's series into one (prom2json's shape), so its series are read from the text.
    expect(Object.keys(latency.metrics[0].buckets ?? {})).toEqual(expect.arrayContaining(['0.1', '+Inf']));
    const searchCount = /^portal_http_request_duration_seconds_count\{route="\/api\/search",method="GET"\} (\d+)$/m.exec(metricsText);
    expect(Number(searchCount?.[1])).toBeGreaterThanOrEqual(1);
    expect(metricsText).toMatch(/^portal_http_request_duration_seconds_bucket\{route="\/api\/search",method="GET",le="\+Inf"\} \d+$/m);
    expect(family('portal_reports_open').metrics).toEqual(
      expect.arrayContaining([
        { labels: { queue: 'quejas' }, value: '1' },
        { labels: { queue: '198' }, value: '1' },
      ]),
    );
    expect(
      family('portal_reports_overdue')
        .metrics.map((metric) => metric.labels?.queue)
        .sort(),
    ).toEqual(['198', 'emergencias', 'quejas']);
    expect(family('portal_outbox_rows').type).toBe('GAUGE');
    expect(family('portal_webhook_requests_total').type).toBe('COUNTER');
    expect(family('portal_job_duration_seconds').type).toBe('HISTOGRAM');
    expect(family('portal_job_runs_total').metrics.map((metric) => metric.labels?.job)).toEqual(expect.arrayContaining(['backup', 'search sync']));
    expect(Number(family('portal_backup_last_success_timestamp_seconds').metrics[0].value)).toBe(Date.parse('2026-11-20T15:00:00.000Z') / 1000);
    expect(family('portal_schema_version').metrics).toEqual(expect.arrayContaining([{ labels: { which: 'aplicada' }, value: String(SCHEMA_VERSION) }]));
  });

  it('carries no phone number, email, code or free text in any label or value', () => {
    expect(secretsIn(metricsText)).toEqual([]);
    const labelValues = families.flatMap((metric) => metric.metrics.flatMap((sample) => Object.values(sample.labels ?? {})));
    for (const value of labelValues) {
      expect(value).not.toMatch(/@|\d{7,}/);
      expect(value.length).toBeLessThanOrEqual(60);
    }
  });

  it('answers 401 without the token or with another, and says nothing else', async () => {
    const attempts: Record<string, string>[] = [{}, { Authorization: 'Bearer otro-token-que-no-es-el-bueno' }, { Authorization: TOKEN }];
    for (const headers of attempts) {
      const response = await fetch(`${server.url}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('portal_');
    }
  });
});

describe('GET /api/health/ready and /api/health/live', () => {
  it('tells ready from alive: store, migrations, search, outbox backlog and age, last backup and last job runs, and no secret', async () => {
    const live = await fetch(`${server.url}/api/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'alive' });
    const response = await fetch(`${server.url}/api/health/ready`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const body = (await response.json()) as any;
    expect(body).toMatchObject({
      status: 'ready',
      checks: {
        store: 'ok',
        migrations: { applied: SCHEMA_VERSION, expected: SCHEMA_VERSION, ok: true },
        search: { engine: 'fts5' },
        backup: { last_success_at: '2026-11-20T15:00:00.000Z', age_seconds: 0, last_attempt_ok: true },
      },
    });
    expect(typeof body.checks.outbox.pending).toBe('number');
    expect(body.checks.jobs.map((job: { name: string }) => job.name)).toEqual(expect.arrayContaining(['backup', 'search sync', 'report escalations']));
    const text = JSON.stringify(body);
    expect(secretsIn(text)).toEqual([]);
    expect(text).not.toContain(t.dir);
    expect(text).not.toContain(TOKEN);
  });

  it('is not ready while the store lacks a migration', async () => {
    await t.store.batch([`DELETE FROM schema_migrations WHERE version = ${SCHEMA_VERSION}`]);
    try {
      const response = await fetch(`${server.url}/api/health/ready`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as any).checks.migrations).toEqual({ applied: SCHEMA_VERSION - 1, expected: SCHEMA_VERSION, ok: false });
      // The short summary clients already read keeps its shape.
      expect(await (await fetch(`${server.url}/api/health`)).json()).toEqual({ status: 'ok', db: 'ok', search: { engine: 'fts5', pending: 0 } });
    } finally {
      await t.store.batch([
        {
          sql: 'INSERT INTO schema_migrations (version, name) VALUES (?, ?)',
          args: [SCHEMA_VERSION, `${String(SCHEMA_VERSION).padStart(4, '0')}-operations.sql`],
        },
      ]);
    }
  });
});
