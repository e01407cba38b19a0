import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_PUBLISHED_COUNT, protectSeries, protectTable, type CountTable, type ProtectedTable } from '../../store/transparency/disclosure.ts';

/*
 * The attacker. It knows nothing of how disclosure.ts chose what to withhold: it reads the published
 * numbers, makes every null an unknown whole number, writes down the additivity equations and finds,
 * by search, the smallest and largest value each unknown can take. It is a small constraint solver
 * (bounds propagation over the equations, then splitting a domain in two), not a flow: a different
 * road to the same answer.
 *
 * Two readers: one who only knows counts are non-negative (the brief's), and one who also knows our
 * rule that zeros are always published, so a withheld number is at least 1. The second knows more, so
 * protecting against it protects against the first.
 *
 * Unknown cells are capped at (largest real cell + threshold): the attacker's world is smaller than the
 * real one, so the bounds it finds are at least as tight as the truth and a pass is never flattered. The
 * cap loses nothing that matters: if a withheld count can reach the threshold at all, it can by moving
 * at most `threshold` along a simple cycle from the real table.
 */

/** Σ plus = Σ minus, over variable indices. */
interface Equation {
  plus: number[];
  minus: number[];
}

interface Puzzle {
  /** The published number, or null for an unknown. */
  values: (number | null)[];
  /** Largest value an unknown may take (the cap), per variable. */
  caps: number[];
  equations: Equation[];
}

interface Reader {
  hiddenArePositive: boolean;
}

const POLICY_AWARE: Reader = { hiddenArePositive: true };
const NAIVE: Reader = { hiddenArePositive: false };

/** Variables: cells row by row, then row totals, column totals and the grand total. */
function tablePuzzle(published: Pick<ProtectedTable, 'cells' | 'rowTotals' | 'columnTotals' | 'total'>, cellCap: number): Puzzle {
  const rowCount = published.rowTotals.length;
  const columnCount = published.columnTotals.length;
  const cell = (i: number, j: number) => i * columnCount + j;
  const rowTotal = (i: number) => rowCount * columnCount + i;
  const columnTotal = (j: number) => rowCount * columnCount + rowCount + j;
  const grandTotal = rowCount * columnCount + rowCount + columnCount;
  const range = (n: number) => Array.from({ length: n }, (_, k) => k);
  const equations: Equation[] = [
    ...range(rowCount).map((i) => ({ plus: range(columnCount).map((j) => cell(i, j)), minus: [rowTotal(i)] })),
    ...range(columnCount).map((j) => ({ plus: range(rowCount).map((i) => cell(i, j)), minus: [columnTotal(j)] })),
    { plus: range(rowCount).map(rowTotal), minus: [grandTotal] },
    { plus: range(columnCount).map(columnTotal), minus: [grandTotal] },
  ];
  const values = [...published.cells.flat(), ...published.rowTotals, ...published.columnTotals, published.total];
  const caps = [
    ...range(rowCount * columnCount).map(() => cellCap),
    ...range(rowCount).map(() => cellCap * columnCount),
    ...range(columnCount).map(() => cellCap * rowCount),
    cellCap * rowCount * columnCount,
  ];
  return { values, caps, equations };
}

/** Variables: the counts, then the total. */
function seriesPuzzle(published: { counts: (number | null)[]; total: number | null }, cellCap: number): Puzzle {
  const n = published.counts.length;
  return {
    values: [...published.counts, published.total],
    caps: [...published.counts.map(() => cellCap), cellCap * n],
    equations: [{ plus: published.counts.map((_, k) => k), minus: [n] }],
  };
}

class Solver {
  nodes = 0;
  private readonly equations: Equation[];
  constructor(equations: Equation[]) {
    this.equations = equations;
  }

  /** Tightens lo/hi in place until nothing changes; false when no solution fits. */
  propagate(lo: number[], hi: number[]): boolean {
    for (let changed = true; changed;) {
      changed = false;
      for (const { plus, minus } of this.equations) {
        const terms: [number, 1 | -1][] = [...plus.map((v): [number, 1] => [v, 1]), ...minus.map((v): [number, -1] => [v, -1])];
        for (const [v, sign] of terms) {
          // sign·x_v = −(the others), so bound the others' signed sum.
          let restMin = 0;
          let restMax = 0;
          for (const [w, s] of terms) {
            if (w === v) continue;
            restMin += s > 0 ? lo[w] : -hi[w];
            restMax += s > 0 ? hi[w] : -lo[w];
          }
          const [low, high] = sign > 0 ? [-restMax, -restMin] : [restMin, restMax];
          if (low > lo[v]) [lo[v], changed] = [low, true];
          if (high < hi[v]) [hi[v], changed] = [high, true];
          if (lo[v] > hi[v]) return false;
        }
      }
    }
    return true;
  }

