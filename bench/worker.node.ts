// The Worker's figures: bundle size (and its largest modules), startup CPU time as `wrangler check
// startup` profiles it in workerd, and procedure-page requests per second through workerd against
// the Node server's on the same machine and the same store file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { buildWorker } from '../bin/build-worker.mjs';
import { consoleLog } from '../api/errors.ts';
import { listen } from '../server.node.ts';
import { startLocalWorker } from '../scripts/worker-local.node.ts';
import { generateDataKey } from '../store/field-cipher.ts';
import { openConfiguredStore, prepareStore } from '../store/seed.node.ts';

const root = new URL('..', import.meta.url).pathname;
const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const quiet = { info: () => undefined, error: consoleLog.error };

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** CPU time of the Worker's start (parsing and running its global scope), from workerd's own profile. */
function startupMs(dir: string): number {
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' };
  const bundle = join(dir, 'worker.bundle');
  const profile = join(dir, 'startup.cpuprofile');
  for (const args of [
    ['deploy', '--dry-run', '--outfile', bundle],
    ['check', 'startup', '--worker', bundle, '--outfile', profile],
  ]) {
    const run = spawnSync(process.execPath, [wrangler, ...args], { cwd: root, env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`wrangler ${args[0]} falló:\n${run.stdout}\n${run.stderr}`);
  }
  const data = JSON.parse(readFileSync(profile, 'utf8')) as CpuProfile;
  const idle = new Set(data.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  let busy = 0;
  data.samples.forEach((sample, index) => {
    if (!idle.has(sample)) busy += data.timeDeltas[index] ?? 0;
  });
  return Math.round(busy / 100) / 10;
}

/** Requests per second; answers other than 200 are counted and named, and fail the run past 1 %. */
async function pageRps(url: string, seconds: number): Promise<number> {
  const statuses = new Map<number, number>();
  const result = await autocannon({
    url,
    connections: 16,
    duration: seconds,
    setupClient: (client) => client.on('response', (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1)),
  });
  const others = [...statuses].filter(([status]) => status !== 200);
  if (others.length > 0) console.log(`      ${url}: respuestas distintas de 200: ${others.map(([status, n]) => `${n}× ${status}`).join(', ')}`);
  if (result.errors > 0 || result.non2xx > result['2xx'] / 100) throw new Error(`${url}: ${result.non2xx} respuestas no 2xx, ${result.errors} errores`);
  return Math.round(result.requests.average);
}

export async function benchWorker(seconds: number): Promise<{
  gzipKb: number;
  largest: { module: string; kb: number }[];
  startupMs: number;
  workerRps: number;
  nodeRps: number;
}> {
  const report = await buildWorker({ quiet: true });
  const dir = mkdtempSync(join(tmpdir(), 'portal-bench-worker-'));
  try {
    const startup = startupMs(dir);
    const databasePath = join(dir, 'portal.db');
    const dataKey = generateDataKey();
    const store = await openConfiguredStore({ DATABASE_URL: `file:${databasePath}`, DATA_KEY: dataKey });
    await prepareStore(store);
    const slug = String((await store.db.execute('SELECT slug FROM procedures WHERE synthetic = 0 ORDER BY length(document) DESC LIMIT 1')).rows[0].slug);
    // Node first, alone on the machine; then the Worker over HTTP to the same file.
    const node = await listen({ store, log: quiet, port: 0, host: '127.0.0.1', jobSpeed: 0 });
    let nodeRps: number;
    try {
      await pageRps(`${node.url}/tramites/${slug}`, 1);
      nodeRps = await pageRps(`${node.url}/tramites/${slug}`, seconds);
    } finally {
      await node.close();
      store.close();
    }
    const worker = await startLocalWorker({ databasePath, dataKey });
    let workerRps: number;
    try {
      await pageRps(`${worker.url}/tramites/${slug}`, 1);
      workerRps = await pageRps(`${worker.url}/tramites/${slug}`, seconds);
      const errors = worker
        .output()
        .split('\n')
        .filter((line) => /error|Error|exception/.test(line))
        .slice(0, 8);
      if (errors.length > 0) console.log(`      lo que el Worker registró:\n        ${errors.join('\n        ')}`);
    } catch (error) {
      // Say what the Worker itself reported for the failed answers (its error lines, no personal data).
      const errors = worker
        .output()
        .split('\n')
        .filter((line) => /error|Error|excepción|exception/.test(line))
        .slice(0, 8);
      if (errors.length > 0) console.log(`      lo que el Worker registró:\n        ${errors.join('\n        ')}`);
      throw error;
    } finally {
      await worker.close();
    }
    return {
      gzipKb: Math.round(report.gzipBytes / 1024),
      largest: report.largest.slice(0, 8).map(({ module, bytes }) => ({ module, kb: Math.round(bytes / 1024) })),
      startupMs: startup,
      workerRps,
      nodeRps,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
