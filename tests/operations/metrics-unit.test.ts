import { Hono } from 'hono';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../api/config.ts';
import { createMetrics, metricsRoutes } from '../../api/system/metrics.ts';
import { routeLabel } from '../../api/system/request-log.ts';
import { errorKind } from '../../store/operations/job-runs.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
beforeAll(async () => {
  t = await createTestStore('none');
});
afterAll(() => t.cleanup());

describe('route labels', () => {
  it("are the route's pattern, or a page's section, never the path or its query", async () => {
    const app = new Hono();
    const seen: string[] = [];
    app.use('*', async (c, next) => {
      await next();
      seen.push(routeLabel(c));
    });
    app.get('/api/reports/:code', (c) => c.text('ok'));
    app.all('/api/*', (c) => c.text('no', 404));
    app.all('*', (c) => c.text('página'));
    for (const path of [
      '/api/reports/K7QM2XDT9RBH4C',
      '/api/nada?correo=a@b.c',
      '/',
      '/tramites/emision-dui?x=1',
      '/admin/casos/K7QM2XDT9RBH4C',
      '/algo/raro',
      '/seguimiento?codigo=K7QM',
    ])
      await app.request(path);
    expect(seen).toEqual(['/api/reports/:code', '/api/*', '/', '/tramites/*', '/admin/*', '/(otra)', '/seguimiento']);
  });
});

describe('the metrics text', () => {
  it('escapes label values and parses, histograms with +Inf, sum and count', async () => {
    const metrics = createMetrics({ now: () => t.clock.now() });
    metrics.observeRequest({ route: '/ruta "rara"\\\n', method: 'GET', status: 200, seconds: 0.02 });
    metrics.observeRequest({ route: '/api/telegram/webhook', method: 'POST', status: 401, seconds: 0.001 });
    metrics.observeJob({ job: 'backup', seconds: 2, ok: false });
    const text = await metrics.render(t.store);
    const families = parsePrometheusTextFormat(text);
    const requests = families.find((family) => family.name === 'portal_http_requests_total');
    expect(requests?.metrics).toEqual(expect.arrayContaining([{ labels: { route: '/ruta "rara"\\\n', method: 'GET', status: '200' }, value: '1' }]));
    expect(families.find((family) => family.name === 'portal_webhook_requests_total')?.metrics).toEqual([
      { labels: { channel: 'telegram', outcome: 'rechazado' }, value: '1' },
    ]);
    expect(text).toMatch(/^portal_job_duration_seconds_bucket\{job="backup",le="\+Inf"\} 1$/m);
    expect(text).toMatch(/^portal_job_duration_seconds_sum\{job="backup"\} 2$/m);
    expect(families.find((family) => family.name === 'portal_backup_last_success_timestamp_seconds')?.metrics).toEqual([{ value: 'NaN' }]);
  });

  it('is off without METRICS_TOKEN, and the token must be long enough to be one', async () => {
    const app = metricsRoutes({ store: t.store, metrics: createMetrics() });
    const response = await app.request('/metrics');
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('defina METRICS_TOKEN');
    expect(() => parseConfig({ METRICS_TOKEN: 'corto' })).toThrow(/METRICS_TOKEN debe tener al menos 16 caracteres/);
    expect(parseConfig({ METRICS_TOKEN: 'a'.repeat(32), BACKUP_DIR: '/var/respaldos' })).toMatchObject({
      METRICS_TOKEN: 'a'.repeat(32),
      BACKUP_DIR: '/var/respaldos',
    });
  });
});

describe('error kinds', () => {
  it('keep a code or a class name, never the message', () => {
    expect(errorKind(Object.assign(new Error('sin espacio en /home/ana/respaldos'), { code: 'ENOSPC' }))).toBe('ENOSPC');
    expect(errorKind(new TypeError('el correo ana@example.com no vale'))).toBe('TypeError');
    expect(errorKind('texto libre')).toBe('string');
  });
});
