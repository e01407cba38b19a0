/**
 * Statistical disclosure control for the counts the portal publishes (architecture, victim safety
 * rule 8). A count of 1 to 4 could single someone out — one violence case in a small department in
 * one month — so it is withheld (primary suppression), and so is whatever would let a reader work it
 * out again from the totals (complementary suppression). Published numbers are never rounded or
 * perturbed: a number is either the true count or null.
 *
 * The reader we defend against knows every published number, that counts are whole numbers, that
 * cells add up to their row and column totals and those to the grand total, and also our rules: that
 * zeros are always published, so every withheld number is at least 1. For each withheld count under
 * the threshold, the largest value consistent with all of that must reach the threshold; then the
 * reader can neither work the count out nor prove that it is small.
 *
 * Zeros are always published and never withheld. A zero singles out no one, and sparse tables (reports
 * by department × kind) are mostly zeros: hiding them would blank out what the table is for. A
 * withheld zero could serve as a complementary cell (it can absorb an increase), but the protection
 * below never needs one, and because zeros are always shown the reader learns that each withheld
 * number is at least 1 — which is why the protection assumes that reader.
 *
 * How it works. A table with its margins is a circulation: make a node of every row, every column, the
 * row of column totals and the column of row totals; cell (i, j) carries its count from row i to column
 * j, column total j from column j to the totals row, the grand total from the totals row to the totals
 * column, and row total i from the totals column back to row i. What enters each node leaves it, which
 * is exactly «the cells add up to their totals». (A series is two nodes: each count goes one way, the
 * total comes back.) What a reader cannot pin down is how much the withheld numbers can shift along
 * cycles of withheld arcs: +δ on arcs walked forwards, −δ on arcs walked backwards, never below 1. So
 * the largest value of a withheld number p is its count plus the maximum flow from p's head back to
 * its tail through the other withheld arcs, each able to carry any amount forwards and its count − 1
 * backwards. The constraints form a network matrix (totally unimodular), so that flow is also the
 * answer over whole numbers.
 *
 * The algorithm, for every count under the threshold, smallest first: compute that flow (Edmonds–Karp);
 * if it falls short of `threshold − count`, take the cheapest augmenting path through published
 * non-zero numbers (Dijkstra; cost = the people a number hides, then how many numbers) and withhold
 * them. Withholding more only adds arcs, so a count once protected stays protected and one pass is
 * enough. A path always exists (e.g. column total → grand total → row total, all walked forwards), so
 * in the worst case everything non-zero is withheld, which is always safe.
 *
 * Limits: the choice is a heuristic, not the fewest cells possible (that problem is NP-hard); it
 * protects against what additivity reveals, not against a reader who also knows some of the people
 * counted, nor against one who reverse-engineers which cells the heuristic would have chosen; and it
 * protects one table at a time — two tables that share cells (the same counts by month and by
 * department) must be protected together or their withheld cells can be worked out from each other.
 */

/** Counts from 1 to this minus 1 are never published. */
export const MIN_PUBLISHED_COUNT = 5;

/** Counts to publish: `cells[row][column]`, non-negative integers. */
export interface CountTable {
  rows: string[];
  columns: string[];
  cells: number[][];
}

/** A table ready to publish, with its margins; null is a withheld number («< 5 o reservado»). */
export interface ProtectedTable {
  rows: string[];
  columns: string[];
  cells: (number | null)[][];
  rowTotals: (number | null)[];
  columnTotals: (number | null)[];
  total: number | null;
  /** How many published numbers (cells and totals) were suppressed. */
  suppressed: number;
}

/**
 * Suppresses every cell 1..threshold-1, then complementary cells and totals, so no suppressed value can be recovered.
 *
 * @example
 * protectTable({ rows: ['Robo', 'Extorsión'], columns: ['Ahuachapán', 'Cabañas', 'Chalatenango'], cells: [[40, 2, 12], [25, 9, 30]] });
 * // cells [[40, null, null], [25, null, null]]; rowTotals [54, 64], columnTotals [65, 11, 42], total 118; suppressed 4
 */
