// The rollups (migration 0017's triggers) give exactly the figures a full scan of the cases and
// opinions gives: for random histories of filing, acknowledging, closing, referring, withdrawing and
// deleting, and random periods (partial months, one day, years), institutions and themes.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketMedian, transparencyFigures, type FigureFilter } from '../../store/transparency/figures.ts';
import { createTestStore, type TestStore } from '../fixtures/store.ts';

let t: TestStore;
let institutions: number[];
let categories: number[];
let procedures: number[];
const departments = ['', '01', '02', '06', '14'];
const kinds = ['complaint', 'corruption', 'emergency', 'violence', 'missing_requirement'];
const states = ['received', 'acknowledged', 'resolved', 'closed', 'withdrawn', 'merged', 'not_applicable'];

beforeAll(async () => {
  t = await createTestStore('fixture');
  institutions = (await t.store.db.execute('SELECT id FROM institutions ORDER BY id LIMIT 4')).rows.map((r) => Number(r.id));
  categories = (await t.store.db.execute('SELECT id FROM categories ORDER BY id')).rows.map((r) => Number(r.id));
  procedures = (await t.store.db.execute("SELECT id FROM procedures WHERE status = 'published' ORDER BY id LIMIT 6")).rows.map((r) => Number(r.id));
  const known = new Set((await t.store.db.execute('SELECT code FROM departments')).rows.map((r) => String(r.code)));
  for (const d of departments) if (d && !known.has(d)) throw new Error(`department ${d} missing in the fixture`);
});
afterAll(() => t?.cleanup());

const iso = (ms: number) => new Date(ms).toISOString();
const BASE = Date.UTC(2026, 0, 1);

type Op =
  | { type: 'report'; kind: number; department: number; institution: number; at: number }
  | { type: 'acknowledge'; which: number; after: number }
  | { type: 'close'; which: number; after: number; state: number }
  | { type: 'refer'; which: number; institution: number }
  | { type: 'delete'; which: number }
  | { type: 'feedback'; kind: number; procedure: number; at: number }
  | { type: 'resolveFeedback'; which: number; after: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ type: fc.constant('report' as const), kind: fc.nat(4), department: fc.nat(4), institution: fc.nat(4), at: fc.nat(400 * 24 * 60) }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('acknowledge' as const), which: fc.nat(50), after: fc.nat(60 * 24 * 10) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('close' as const), which: fc.nat(50), after: fc.nat(60 * 24 * 200), state: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('refer' as const), which: fc.nat(50), institution: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('delete' as const), which: fc.nat(50) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('feedback' as const), kind: fc.nat(3), procedure: fc.nat(5), at: fc.nat(400 * 24 * 60) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('resolveFeedback' as const), which: fc.nat(50), after: fc.nat(60 * 24 * 120) }) },
);

let serial = 0;
async function apply(ops: Op[]): Promise<void> {
  const reports: { id: number; at: number }[] = [];
  const feedback: { id: number; at: number }[] = [];
  await t.store.write(async (tx) => {
    for (const o of ops) {
      if (o.type === 'report') {
        const at = BASE + o.at * 60_000;
        const inst = o.institution === 4 ? null : institutions[o.institution % institutions.length];
        const row = await tx.execute({
          // Some arrive already acknowledged or closed (an import of past cases): the insert trigger's other path.
          sql: `INSERT INTO reports (code, kind, channel, queue, institution_id, priority, state, description, department_code, anonymous, code_word_hash,
                                     created_at, updated_at, acknowledge_due_at, resolve_due_at, due_at, acknowledged_at, closed_at)
                VALUES (?, ?, 'web', 'quejas', ?, 'normal', ?, 'x', ?, 1, 'h', ?, ?, ?, ?, ?, ?, ?)`,
          args: [
            `T${++serial}`,
            kinds[o.kind],
            inst,
            o.at % 7 === 0 ? 'resolved' : 'received',
            departments[o.department] || null,
            iso(at),
            iso(at),
            iso(at + 3_600_000),
            iso(at + 10 * 86_400_000),
            iso(at + 3_600_000),
            o.at % 5 === 0 || o.at % 7 === 0 ? iso(at + (o.at % 97) * 60_000) : null,
            o.at % 7 === 0 ? iso(at + (o.at % 31) * 86_400_000) : null,
          ],
        });
        reports.push({ id: Number(row.lastInsertRowid), at });
      } else if (o.type === 'acknowledge' || o.type === 'close' || o.type === 'refer' || o.type === 'delete') {
        const target = reports[o.which % Math.max(1, reports.length)];
        if (!target) continue;
        if (o.type === 'acknowledge')
          await tx.execute({
            sql: "UPDATE reports SET acknowledged_at = ?, state = 'acknowledged' WHERE id = ?",
            args: [iso(target.at + o.after * 60_000), target.id],
          });
        if (o.type === 'close')
          await tx.execute({
            sql: 'UPDATE reports SET closed_at = ?, state = ?, is_open = 0, due_at = NULL WHERE id = ?',
            args: [iso(target.at + o.after * 60_000), states[o.state], target.id],
          });
        if (o.type === 'refer')
          await tx.execute({ sql: 'UPDATE reports SET institution_id = ? WHERE id = ?', args: [institutions[o.institution % institutions.length], target.id] });
        if (o.type === 'delete') {
          await tx.execute({ sql: 'DELETE FROM reports WHERE id = ?', args: [target.id] });
          reports.splice(reports.indexOf(target), 1);
        }
      } else if (o.type === 'feedback') {
        const at = BASE + o.at * 60_000;
        const resolvedAtOnce = o.at % 6 === 0;
        const row = await tx.execute({
          sql: 'INSERT INTO feedback (procedure_id, kind, created_at, status, resolved_at) VALUES (?, ?, ?, ?, ?)',
          args: [
            procedures[o.procedure % procedures.length],
            ['want_online', 'not_like_this', 'useful', 'not_useful'][o.kind],
            iso(at),
            resolvedAtOnce ? 'resolved' : 'open',
            resolvedAtOnce ? iso(at + (o.at % 40) * 86_400_000) : null,
          ],
        });
        feedback.push({ id: Number(row.lastInsertRowid), at });
      } else {
        const target = feedback[o.which % Math.max(1, feedback.length)];
        if (!target) continue;
        await tx.execute({
          sql: "UPDATE feedback SET status = 'resolved', resolved_at = ? WHERE id = ?",
          args: [iso(target.at + o.after * 60_000), target.id],
        });
      }
    }
  });
}

