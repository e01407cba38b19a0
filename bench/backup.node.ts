// Bench section: `npm run db:backup` of a large store while the server answers searches. The
// copy runs as the operator runs it (its own process, VACUUM INTO) against the same file the
// server reads; searches go to the server with no result cache, so each runs the engine.
// Target: search p95 during the backup ÷ search p95 without it ≤ 2. Bounded in time: the
// baseline lasts `seconds`, the backup at most `maxBackupSeconds` (then it is stopped).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export interface BackupBenchResult {
  baselineP95: number;
  duringP95: number;
  ratio: number;
  backupSeconds: number;
  searchesDuring: number;
  completed: boolean;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Searches in rotation until `until()` says stop; the time of each. One connection by default, so
 * the figure is a search's latency, not the queue in front of one event loop.
 */
async function searchWhile(url: string, queries: string[], until: () => boolean, connections = 1): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (!until()) {
      const query = queries[next++ % queries.length];
      const started = performance.now();
      const response = await fetch(`${url}/api/search?q=${encodeURIComponent(query)}`);
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`/api/search respondió ${response.status} durante la prueba de copias`);
      times.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return times;
}

/**
 * @example await benchBackupWhileSearching({ root, databasePath, searchUrl, queries, work, seconds: 5 })
 */
export async function benchBackupWhileSearching(options: {
  root: string;
  databasePath: string;
  /** A server over the same store answering /api/search without caches. */
  searchUrl: string;
  queries: string[];
  work: string;
  seconds: number;
  maxBackupSeconds?: number;
}): Promise<BackupBenchResult> {
  const maxBackupSeconds = options.maxBackupSeconds ?? 180;
  // Warm-up, then the baseline.
  const warmEnd = performance.now() + 1_000;
  await searchWhile(options.searchUrl, options.queries, () => performance.now() > warmEnd);
  const baseEnd = performance.now() + options.seconds * 1000;
  const baseline = await searchWhile(options.searchUrl, options.queries, () => performance.now() > baseEnd);

  const file = join(options.work, 'respaldo-bench.db');
  rmSync(file, { force: true });
  rmSync(`${file}.manifest.json`, { force: true });
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/run.mjs', 'scripts/db-backup.node.ts', file], {
    cwd: options.root,
    env: { ...process.env, DATABASE_URL: `file:${options.databasePath}` },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let done = false;
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      done = true;
      exitCode = code;
      resolve();
    }),
  );
  const timer = setTimeout(() => child.kill('SIGTERM'), maxBackupSeconds * 1000);
  const during = await searchWhile(options.searchUrl, options.queries, () => done);
  await exited;
  clearTimeout(timer);
  const backupSeconds = Math.round((performance.now() - started) / 100) / 10;
  rmSync(file, { force: true });
  rmSync(`${file}.manifest.json`, { force: true });
  rmSync(`${file}.partial`, { force: true });
  const baselineP95 = Math.round(percentile(baseline, 95) * 100) / 100;
  const duringP95 = during.length > 0 ? Math.round(percentile(during, 95) * 100) / 100 : NaN;
  return {
    baselineP95,
    duringP95,
    ratio: Math.round((duringP95 / baselineP95) * 100) / 100,
    backupSeconds,
    searchesDuring: during.length,
    completed: exitCode === 0,
  };
}