  /** Is there a whole-number solution inside lo/hi? Depth first, halving the smallest open domain. */
  solvable(lo: number[], hi: number[]): boolean {
    if (++this.nodes > 2_000_000) throw new Error('attacker: search too large');
    if (!this.propagate(lo, hi)) return false;
    let pick = -1;
    for (let v = 0; v < lo.length; v++) if (lo[v] < hi[v] && (pick < 0 || hi[v] - lo[v] < hi[pick] - lo[pick])) pick = v;
    if (pick < 0) return true;
    const middle = Math.floor((lo[pick] + hi[pick]) / 2);
    const lower = [...hi];
    lower[pick] = middle;
    if (this.solvable([...lo], lower)) return true;
    const upper = [...lo];
    upper[pick] = middle + 1;
    return this.solvable(upper, [...hi]);
  }
}

interface Range {
  min: number;
  max: number;
}

/** The smallest and largest value of every variable consistent with everything published. */
function attack(puzzle: Puzzle, reader: Reader): Range[] {
  const solver = new Solver(puzzle.equations);
  const lo = puzzle.values.map((value) => value ?? (reader.hiddenArePositive ? 1 : 0));
  const hi = puzzle.values.map((value, v) => value ?? puzzle.caps[v]);
  if (!solver.propagate(lo, hi)) throw new Error('attacker: the published numbers contradict each other');
  const withBound = (v: number, low: number, high: number) => {
    const [l, h] = [[...lo], [...hi]];
    [l[v], h[v]] = [low, high];
    return solver.solvable(l, h);
  };
  return puzzle.values.map((value, v) => {
    if (value !== null) return { min: value, max: value };
    // Monotone questions, so binary search needs no assumption about the shape of the answer set.
    let [yes, no] = [lo[v], hi[v] + 1]; // «some solution has x ≥ yes» holds, «x ≥ no» does not
    if (withBound(v, hi[v], hi[v])) yes = hi[v];
    else
      while (no - yes > 1) {
        const m = Math.floor((yes + no) / 2);
        if (withBound(v, m, hi[v])) yes = m;
        else no = m;
      }
    const max = yes;
    [no, yes] = [lo[v] - 1, max]; // «some solution has x ≤ yes» holds, «x ≤ no» does not
    while (yes - no > 1) {
      const m = Math.floor((yes + no) / 2);
      if (withBound(v, lo[v], m)) yes = m;
      else no = m;
    }
    return { min: yes, max };
  });
}

/** The real numbers of a table with its margins, in the attacker's variable order. */
function originals(table: CountTable): number[] {
  const rowTotals = table.cells.map((row) => row.reduce((a, b) => a + b, 0));
  const columnTotals = table.columns.map((_, j) => table.cells.reduce((a, row) => a + row[j], 0));
  return [...table.cells.flat(), ...rowTotals, ...columnTotals, rowTotals.reduce((a, b) => a + b, 0)];
}

function publishedValues(result: ProtectedTable): (number | null)[] {
  return [...result.cells.flat(), ...result.rowTotals, ...result.columnTotals, result.total];
}

/**
 * Rules 1, 2 and 4 and the zero rule, for a table or a series flattened to the attacker's order:
 * every count under the threshold is withheld, published numbers are the real ones, zeros are shown,
 * `suppressed` counts the nulls, and no withheld count is pinned or provably small, for either reader.
 */
function expectProtected(real: number[], published: (number | null)[], suppressed: number, puzzle: Puzzle, threshold: number, readers = [POLICY_AWARE, NAIVE]) {
  expect(published).toHaveLength(real.length);
  real.forEach((value, v) => {
    if (value > 0 && value < threshold) expect(published[v], `count ${v} = ${value} is withheld`).toBeNull();
    if (value === 0) expect(published[v], `zero ${v} is published`).toBe(0);
    if (published[v] !== null) expect(published[v], `count ${v} is published unchanged`).toBe(value);
  });
  expect(suppressed).toBe(published.filter((value) => value === null).length);
  for (const reader of readers) {
    const ranges = attack(puzzle, reader);
    real.forEach((value, v) => {
      // The real table is one of the attacker's worlds.
      expect(ranges[v].min).toBeLessThanOrEqual(value);
      expect(ranges[v].max).toBeGreaterThanOrEqual(value);
      if (value > 0 && value < threshold) {
        expect(ranges[v].max, `count ${v} = ${value} could reach ${threshold}`).toBeGreaterThanOrEqual(threshold);
        expect(ranges[v].min, `count ${v} = ${value} is not pinned`).toBeLessThan(ranges[v].max);
      }
    });
  }
}

