// The weekly follow-up report: built for last week (Monday to Sunday, El Salvador days), global and
// per institution, kept as history, read by each person only within their scope; the scheduled
// job builds it once; `npm run report:weekly` builds it on demand.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson, personActor } from '../../store/people/people.ts';
import { systemActor } from '../../store/policy.ts';
import { flushSearchCounts, recordSearch } from '../../store/search-analytics/analytics.ts';
import { buildWeeklyReports, getWeeklyReport, listWeeklyReports, previousWeek, weekStartOf, weeklyReportsDue } from '../../store/transparency/weekly.ts';
import { fileReport } from '../fixtures/reports.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
beforeAll(async () => {
  // Wednesday 2026-11-18 (El Salvador): last week is 9–15 November.
  t = await createTestStore('fixture', { now: '2026-11-11T15:00:00.000Z' });
  for (let i = 0; i < 3; i++) await fileReport(t, 'complaint');
  for (let i = 0; i < 2; i++) recordSearch(t.store, { query: 'Licencia de conducir', page: 1, terms: ['licencia', 'conducir'], results: 0 });
  await flushSearchCounts(t.store);
  t.clock.set(new Date('2026-11-18T15:00:00.000Z'));
});
afterAll(() => t?.cleanup());

describe('the weekly report', () => {
  it('knows its weeks: Monday to Sunday', () => {
    expect(weekStartOf('2026-11-18')).toBe('2026-11-16');
    expect(weekStartOf('2026-11-16')).toBe('2026-11-16');
    expect(weekStartOf('2026-11-22')).toBe('2026-11-16');
    expect(previousWeek('2026-11-18')).toBe('2026-11-09');
  });

  it('is built once by the scheduled job, globally and per institution, with the week’s figures', async () => {
    const built = await weeklyReportsDue(t.store);
    const institutions = Number((await t.store.db.execute('SELECT count(*) AS n FROM institutions')).rows[0].n);
    expect(built).toBe(institutions + 1);
    expect(await weeklyReportsDue(t.store)).toBe(0);
    const admin = personActor((await createPerson(t.store, { email: 'admin-informes@portal.test', role: 'admin' }, null, { iterations: 1_000 })).person);
    const list = await listWeeklyReports(t.store.db, admin);
    const global = list.find((entry) => entry.institution === null)!;
    expect(global.weekStart).toBe('2026-11-09');
    const report = await getWeeklyReport(t.store.db, admin, global.id);
    expect(report.cases.received).toBe(3);
    expect(report.searches.total).toBe(2);
    expect(report.searches.zeroResultQueries).toEqual([{ query: 'licencia de conducir', searches: 2 }]);
  });

  it('is read only within scope: an officer sees the portal’s and her institution’s, not another’s; a token none', async () => {
    const rnpn = Number((await t.store.db.execute("SELECT id FROM institutions WHERE slug = 'rnpn'")).rows[0].id);
    const officer = personActor(
      (await createPerson(t.store, { email: 'oficial-informes@rnpn.gob.sv', role: 'officer', institutionSlug: 'rnpn' }, null, { iterations: 1_000 })).person,
    );
    const seen = await listWeeklyReports(t.store.db, officer);
    expect(new Set(seen.map((entry) => entry.institution))).toEqual(new Set([null, 'Registro Nacional de las Personas Naturales']));
    const other = (await t.store.db.execute({ sql: 'SELECT id FROM weekly_reports WHERE institution_id NOT IN (0, ?) LIMIT 1', args: [rnpn] })).rows[0];
    await expect(getWeeklyReport(t.store.db, officer, Number(other.id))).rejects.toMatchObject({ status: 404 });
    await expect(listWeeklyReports(t.store.db, { kind: 'token', id: 1, institutionId: rnpn })).rejects.toMatchObject({ status: 403 });
    expect(() => systemActor('cli')).not.toThrow();
  });

  it('refuses a week that does not start on Monday and an unknown institution', async () => {
    await expect(buildWeeklyReports(t.store, { weekStart: '2026-11-10' })).rejects.toMatchObject({ status: 400 });
    await expect(buildWeeklyReports(t.store, { institutionSlug: 'no-existe' })).rejects.toMatchObject({ status: 404 });
  });

  it('npm run report:weekly builds it on demand, for one institution too', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: t.url };
    const { stdout } = await run(process.execPath, ['bin/run.mjs', 'scripts/report-weekly.node.ts', '--institution', 'rnpn', '--week', '2026-11-02'], { env });
    expect(stdout).toMatch(/Informe semanal del 2026-11-02: 1 informe listo/);
    const failed = await run(process.execPath, ['bin/run.mjs', 'scripts/report-weekly.node.ts', '--institution', 'no-existe'], { env }).catch((error) => error);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/No existe la institución/);
  }, 30_000);
});