export function protectTable(table: CountTable, threshold = MIN_PUBLISHED_COUNT): ProtectedTable {
  checkThreshold(threshold);
  const { rows, columns, cells } = table;
  if (cells.length !== rows.length) throw new RangeError(`protectTable: ${rows.length} row labels but ${cells.length} rows of cells`);
  cells.forEach((row, i) => {
    if (row.length !== columns.length) throw new RangeError(`protectTable: row ${i} has ${row.length} cells, expected ${columns.length}`);
    row.forEach(checkCount);
  });

  const rowTotals = cells.map(sum);
  const columnTotals = columns.map((_, j) => sum(cells.map((row) => row[j])));
  const total = sum(rowTotals);

  // Nodes: rows 0..R-1, then the totals row, then the columns, then the totals column.
  const totalsRow = rows.length;
  const column = (j: number) => rows.length + 1 + j;
  const totalsColumn = rows.length + columns.length + 1;
  const arcs: Arc[] = [
    ...cells.flatMap((row, i) => row.map((value, j) => ({ tail: i, head: column(j), value }))),
    ...rowTotals.map((value, i) => ({ tail: totalsColumn, head: i, value })),
    ...columnTotals.map((value, j) => ({ tail: column(j), head: totalsRow, value })),
    { tail: totalsRow, head: totalsColumn, value: total },
  ];
  const withheld = withholdArcs(totalsColumn + 1, arcs, threshold);

  let next = 0;
  const publish = (value: number) => (withheld[next++] ? null : value);
  return {
    rows: [...rows],
    columns: [...columns],
    cells: cells.map((row) => row.map(publish)),
    rowTotals: rowTotals.map(publish),
    columnTotals: columnTotals.map(publish),
    total: publish(total),
    suppressed: withheld.filter(Boolean).length,
  };
}

/**
 * A one-dimensional series with its total (e.g. cases per month): the same rules with one row.
 *
 * @example
 * protectSeries(['enero', 'febrero', 'marzo', 'abril'], [3, 0, 12, 40]);
 * // { labels: [...], counts: [null, 0, null, 40], total: 55, suppressed: 2 }
 */
export function protectSeries(
  labels: string[],
  counts: number[],
  threshold = MIN_PUBLISHED_COUNT,
): { labels: string[]; counts: (number | null)[]; total: number | null; suppressed: number } {
  checkThreshold(threshold);
  if (counts.length !== labels.length) throw new RangeError(`protectSeries: ${labels.length} labels but ${counts.length} counts`);
  counts.forEach(checkCount);

  // Two nodes: every count flows from 0 to 1 and the total flows back.
  const total = sum(counts);
  const arcs: Arc[] = [...counts.map((value) => ({ tail: 0, head: 1, value })), { tail: 1, head: 0, value: total }];
  const withheld = withholdArcs(2, arcs, threshold);
  return {
    labels: [...labels],
    counts: counts.map((value, i) => (withheld[i] ? null : value)),
    total: withheld[counts.length] ? null : total,
    suppressed: withheld.filter(Boolean).length,
  };
}

/** One published number as an arc of the circulation: its count flows from `tail` to `head`. */
interface Arc {
  tail: number;
  head: number;
  value: number;
}

/** An arc walked from one of its ends: forwards (tail → head, the count grows) or backwards (it shrinks). */
interface Step {
  arc: number;
  forward: boolean;
  to: number;
}

