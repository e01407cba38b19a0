import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scheduledJobs } from '../../api/scheduled-jobs.ts';
import type { SearchSetup } from '../../search/select.ts';
import { today } from '../../store/clock.ts';
import { pruneExpired } from '../../store/housekeeping.ts';
import { generateTrackingCode, formatTrackingCode } from '../../store/reports/tracking-code.ts';
import {
  addDays,
  createSearchCounter,
  flushSearchCounts,
  OTHER_QUERY,
  periodEnding,
  recordOpened,
  recordSearch,
  searchCounter,
  searchStatsFor,
  searchTotals,
  topQueries,
  zeroResultQueries,
} from '../../store/search-analytics/analytics.ts';
import { looksPersonal, searchKey } from '../../store/search-analytics/query-key.ts';
import { createStaff, fileReport, type Staff } from '../fixtures/reports.ts';
import { createTestStore, TEST_NOW, type TestStore } from '../fixtures/store.ts';

/** Search analytics in the store: keys, personal-data filter, in-memory counting, flushing, reading, scope. */

const words = ['dui'];
const search = (t: TestStore, query: string, results = 3, page = 1) => recordSearch(t.store, { query, page, terms: words, results });

async function rows(t: TestStore): Promise<Record<string, unknown>[]> {
  const daily = await t.store.db.execute('SELECT * FROM search_daily ORDER BY day, query');
  const opened = await t.store.db.execute('SELECT * FROM search_daily_opened ORDER BY day, query');
  return [...daily.rows, ...opened.rows].map((row) => ({ ...row }));
}

describe('search keys', () => {
  it('folds case, accents, punctuation and spaces, and cuts long texts at a word', () => {
    expect(searchKey('  Renovación   de PASAPORTE ')).toBe('renovacion de pasaporte');
    expect(searchKey('renovacion de pasaporte')).toBe('renovacion de pasaporte');
    expect(searchKey('¿Cómo sacar el DUI?')).toBe('como sacar el dui');
    expect(searchKey('   ')).toBeNull();
    expect(searchKey('¿?')).toBeNull();
    // Someone in danger: /buscar turns sensitive, and sensitive pages count nothing.
    expect(searchKey('mi esposo me golpea')).toBeNull();
    const long = searchKey('partida de nacimiento '.repeat(10)) ?? '';
    expect(long.length).toBeLessThanOrEqual(100);
    expect(long.endsWith('partida') || long.endsWith('de') || long.endsWith('nacimiento')).toBe(true);
  });

  it('keeps no text that looks like personal data', () => {
    // A fixed code: with a random one the test would pass or fail by chance (a mistyped code in
    // its groups is recognised only when at least two groups mix letters and digits).
    checkPersonal(generateTrackingCode((bytes) => bytes.map((_, i) => (i * 37 + 11) % 256)));
  });

  function checkPersonal(code: string): void {
    const personal = [
      'ana.perez@correo.sv',
      'constancia para maria @ gmail.com',
      'mi correo es ana arroba hotmail',
      '7123-4567',
      'llamar al +503 2222 3333',
      'dui 01234567-8',
      'nit 0614-010190-101-1',
      'placa P123-456',
      code,
      formatTrackingCode(code),
      formatTrackingCode(code).toLowerCase().replace(/-/g, ' '),
      // A code with its last symbol mistyped still looks like one.
      `${formatTrackingCode(code).slice(0, -1)}${code.endsWith('X') ? 'Y' : 'X'}`,
      `${formatTrackingCode(code).slice(0, -1)}${code.endsWith('X') ? 'Y' : 'X'}`.replace(/-/g, ' '),
    ];
    for (const text of personal) {
      expect(looksPersonal(text), text).toBe(true);
      expect(searchKey(text), text).toBe(OTHER_QUERY);
    }
    for (const text of [
      'renovar pasaporte',
      'licencia de conducir 2026',
      'partida de nacimiento 1990',
      'covid-19',
      'formulario f-07',
      'ley 1234 de 2024',
      'casa 2024 para mi familia de 4',
    ]) {
      expect(looksPersonal(text), text).toBe(false);
    }
  }
});

