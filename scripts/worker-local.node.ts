// The Worker run locally in workerd (wrangler dev, offline), against a libSQL file served over HTTP
// by scripts/libsql-http.node.ts, so the Worker's unmodified @libsql/client/web code talks to a
// real engine. Used by `npm run worker:dev`, the Worker's end-to-end tests and the benchmarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLibsqlHttpServer } from './libsql-http.node.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');

export interface LocalWorker {
  url: string;
  /** The libSQL-over-HTTP address the Worker uses as DATABASE_URL. */
  databaseUrl: string;
  /** What wrangler and the Worker printed (console.log of the Worker included). */
  output(): string;
  close(): Promise<void>;
}

/** Configuration a person may set for the local Worker, passed through from the environment. */
const PASSED_THROUGH = /^(PUBLIC_BASE_URL|MEILI_.+|TELEGRAM_.+|TWILIO_.+|CONTACT_RETENTION_DAYS)$/;

/** Picks, from `env`, the variables the Worker reads (for `npm run worker:dev`). */
export function workerVarsFrom(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => PASSED_THROUGH.test(entry[0]) && entry[1] !== undefined));
}

/**
 * Serves the libSQL file at `databasePath` (already migrated: `prepareStore`) over HTTP and starts
 * the Worker in workerd on `port` (0: a free one) with `dataKey` and `vars`. Secrets go to wrangler
 * in a private env file, never on a command line.
 */
export async function startLocalWorker(options: {
  databasePath: string;
  dataKey: string;
  port?: number;
  vars?: Record<string, string>;
  /** How long to wait for wrangler's «Ready» (default 90 s: the first run also bundles). */
  startTimeoutMs?: number;
}): Promise<LocalWorker> {
  const libsql = await startLibsqlHttpServer({ path: options.databasePath });
  const secrets = mkdtempSync(join(tmpdir(), 'portal-worker-'));
  const envFile = join(secrets, 'worker.env');
  const vars = { ...options.vars, DATABASE_URL: libsql.url, DATA_KEY: options.dataKey };
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([name, value]) => `${name}=${JSON.stringify(value)}\n`)
      .join(''),
    { mode: 0o600 },
  );
  const port = options.port ?? 0;
  let log = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      wrangler,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port === 0 ? await freePort() : port),
      '--env-file',
      envFile,
      '--test-scheduled',
      '--show-interactive-dev-session=false',
      '--persist-to',
      join(secrets, 'state'),
      '--log-level',
      'info',
    ],
    // Offline: no telemetry, and no fetch of Cloudflare's request.cf sample (a placeholder is used).
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1', CI: '1' },
    },
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => resolve(clearTimeout(force)));
      });
    }
    await libsql.close();
    rmSync(secrets, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev no respondió a tiempo:\n${log}`)), options.startTimeoutMs ?? 90_000);
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        const ready = /Ready on (http:\/\/[^\s]+)/.exec(log);
        if (ready) {
          clearTimeout(timer);
          resolve(ready[1].replace(/\/$/, ''));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`wrangler dev terminó (${code}):\n${log}`));
      });
    });
    return { url, databaseUrl: libsql.url, output: () => log, close: stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A port nobody listens on now (wrangler needs a number; 0 is not accepted). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
