// /transparencia, its CSV tables and /datos, rendered by the real site over a store with cases
// and opinions; disclosure control checked on what is published.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createWebApp } from '../../api/web-app.ts';
import { fileReport } from '../fixtures/reports.ts';
import { createTestStore, TEST_NOW, type TestStore } from '../fixtures/store.ts';
import { createTestWebApp } from '../fixtures/web.ts';

let t: TestStore;
let app: ReturnType<typeof createWebApp>;
const get = (path: string) => app.request(`http://portal.test${path}`);

beforeAll(async () => {
  t = await createTestStore('fixture');
  app = await createTestWebApp(t);
  // In October (a finished month): twelve complaints in San Salvador (published), three violence
  // cases in another department (withheld).
  t.clock.set(new Date('2026-10-15T15:00:00.000Z'));
  for (let i = 0; i < 12; i++) await fileReport(t, 'complaint', { location: { department: 'San Salvador', municipality: 'San Salvador Centro' } });
  for (let i = 0; i < 3; i++) await fileReport(t, 'violence', { location: { department: 'Santa Ana', municipality: 'Santa Ana Centro' } });
  t.clock.set(new Date(TEST_NOW));
  const procedure = (await t.store.db.execute("SELECT id FROM procedures WHERE status = 'published' ORDER BY id LIMIT 1")).rows[0].id;
  await t.store.batch(
    Array.from({ length: 7 }, () => ({
      sql: "INSERT INTO feedback (procedure_id, kind, created_at) VALUES (?, 'want_online', ?)",
      args: [procedure, t.clock.now().toISOString()],
    })),
  );
});
afterAll(() => t?.cleanup());

const csvOf = async (path: string) => {
  const response = await get(path);
  expect(response.status, path).toBe(200);
  expect(response.headers.get('Content-Type')).toMatch(/^text\/csv/);
  return (await response.text())
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
    .map((line) => line.split(','));
};

describe('/transparencia', () => {
  it('shows the figures with a chart, a table and a CSV for each, and withholds counts under 5', async () => {
    const response = await get('/transparencia');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<h1>Transparencia: cifras del portal</h1>');
    expect(html).toMatch(/<svg viewBox="[^"]+" role="img" aria-labelledby="g-reportes-tipo-t g-reportes-tipo-d"/);
    expect(html).toContain('/transparencia/reportes-por-departamento.csv');
    expect(html).toContain('Lista pública de prioridades de digitalización');
    expect(html).toContain('reservado');
    expect(html).not.toMatch(/<script/);
  });

  it('publishes the department table without any count under 5 and without the means to work one out', async () => {
    const rows = await csvOf('/transparencia/reportes-por-departamento.csv');
    const header = rows[0];
    const violence = header.indexOf('Violencia contra las mujeres');
    const total = header.indexOf('Total');
    for (const row of rows.slice(1)) {
      for (const value of row.slice(1)) if (value !== '') expect(Number(value) === 0 || Number(value) >= 5, `${row[0]}: ${value}`).toBe(true);
    }
    // The three violence cases in one department: their cell is withheld, and so is enough around it.
    const place = rows.find((row) => row[0] !== 'Total' && row[violence] === '' && row[total] === '');
    const totals = rows.find((row) => row[0] === 'Total')!;
    expect(place ?? totals[violence] === '').toBeTruthy();
    // By kind: the three violence cases are withheld, and so is another count, or the total would give them away.
    const kinds = await csvOf('/transparencia/reportes-por-tipo.csv');
    expect(kinds.find((row) => row[0] === 'Violencia contra las mujeres')?.[1]).toBe('');
    const others = kinds.slice(1).filter((row) => row[0] !== 'Violencia contra las mujeres' && row[0] !== 'Total');
    const totalRow = kinds.find((row) => row[0] === 'Total')!;
    expect(totalRow[1] === '' || others.some((row) => row[1] === '')).toBe(true);
  });

  it('lists the most wanted online procedures', async () => {
    const rows = await csvOf('/transparencia/prioridades-de-digitalizacion.csv');
    expect(rows[0]).toEqual(['Trámite', 'Institución', 'Personas que lo pidieron']);
    expect(rows[1].at(-1)).toBe('7');
  });

  it('answers bad filters with 400 naming the field, and an empty period with «sin datos»', async () => {
    for (const [query, field] of [
      ['desde=2026-13-01', 'desde'],
      ['hasta=2026-02-30', 'hasta'],
      ['desde=ayer', 'desde'],
      ['desde=2026-06-01&hasta=2026-01-01', 'desde'],
      ['desde=1999-01-01', 'desde'],
      ['hasta=2099-01-01', 'hasta'],
      ['institucion=no-existe', 'institucion'],
      ['tema=no-existe', 'tema'],
      ['mes=2026-11', 'mes'],
      ['mes=2026-13', 'mes'],
      ['mes=2019-12', 'mes'],
    ]) {
      const page = await get(`/transparencia?${query}`);
      expect(page.status, query).toBe(400);
      expect(await page.text(), query).toContain(`href="#campo-${field}"`);
      const csv = await get(`/transparencia/reportes-por-mes.csv?${query}`);
      expect(csv.status, query).toBe(400);
      expect(((await csv.json()) as { error: { fields: Record<string, string> } }).error.fields[field]).toBeTruthy();
    }
    const empty = await (await get('/transparencia?desde=2021-01-01&hasta=2021-01-31')).text();
    expect(empty).toContain('Sin datos para este periodo.');
    expect((await get('/transparencia/no-existe.csv')).status).toBe(404);
  });
});

