import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portal-start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('npm start', () => {
  it('migrates and seeds an empty store, serves site and API on PORT, and prints the URL', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['bin/start.mjs'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), DATABASE_URL: `file:${join(dir, 'start.db')}` },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toContain(`http://localhost:${port}`);
      expect(output).toMatch(/Catálogo inicial cargado: \d+ trámites/);
      // Output to a pipe (a log) never carries a password: it says how to create the first admin.
      expect(output).toContain('Aún no hay cuenta de administración. Créela desde una terminal: npm run user:create');
      expect(output).not.toMatch(/Contraseña de un solo uso/);
      const health = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok' });
      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-encoding')).toMatch(/^(br|gzip)$/);
      // The search script is a hashed file served whole, compressed and cached for a year.
      const script = /<script type="module" src="([^"]+)"/.exec(await home.text())?.[1];
      expect(script).toMatch(/^\/_astro\//);
      const asset = await fetch(`http://127.0.0.1:${port}${script}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toContain('immutable');
      expect(await asset.text()).toContain('aria-activedescendant');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it.skipIf(!existsSync('/usr/bin/script'))('shows the first admin’s one-time password on a terminal, once', async () => {
    const port = await freePort();
    const db = join(dir, 'tty.db');
    // `script` gives the server a terminal (a pty) and copies what it shows.
    const child = spawn('/usr/bin/script', ['-qfec', `${process.execPath} bin/start.mjs`, '/dev/null'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), DATABASE_URL: `file:${db}` },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    try {
      await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toContain(`http://localhost:${port}`);
      expect(output).toMatch(/Primera cuenta de administración: admin@localhost\.local\r?\n.*\r?\n[A-Za-z0-9_-]{20}\r?\n/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('says clearly, without a stack trace, that the port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as { port: number }).port;
    const result = spawnSync(process.execPath, ['bin/start.mjs'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), DATABASE_URL: `file:${join(dir, 'busy.db')}` },
      encoding: 'utf8',
      timeout: 60_000,
    });
    blocker.close();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`El puerto ${port} ya está en uso`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses to start in production without DATA_KEY, and keeps a generated key beside a local database', () => {
    const production = spawnSync(process.execPath, ['bin/start.mjs'], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', DATA_KEY: '', DATABASE_URL: `file:${join(dir, 'prod.db')}` },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(production.status).toBe(1);
    expect(production.stderr).toContain('Defina DATA_KEY');
    expect(existsSync(join(dir, 'start.db.key'))).toBe(true);
    expect(readFileSync(join(dir, 'start.db.key'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a bad PORT naming the variable', () => {
    const result = spawnSync(process.execPath, ['bin/start.mjs'], { cwd: root, env: { ...process.env, PORT: 'abc' }, encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/PORT/);
  });

  it.skipIf(!existsSync('/usr/bin/node'))('explains an old Node instead of failing with a stack trace', () => {
    const version = spawnSync('/usr/bin/node', ['--version'], { encoding: 'utf8' }).stdout.trim();
    const [major, minor] = version.slice(1).split('.').map(Number);
    if (major > 22 || (major === 22 && minor >= 12)) return; // this machine's system Node is new enough
    const result = spawnSync('/usr/bin/node', ['bin/start.mjs'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('necesita Node.js 22.12 o más reciente');
  });
});