function checkTable(table: CountTable, threshold = MIN_PUBLISHED_COUNT, readers?: Reader[]): ProtectedTable {
  const result = protectTable(table, threshold);
  const cap = Math.max(0, ...table.cells.flat()) + threshold;
  expectProtected(originals(table), publishedValues(result), result.suppressed, tablePuzzle(result, cap), threshold, readers);
  expect(result.rows).toEqual(table.rows);
  expect(result.columns).toEqual(table.columns);
  return result;
}

function checkSeries(counts: number[], threshold = MIN_PUBLISHED_COUNT) {
  const labels = counts.map((_, k) => `m${k}`);
  const result = protectSeries(labels, counts, threshold);
  const total = counts.reduce((a, b) => a + b, 0);
  const cap = Math.max(0, ...counts) + threshold;
  expectProtected([...counts, total], [...result.counts, result.total], result.suppressed, seriesPuzzle(result, cap), threshold);
  expect(result.labels).toEqual(labels);
  return result;
}

const table = (cells: number[][]): CountTable => ({
  rows: cells.map((_, i) => `r${i}`),
  columns: (cells[0] ?? []).map((_, j) => `c${j}`),
  cells,
});

describe('the attacker', () => {
  it('pins a count withheld alone in its row', () => {
    const ranges = attack(seriesPuzzle({ counts: [null, 10, 7], total: 20 }, 20), NAIVE);
    expect(ranges[0]).toEqual({ min: 3, max: 3 });
  });

  it('proves two withheld counts small when they sum below the threshold', () => {
    const published = { counts: [null, null, 50], total: 53 };
    expect(attack(seriesPuzzle(published, 20), NAIVE).slice(0, 2)).toEqual([
      { min: 0, max: 3 },
      { min: 0, max: 3 },
    ]);
  });

  it('narrows withheld counts further when it knows zeros are always shown', () => {
    const published = { counts: [null, null, 50], total: 55 };
    expect(attack(seriesPuzzle(published, 20), NAIVE)[0]).toEqual({ min: 0, max: 5 });
    expect(attack(seriesPuzzle(published, 20), POLICY_AWARE)[0]).toEqual({ min: 1, max: 4 });
  });

  it('pins a cell joining two withheld cycles even though every line holds two withheld cells', () => {
    const real = table([
      [3, 9, 11, 12],
      [8, 6, 2, 13],
      [14, 15, 6, 7],
      [16, 17, 8, 9],
    ]);
    const hidden = new Set(['0,0', '0,1', '1,0', '1,1', '2,2', '2,3', '3,2', '3,3', '1,2']);
    const rowTotals = real.cells.map((row) => row.reduce((a, b) => a + b, 0));
    const columnTotals = real.columns.map((_, j) => real.cells.reduce((a, row) => a + row[j], 0));
    const published = {
      cells: real.cells.map((row, i) => row.map((value, j) => (hidden.has(`${i},${j}`) ? null : value))),
      rowTotals,
      columnTotals,
      total: rowTotals.reduce((a, b) => a + b, 0),
    };
    const ranges = attack(tablePuzzle(published, 30), NAIVE);
    expect(ranges[1 * 4 + 2]).toEqual({ min: 2, max: 2 });
    expect(ranges[0].max).toBeGreaterThan(ranges[0].min);
  });

  it('leaves a count unbounded when its whole line is withheld', () => {
    const ranges = attack(seriesPuzzle({ counts: [null, 0, 0], total: null }, 8), POLICY_AWARE);
    expect(ranges[0]).toEqual({ min: 1, max: 8 }); // the cap: any value at all
  });
});