describe('recording and flushing', () => {
  let t: TestStore;
  let staff: Staff;
  const institution: Record<string, number> = {};

  beforeAll(async () => {
    t = await createTestStore('fixture');
    staff = await createStaff(t);
    for (const row of (await t.store.db.execute('SELECT id, slug FROM institutions')).rows) institution[String(row.slug)] = Number(row.id);
  });
  afterAll(() => t?.cleanup());
  beforeEach(async () => {
    t.clock.set(TEST_NOW);
    await flushSearchCounts(t.store);
    await t.store.batch(['DELETE FROM search_daily', 'DELETE FROM search_daily_opened']);
  });

  it('counts accent and case variants of a query as one, and writes only when flushed', async () => {
    search(t, 'Renovación de pasaporte');
    search(t, 'renovacion  de PASAPORTE');
    search(t, 'RENOVACIÓN DE PASAPORTE', 0);
    expect(await rows(t)).toEqual([]);
    expect(searchCounter(t.store).pending()).toBe(1);
    await flushSearchCounts(t.store);
    expect(searchCounter(t.store).pending()).toBe(0);
    expect(await rows(t)).toEqual([{ day: '2026-11-20', query: 'renovacion de pasaporte', searches: 3, zero_result_searches: 1, last_results: 0, opened: 0 }]);
    // A second flush adds to the same day's row.
    search(t, 'renovación de pasaporte', 2);
    await flushSearchCounts(t.store);
    expect(await rows(t)).toEqual([{ day: '2026-11-20', query: 'renovacion de pasaporte', searches: 4, zero_result_searches: 1, last_results: 2, opened: 0 }]);
  });

  it('counts a search once: not its second page, nor an empty or all-stopword query', async () => {
    expect(search(t, 'sacar dui', 30, 1)).toBe('sacar dui');
    expect(search(t, 'sacar dui', 30, 2)).toBeNull();
    expect(search(t, 'sacar dui', 30, 3)).toBeNull();
    expect(recordSearch(t.store, { query: 'de la', page: 1, terms: [], results: 12 })).toBeNull();
    await flushSearchCounts(t.store);
    const daily = await t.store.db.execute('SELECT query, searches FROM search_daily');
    expect(daily.rows.map((row) => ({ ...row }))).toEqual([{ query: 'sacar dui', searches: 1 }]);
  });

  it('stores no e-mail, number or code: such searches count as «otra»', async () => {
    const code = formatTrackingCode(generateTrackingCode((bytes) => bytes.map((_, i) => (i * 53 + 7) % 256)));
    const personal = ['ana.perez@correo.sv', 'tengo el 7123-4567', 'dui 01234567-8', code];
    for (const query of personal) search(t, query, 0);
    search(t, 'pasaporte', 1);
    await flushSearchCounts(t.store);
    const stored = JSON.stringify(await t.store.db.execute('SELECT * FROM search_daily').then((r) => r.rows));
    for (const text of ['ana', 'correo', '7123', '4567', '01234567', code.slice(0, 4).toLowerCase(), code.slice(0, 4)]) expect(stored).not.toContain(text);
    expect(await searchTotals(t.store.db, { from: '2026-11-20', to: '2026-11-20' })).toEqual({ searches: 5, zeroResult: 4, opened: 0, withheld: 4 });
    // «otra» is never listed as a query.
    expect(await topQueries(t.store.db, { from: '2026-11-20', to: '2026-11-20', limit: 10 })).toEqual([{ query: 'pasaporte', searches: 1, opened: 0 }]);
    expect(await zeroResultQueries(t.store.db, { from: '2026-11-20', to: '2026-11-20', limit: 10 })).toEqual([]);
  });

  it('lists the queries that found nothing, most first, over the period', async () => {
    t.clock.set('2026-11-18T15:00:00Z');
    for (let i = 0; i < 3; i++) search(t, 'permiso para perro', 0);
    search(t, 'licencia de pesca', 0);
    t.clock.set(TEST_NOW);
    search(t, 'Permiso para perro', 0);
    search(t, 'licencia de pesca', 2);
    search(t, 'pasaporte', 4);
    await flushSearchCounts(t.store);
    expect(await zeroResultQueries(t.store.db, { from: '2026-11-14', to: '2026-11-20', limit: 10 })).toEqual([
      { query: 'permiso para perro', searches: 4 },
      { query: 'licencia de pesca', searches: 1 },
    ]);
    expect(await zeroResultQueries(t.store.db, { from: '2026-11-19', to: '2026-11-20', limit: 10 })).toEqual([{ query: 'permiso para perro', searches: 1 }]);
    expect(await zeroResultQueries(t.store.db, { from: '2026-11-14', to: '2026-11-20', limit: 10, minSearches: 2 })).toEqual([
      { query: 'permiso para perro', searches: 4 },
    ]);
  });

  it('counts the day in El Salvador, not in UTC', async () => {
    // 03:00 UTC on the 21st is still 21:00 on the 20th in San Salvador.
    t.clock.set('2026-11-21T03:00:00Z');
    search(t, 'pasaporte');
    t.clock.set('2026-11-21T07:00:00Z');
    search(t, 'pasaporte');
    await flushSearchCounts(t.store);
    const daily = await t.store.db.execute('SELECT day, searches FROM search_daily ORDER BY day');
    expect(daily.rows.map((row) => ({ ...row }))).toEqual([
      { day: '2026-11-20', searches: 1 },
      { day: '2026-11-21', searches: 1 },
    ]);
  });

  it('attributes opened results to the procedure’s institution', async () => {
    for (let i = 0; i < 3; i++) search(t, 'renovar pasaporte', 1);
    search(t, 'documentos', 2);
    search(t, 'documentos', 2);
    expect(await recordOpened(t.store, { query: 'renovar pasaporte', slug: 'prueba-pasaporte-renovacion' })).toBe(true);
    expect(await recordOpened(t.store, { query: 'renovar pasaporte', slug: 'prueba-pasaporte-renovacion' })).toBe(true);
    expect(await recordOpened(t.store, { query: 'documentos', slug: 'prueba-emision-dui' })).toBe(true);
    expect(await recordOpened(t.store, { query: 'documentos', slug: 'prueba-pasaporte-renovacion' })).toBe(true);
    // A procedure that does not exist, or no query: nothing.
    expect(await recordOpened(t.store, { query: 'documentos', slug: 'no-existe' })).toBe(false);
    expect(await recordOpened(t.store, { query: '', slug: 'prueba-emision-dui' })).toBe(false);
    // The key comes back from a link: «otra» stays «otra», anything else is keyed (and filtered) again.
    expect(await recordOpened(t.store, { query: OTHER_QUERY, slug: 'prueba-emision-dui' })).toBe(true);
    expect(await recordOpened(t.store, { query: 'ana@correo.sv', slug: 'prueba-emision-dui' })).toBe(true);
    await flushSearchCounts(t.store);
    const period = { from: '2026-11-20', to: '2026-11-20' };
    expect(await topQueries(t.store.db, { ...period, institutionId: institution.dgme, limit: 10 })).toEqual([
      { query: 'renovar pasaporte', searches: 3, opened: 2 },
      { query: 'documentos', searches: 2, opened: 1 },
    ]);
    expect(await topQueries(t.store.db, { ...period, institutionId: institution.rnpn, limit: 10 })).toEqual([{ query: 'documentos', searches: 2, opened: 1 }]);
    expect(await topQueries(t.store.db, { ...period, institutionId: institution.vmt, limit: 10 })).toEqual([]);
    expect(await topQueries(t.store.db, { ...period, limit: 10 })).toEqual([
      { query: 'renovar pasaporte', searches: 3, opened: 2 },
      { query: 'documentos', searches: 2, opened: 2 },
    ]);
    expect(await searchTotals(t.store.db, period)).toEqual({ searches: 5, zeroResult: 0, opened: 6, withheld: 0 });
    expect(JSON.stringify(await rows(t))).not.toContain('ana');
  });

  it('scopes the officers’ view through the policy: their institution, all for admins, none for operators', async () => {
    for (let i = 0; i < 2; i++) {
      search(t, 'renovar pasaporte', 1);
      await recordOpened(t.store, { query: 'renovar pasaporte', slug: 'prueba-pasaporte-renovacion' });
      search(t, 'sacar dui', 1);
      await recordOpened(t.store, { query: 'sacar dui', slug: 'prueba-emision-dui' });
      search(t, 'permiso para perro', 0);
    }
    await fileReport(t, 'missing_requirement');
    await flushSearchCounts(t.store);
    const options = { ...periodEnding(t.clock, 7), limit: 10 };
    const rnpn = await searchStatsFor(t.store, staff.officerRnpn, options);
    expect(rnpn.institution?.id).toBe(institution.rnpn);
    expect(rnpn.top.map((row) => row.query)).toEqual(['sacar dui']);
    expect(rnpn.zeroResult).toEqual([{ query: 'permiso para perro', searches: 2 }]);
    expect(rnpn.missingRequirementReports).toBe(1);
    const dgme = await searchStatsFor(t.store, staff.officerDgme, options);
    expect(dgme.top.map((row) => row.query)).toEqual(['renovar pasaporte']);
    expect(dgme.missingRequirementReports).toBe(0);
    const all = await searchStatsFor(t.store, staff.admin, options);
    expect(all.institution).toBeNull();
    expect(all.top.map((row) => row.query).sort()).toEqual(['permiso para perro', 'renovar pasaporte', 'sacar dui']);
    expect(all.missingRequirementReports).toBe(1);
    await expect(searchStatsFor(t.store, staff.operatorQuejas, options)).rejects.toMatchObject({ status: 403 });
    // A period before any of it: nothing.
    expect((await searchStatsFor(t.store, staff.admin, { from: '2026-10-01', to: '2026-10-31', limit: 10 })).missingRequirementReports).toBe(0);
  });

  it('is written by the scheduled job «search analytics»', async () => {
    search(t, 'pasaporte', 1);
    const job = scheduledJobs({ store: t.store, search: {} as SearchSetup }).find((candidate) => candidate.name === 'search analytics');
    expect(job?.everyMs).toBe(60_000);
    await job?.run();
    expect(searchCounter(t.store).pending()).toBe(0);
    expect(await searchTotals(t.store.db, { from: '2026-11-20', to: '2026-11-20' })).toMatchObject({ searches: 1 });
  });

  it('keeps counts of a failed flush for the next one', async () => {
    const counter = createSearchCounter({ ...t.store, batch: () => Promise.reject(new Error('disk full')) });
    counter.search('pasaporte', 1);
    counter.search('pasaporte', 0);
    await expect(counter.flush()).rejects.toThrow('disk full');
    expect(counter.pending()).toBe(1);
    const working = createSearchCounter(t.store);
    working.search('pasaporte', 1);
    await working.flush();
    expect(await searchTotals(t.store.db, { from: '2026-11-20', to: '2026-11-20' })).toMatchObject({ searches: 1 });
  });

  it('is pruned by housekeeping after 400 days', async () => {
    const old = addDays(today(t.clock), -401);
    const kept = addDays(today(t.clock), -399);
    await t.store.batch([
      { sql: 'INSERT INTO search_daily (day, query, searches) VALUES (?, ?, 1), (?, ?, 1)', args: [old, 'viejo', kept, 'reciente'] },
      {
        sql: 'INSERT INTO search_daily_opened (institution_id, day, query, opened) VALUES (?, ?, ?, 1), (?, ?, ?, 1)',
        args: [institution.rnpn, old, 'viejo', institution.rnpn, kept, 'reciente'],
      },
    ]);
    await pruneExpired(t.store);
    expect((await rows(t)).map((row) => row.query)).toEqual(['reciente', 'reciente']);
  });
});