describe('/transparencia under arbitrary filters', () => {
  it('answers 200 or a 400 naming a field, never a 5xx, for the page and every CSV', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      fc.constant(''),
    );
    await fc.assert(
      fc.asyncProperty(fc.record({ desde: value, hasta: value, institucion: value, tema: value }), fc.boolean(), async (filters, csv) => {
        const query = new URLSearchParams(filters).toString();
        const response = await get(csv ? `/transparencia/reportes-por-departamento.csv?${query}` : `/transparencia?${query}`);
        expect([200, 400]).toContain(response.status);
      }),
      { numRuns: 40 },
    );
  }, 30_000);

  it('keeps shared numbers consistent: kinds are the department table’s totals, and the month’s total is the same everywhere', async () => {
    const kinds = await csvOf('/transparencia/reportes-por-tipo.csv');
    const places = await csvOf('/transparencia/reportes-por-departamento.csv');
    const months = await csvOf('/transparencia/reportes-por-mes.csv');
    const placeTotals = places.find((row) => row[0] === 'Total')!;
    expect(kinds.slice(1, -1).map((row) => row[1])).toEqual(placeTotals.slice(1, -1));
    expect(months.find((row) => row[0] === '2026-10')?.[1]).toBe(kinds.at(-1)![1]);
    expect(months.at(-1)![0]).toBe('2026-10'); // no sum across months
  });

  it('publishes cases only for a whole finished month, for the whole portal: other periods, institutions or themes change nothing', async () => {
    const base = await (await get('/transparencia/reportes-por-departamento.csv')).text();
    for (const query of ['desde=2026-10-01&hasta=2026-10-30', 'institucion=rnpn', 'tema=identidad', 'desde=2026-01-01&hasta=2026-11-20']) {
      expect(await (await get(`/transparencia/reportes-por-departamento.csv?${query}`)).text(), query).toBe(base);
    }
    // The month running now is never published; an earlier month is its own table.
    const september = await csvOf('/transparencia/reportes-por-tipo.csv?mes=2026-09');
    expect(september.at(-1)).toEqual(['Total', '0']);
  });
});

describe('/datos', () => {
  it('links every download, states the licence, and describes the datasets as DCAT', async () => {
    const html = await (await get('/datos')).text();
    expect(html).toContain('CC BY 4.0');
    const links = [...html.matchAll(/href="(\/(?:datos|transparencia)\/[^"]+\.(?:csv|json))"/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(8);
    for (const link of links) expect((await get(link)).status, link).toBe(200);
    const dcat = (await (await get('/datos/data.json')).json()) as {
      '@type': string;
      'dcat:dataset': { 'dcat:distribution': { 'dcat:downloadURL': string }[] }[];
    };
    expect(dcat['@type']).toBe('dcat:Catalog');
    const urls = dcat['dcat:dataset'].flatMap((d) => d['dcat:distribution'].map((x) => x['dcat:downloadURL']));
    expect(urls).toContain('http://portal.test/datos/catalogo.json');
  });

  it('exports the published catalog in the exchange format, with no personal data anywhere', async () => {
    const catalog = (await (await get('/datos/catalogo.json')).json()) as { slug: string }[];
    expect(catalog.length).toBeGreaterThan(0);
    expect(catalog[0]).toHaveProperty('slug');
    const everything = (await Promise.all(['/datos/catalogo.csv', '/transparencia/reportes-por-institucion.csv'].map(async (p) => (await get(p)).text()))).join(
      '\n',
    );
    expect(everything).not.toMatch(/sintético\] Caso de prueba/);
  });
});