describe('protectTable', () => {
  it('publishes a table without small counts unchanged', () => {
    const result = checkTable(
      table([
        [12, 7, 0],
        [5, 30, 9],
      ]),
    );
    expect(result).toEqual({
      rows: ['r0', 'r1'],
      columns: ['c0', 'c1', 'c2'],
      cells: [
        [12, 7, 0],
        [5, 30, 9],
      ],
      rowTotals: [19, 44],
      columnTotals: [17, 37, 9],
      total: 63,
      suppressed: 0,
    });
  });

  it('withholds a single small cell with the cheapest cycle of cells, keeping every total', () => {
    const result = checkTable({
      rows: ['Robo', 'Extorsión'],
      columns: ['Ahuachapán', 'Cabañas', 'Chalatenango'],
      cells: [
        [40, 2, 12],
        [25, 9, 30],
      ],
    });
    expect(result.cells).toEqual([
      [40, null, null],
      [25, null, null],
    ]);
    expect([result.rowTotals, result.columnTotals, result.total]).toEqual([[54, 64], [65, 11, 42], 118]);
    expect(result.suppressed).toBe(4);
  });

  it('protects a single small cell inside a larger table', () => {
    const result = checkTable(
      table([
        [20, 31, 18, 25],
        [17, 3, 22, 40],
        [26, 19, 33, 21],
        [28, 24, 30, 35],
      ]),
    );
    expect(result.suppressed).toBe(4); // one 2×2 cycle, totals untouched
    expect(result.rowTotals.every((value) => value !== null) && result.columnTotals.every((value) => value !== null)).toBe(true);
  });

  it('protects a row whose total is small, and the total with it', () => {
    const result = checkTable(
      table([
        [1, 2, 0],
        [10, 20, 30],
        [7, 8, 9],
      ]),
    );
    expect(result.rowTotals[0]).toBeNull();
    expect(result.cells[0]).toEqual([null, null, 0]);
  });

  it('withholds every non-zero number of a table that is all small', () => {
    const result = checkTable(
      table([
        [1, 0, 2],
        [0, 1, 0],
      ]),
    );
    expect(result.cells).toEqual([
      [null, 0, null],
      [0, null, 0],
    ]);
    expect([result.rowTotals, result.columnTotals, result.total]).toEqual([[null, null], [null, null, null], null]);
    expect(result.suppressed).toBe(9);
  });

  it('protects a small cell surrounded by zeros', () => {
    checkTable(
      table([
        [0, 0, 0, 0],
        [0, 3, 0, 0],
        [0, 0, 0, 12],
        [6, 0, 9, 0],
      ]),
    );
    checkTable(
      table([
        [4, 0],
        [0, 0],
      ]),
    );
    checkTable(
      table([
        [0, 0, 2],
        [0, 0, 40],
      ]),
    );
  });

  it('protects small cells in a one-row table, whose column totals repeat the cells', () => {
    const result = checkTable(table([[3, 0, 8, 12]]));
    expect(result.cells[0][0]).toBeNull();
    expect(result.columnTotals[0]).toBeNull();
  });

  it('protects small cells in a one-column table', () => {
    checkTable(table([[9], [2], [0], [14]]));
  });

  it('handles empty and all-zero tables', () => {
    expect(protectTable({ rows: [], columns: ['a'], cells: [] })).toEqual({
      rows: [],
      columns: ['a'],
      cells: [],
      rowTotals: [],
      columnTotals: [0],
      total: 0,
      suppressed: 0,
    });
    expect(protectTable({ rows: ['a'], columns: [], cells: [[]] }).rowTotals).toEqual([0]);
    expect(
      checkTable(
        table([
          [0, 0],
          [0, 0],
        ]),
      ).suppressed,
    ).toBe(0);
  });

  it('takes another threshold', () => {
    const cells = [
      [6, 9, 30],
      [12, 2, 25],
    ];
    expect(protectTable(table(cells), 1).suppressed).toBe(0);
    const strict = checkTable(table(cells), 10);
    expect(strict.cells[0][0]).toBeNull();
    expect(strict.cells[0][1]).toBeNull();
    checkTable(table(cells), 2);
  });

  it('gives the same answer every time and leaves its input alone', () => {
    const input = table([
      [3, 8, 1],
      [11, 0, 6],
      [2, 14, 9],
    ]);
    const copy = structuredClone(input);
    const first = protectTable(input);
    expect(protectTable(input)).toEqual(first);
    expect(input).toEqual(copy);
    first.rows.push('x');
    expect(input.rows).toEqual(copy.rows);
  });

  it('rejects tables that are not counts', () => {
    expect(() => protectTable({ rows: ['a'], columns: ['x'], cells: [] })).toThrow(RangeError);
    expect(() => protectTable({ rows: ['a'], columns: ['x', 'y'], cells: [[1]] })).toThrow(RangeError);
    expect(() => protectTable(table([[1, -1]]))).toThrow(RangeError);
    expect(() => protectTable(table([[1.5]]))).toThrow(RangeError);
    expect(() => protectTable(table([[Number.NaN]]))).toThrow(RangeError);
    expect(() => protectTable(table([[1]]), 0)).toThrow(RangeError);
    expect(() => protectTable(table([[1]]), 2.5)).toThrow(RangeError);
  });
});