/** Which arcs to withhold: every count 1..threshold-1, then enough others that each stays unknowable. */
function withholdArcs(nodeCount: number, arcs: readonly Arc[], threshold: number): boolean[] {
  // Small totals are primary too, though protecting the cells would force them out anyway: a published
  // total under the threshold caps every withheld cell of its line below the threshold.
  const withheld = arcs.map((arc) => arc.value > 0 && arc.value < threshold);
  // Published zeros are fixed and never withheld, so they take part in no cycle.
  const steps: Step[][] = Array.from({ length: nodeCount }, () => []);
  arcs.forEach((arc, index) => {
    if (arc.value === 0) return;
    steps[arc.tail].push({ arc: index, forward: true, to: arc.head });
    steps[arc.head].push({ arc: index, forward: false, to: arc.tail });
  });

  // Smallest counts first: they need the most room, and later ones can often reuse it.
  const primaries = arcs
    .map((_, index) => index)
    .filter((index) => withheld[index])
    .sort((a, b) => arcs[a].value - arcs[b].value || a - b);

  for (const target of primaries) {
    const need = threshold - arcs[target].value;
    const source = arcs[target].head;
    const sink = arcs[target].tail;
    // How far each arc has moved in the flow found so far; a withheld arc never drops below 1.
    const shift = new Array<number>(arcs.length).fill(0);
    const room = (step: Step) => (step.forward ? Infinity : arcs[step.arc].value - 1 + shift[step.arc]);

    // What the numbers already withheld allow.
    let flow = 0;
    while (flow < need) {
      const path = shortestPath(steps, source, sink, (step) => step.arc !== target && withheld[step.arc] && room(step) > 0);
      if (!path) break;
      const amount = Math.min(need - flow, ...path.map(room));
      for (const step of path) shift[step.arc] += step.forward ? amount : -amount;
      flow += amount;
    }
    if (flow >= need) continue;

    // The rest through the cheapest published numbers, which are then withheld too.
    const deficit = need - flow;
    const path = cheapestPath(
      steps,
      source,
      sink,
      (step) => step.arc !== target && room(step) >= deficit,
      (arc) => (withheld[arc] ? 0 : arcs[arc].value),
    );
    // Unreachable: column total, grand total and row total (or the total, or a non-zero cell) close a cycle walked forwards.
    if (!path) throw new Error('disclosure: no cycle can protect a withheld count');
    for (const step of path) withheld[step.arc] = true;
  }
  return withheld;
}

/** How a search reached a node: the step taken and the node it was taken from. */
type Reached = { step: Step; from: number } | null;

/** Fewest steps from `source` to `sink` using allowed steps (breadth first, in a fixed order). */
function shortestPath(steps: Step[][], source: number, sink: number, allowed: (step: Step) => boolean): Step[] | null {
  const via: Reached[] = steps.map(() => null);
  const seen = steps.map((_, node) => node === source);
  const queue = [source];
  for (let next = 0; next < queue.length && !seen[sink]; next++) {
    const node = queue[next];
    for (const step of steps[node]) {
      if (seen[step.to] || !allowed(step)) continue;
      seen[step.to] = true;
      via[step.to] = { step, from: node };
      queue.push(step.to);
    }
  }
  return seen[sink] ? trace(via, source, sink) : null;
}

/**
 * Cheapest path from `source` to `sink` using allowed steps: least total cost, then fewest costly
 * steps (Dijkstra over the few nodes of a table; ties go to the earlier node, so the result is stable).
 */
function cheapestPath(steps: Step[][], source: number, sink: number, allowed: (step: Step) => boolean, cost: (arc: number) => number): Step[] | null {
  const distance = steps.map(() => Infinity);
  const count = steps.map(() => Infinity);
  const via: Reached[] = steps.map(() => null);
  const done = steps.map(() => false);
  const better = (d: number, c: number, node: number) => d < distance[node] || (d === distance[node] && c < count[node]);
  distance[source] = 0;
  count[source] = 0;
  for (;;) {
    let node = -1;
    for (let candidate = 0; candidate < steps.length; candidate++) {
      if (!done[candidate] && distance[candidate] < Infinity && (node < 0 || better(distance[candidate], count[candidate], node))) node = candidate;
    }
    if (node < 0 || node === sink) break;
    done[node] = true;
    for (const step of steps[node]) {
      if (done[step.to] || !allowed(step)) continue;
      const price = cost(step.arc);
      const nextDistance = distance[node] + price;
      const nextCount = count[node] + (price > 0 ? 1 : 0);
      if (better(nextDistance, nextCount, step.to)) {
        distance[step.to] = nextDistance;
        count[step.to] = nextCount;
        via[step.to] = { step, from: node };
      }
    }
  }
  return distance[sink] < Infinity ? trace(via, source, sink) : null;
}

/** The steps from `source` to `sink`, following how each node was reached. */
function trace(via: Reached[], source: number, sink: number): Step[] {
  const path: Step[] = [];
  for (let node = sink; node !== source;) {
    const { step, from } = via[node]!;
    path.unshift(step);
    node = from;
  }
  return path;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function checkCount(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`disclosure: a count must be a non-negative integer, got ${value}`);
}

function checkThreshold(threshold: number): void {
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new RangeError(`disclosure: the threshold must be a positive integer, got ${threshold}`);
}