const day = fc.nat(420).map((n) => new Date(BASE - 10 * 86_400_000 + n * 86_400_000).toISOString().slice(0, 10));
const filterOf = fc
  .record({ a: day, b: day, institution: fc.option(fc.nat(3), { nil: undefined }), category: fc.option(fc.nat(5), { nil: undefined }) })
  .map(({ a, b, institution, category }) => ({
    from: a < b ? a : b,
    to: a < b ? b : a,
    institution,
    category,
  }));

describe('transparency figures', () => {
  it('from the rollups equal a full scan, for random histories and periods', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), fc.array(filterOf, { minLength: 1, maxLength: 4 }), async (ops, filters) => {
        await apply(ops);
        for (const f of filters) {
          const filter: FigureFilter = {
            from: f.from,
            to: f.to,
            today: '2026-12-01',
            ...(f.institution !== undefined ? { institutionId: institutions[f.institution % institutions.length] } : {}),
            ...(f.category !== undefined && categories.length ? { categoryId: categories[f.category % categories.length] } : {}),
          };
          const rollup = await transparencyFigures(t.store.db, filter);
          const scan = await transparencyFigures(t.store.db, { ...filter, source: 'scan' });
          expect(rollup).toEqual(scan);
        }
      }),
      { numRuns: 25 },
    );
    // Something was counted at all (the property is not vacuous).
    const everything = await transparencyFigures(t.store.db, { from: '2025-01-01', to: '2027-12-31', today: '2026-12-01' });
    expect(everything.reports.received).toBeGreaterThan(0);
    expect(everything.feedback.byKind.want_online + everything.feedback.byKind.not_like_this).toBeGreaterThan(0);
  }, 60_000);

  it('counts a case in the El Salvador day it was received (UTC−6), across a month boundary', async () => {
    const before = await transparencyFigures(t.store.db, { from: '2027-02-28', to: '2027-02-28', today: '2027-03-01' });
    // 2027-03-01 03:00 UTC is still 28 February in San Salvador.
    await t.store.batch([
      {
        sql: `INSERT INTO reports (code, kind, channel, queue, priority, state, description, anonymous, created_at, updated_at, acknowledge_due_at, resolve_due_at)
              VALUES ('TZ1', 'complaint', 'web', 'quejas', 'normal', 'received', 'x', 1, '2027-03-01T03:00:00.000Z', '2027-03-01T03:00:00.000Z', '2027-03-02T03:00:00.000Z', '2027-03-20T03:00:00.000Z')`,
        args: [],
      },
    ]);
    const after = await transparencyFigures(t.store.db, { from: '2027-02-28', to: '2027-02-28', today: '2027-03-01' });
    expect(after.reports.received - before.reports.received).toBe(1);
    expect((await transparencyFigures(t.store.db, { from: '2027-03-01', to: '2027-03-31', today: '2027-04-01' })).reports.byMonth).toEqual([]);
  });

  it('reads a median from its bucket', () => {
    expect(bucketMedian([0, 3, 1, 0], [5, 15, 60])).toEqual({ low: 5, high: 15 });
    expect(bucketMedian([1, 0, 0, 3], [5, 15, 60])).toEqual({ low: 60, high: null });
    expect(bucketMedian([0, 0, 0, 0], [5, 15, 60])).toBeNull();
  });
});