describe('protectSeries', () => {
  it('withholds a lone small count with the smallest count that covers it', () => {
    expect(checkSeries([3, 0, 12, 40])).toEqual({ labels: ['m0', 'm1', 'm2', 'm3'], counts: [null, 0, null, 40], total: 55, suppressed: 2 });
  });

  it('does not let two small counts cover each other when they sum to little', () => {
    // 3 + 2 = 5 would leave each of them at most 4 for a reader who knows withheld means at least 1.
    expect(checkSeries([3, 2, 50]).counts).toEqual([null, null, null]);
    expect(checkSeries([3, 4, 50]).counts).toEqual([null, null, 50]);
  });

  it('withholds the total when the whole series is small', () => {
    expect(checkSeries([3, 0, 0])).toEqual({ labels: ['m0', 'm1', 'm2'], counts: [null, 0, 0], total: null, suppressed: 2 });
    expect(checkSeries([1, 1, 1]).total).toBeNull();
  });

  it('covers a small count next to zeros with the total when nothing else is left', () => {
    const result = checkSeries([0, 2, 0, 9]);
    expect(result.counts).toEqual([0, null, 0, null]);
    expect(result.total).toBe(11);
    expect(checkSeries([0, 2, 0]).total).toBeNull();
    expect(checkSeries([7]).counts).toEqual([7]);
    expect(checkSeries([]).total).toBe(0);
  });

  it('matches a one-row table in what it withholds among the counts', () => {
    const counts = [3, 0, 8, 12, 2];
    const series = protectSeries(counts.map(String), counts);
    expect(series.counts.map((value) => value === null)).toEqual(protectTable(table([counts])).cells[0].map((value) => value === null));
  });

  it('rejects a series that is not counts', () => {
    expect(() => protectSeries(['a'], [])).toThrow(RangeError);
    expect(() => protectSeries(['a'], [-2])).toThrow(RangeError);
    expect(() => protectSeries(['a'], [3], -1)).toThrow(RangeError);
  });
});

/** Mostly zeros and small counts, so most random tables need real work. */
const count = (largest: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) },
    { weight: 3, arbitrary: fc.integer({ min: 5, max: largest }) },
  );

const smallTable = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
  .chain(([rows, columns]) => fc.array(fc.array(count(15), { minLength: columns, maxLength: columns }), { minLength: rows, maxLength: rows }));

describe('protection properties', () => {
  it('no withheld count of a small random table can be worked out or proved small', () => {
    fc.assert(
      fc.property(smallTable, fc.constantFrom(5, 5, 5, 3), (cells, threshold) => {
        checkTable(table(cells), threshold, [POLICY_AWARE]);
      }),
      { numRuns: 600 },
    );
  });

  it('no withheld count of a random series can be worked out or proved small', () => {
    fc.assert(
      fc.property(fc.array(count(20), { maxLength: 8 }), fc.constantFrom(5, 5, 3), (counts, threshold) => {
        checkSeries(counts, threshold);
      }),
      { numRuns: 400 },
    );
  });

  it('large tables keep the threshold, the published values and the line sums, and repeat themselves', () => {
    const largeTable = fc
      .tuple(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 1, max: 12 }))
      .chain(([rows, columns]) => fc.array(fc.array(count(60), { minLength: columns, maxLength: columns }), { minLength: rows, maxLength: rows }));
    fc.assert(
      fc.property(largeTable, (cells) => {
        const input = table(cells);
        const result = protectTable(input);
        const real = originals(input);
        const published = publishedValues(result);
        real.forEach((value, v) => {
          if (value > 0 && value < MIN_PUBLISHED_COUNT) expect(published[v]).toBeNull();
          if (published[v] !== null) expect(published[v]).toBe(value);
        });
        // A necessary condition the attacker would otherwise exploit line by line: in every line whose
        // total is published, the withheld numbers hold at least threshold + (how many they are − 1)
        // — else one of them could not reach the threshold while the others stay at 1 or more.
        const lines = [
          ...result.cells.map((row, i) => ({ cells: row, real: input.cells[i], total: result.rowTotals[i] })),
          ...result.columnTotals.map((total, j) => ({ cells: result.cells.map((row) => row[j]), real: input.cells.map((row) => row[j]), total })),
        ];
        for (const line of lines) {
          if (line.total === null) continue;
          const hidden = line.real.filter((_, k) => line.cells[k] === null);
          if (hidden.some((value) => value < MIN_PUBLISHED_COUNT)) {
            expect(hidden.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(MIN_PUBLISHED_COUNT + hidden.length - 1);
          }
        }
        expect(protectTable(structuredClone(input))).toEqual(result);
      }),
      { numRuns: 200 },
    );
  });
});
