// npm run bench: speed and size figures, each against a baseline measured in the same run.
// Prints a table and writes .bench/results.json. Load runs on loopback only, bounded in time.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { consoleLog } from '../api/errors.ts';
import { openStore } from '../store/db.ts';
import { prepareStore } from '../store/seed.node.ts';
import { listen } from '../server.node.ts';
import { ensureSiteBuilt } from '../bin/build-site.mjs';

interface Figure {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}

const figures: Figure[] = [];
const record = (figure: Figure) => {
  figures.push(figure);
  console.log(`${figure.ok ? 'ok  ' : 'FAIL'} ${figure.name}: ${figure.value} ${figure.unit} (objetivo ${figure.target})`);
};

const seconds = Number(process.env.BENCH_SECONDS ?? 5);

async function load(url: string, headers: Record<string, string> = {}): Promise<number> {
  const result = await autocannon({ url, connections: 16, duration: seconds, headers: { 'accept-encoding': 'gzip', ...headers } });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return Math.round(result.requests.average);
}

async function main() {
  await ensureSiteBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'portal-bench-'));
  const store = await openStore({ url: `file:${join(dir, 'bench.db')}` });
  await prepareStore(store);
  const server = await listen({ store, log: consoleLog, port: 0, host: '127.0.0.1' });

  // The heaviest real procedure page: the one with the longest stored document.
  const heaviest = await store.db.execute("SELECT slug FROM procedures WHERE synthetic = 0 ORDER BY length(document) DESC LIMIT 1");
  const slug = String(heaviest.rows[0].slug);
  const pageUrl = `${server.url}/tramites/${slug}`;
  const response = await fetch(pageUrl);
  const html = await response.text();
  const etag = response.headers.get('ETag') ?? '';
  const stylesheets = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
  let cssBytes = '';
  for (const href of stylesheets) cssBytes += await (await fetch(new URL(href, server.url))).text();
  const gzipKb = Math.round(((gzipSync(html).length + (cssBytes ? gzipSync(cssBytes).length : 0)) / 1024) * 10) / 10;
  record({ name: `página de trámite (${slug}) HTML + CSS gzip`, value: gzipKb, unit: 'KB', target: '≤ 30 KB', ok: gzipKb <= 30 });
  const scripts = [...html.matchAll(/<script(?![^>]*application\/ld\+json)[^>]*>/g)].length;
  record({ name: 'JavaScript necesario en la página de trámite', value: scripts, unit: 'scripts', target: '0', ok: scripts === 0 });
  const repeat = await fetch(pageUrl, { headers: { 'If-None-Match': etag } });
  record({ name: 'vista repetida (If-None-Match)', value: repeat.status, unit: 'HTTP', target: '304', ok: repeat.status === 304 });

  // Baseline: the same bytes as a static file, through the same HTTP stack and compression.
  const staticDir = mkdtempSync(join(tmpdir(), 'portal-static-'));
  mkdirSync(join(staticDir, 'tramites'));
  writeFileSync(join(staticDir, 'tramites', `${slug}.html`), html);
  const staticApp = new Hono();
  staticApp.use('*', compress());
  staticApp.use('*', serveStatic({ root: staticDir }));
  const staticServer = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: staticApp.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const staticPort = (staticServer.address() as { port: number }).port;
  const staticRps = await load(`http://127.0.0.1:${staticPort}/tramites/${slug}.html`);
  const renderedRps = await load(pageUrl);
  const ratio = Math.round((renderedRps / staticRps) * 100) / 100;
  console.log(`     (renderizada ${renderedRps} req/s; archivo estático ${staticRps} req/s)`);
  record({ name: 'rendimiento página renderizada ÷ archivo estático', value: ratio, unit: '×', target: '≥ 0.25', ok: ratio >= 0.25 });

  await new Promise((resolve) => staticServer.close(resolve));
  await server.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(staticDir, { recursive: true, force: true });
  mkdirSync('.bench', { recursive: true });
  writeFileSync('.bench/results.json', `${JSON.stringify({ date: new Date().toISOString(), seconds, figures }, null, 2)}\n`);
  console.log(`\n${figures.filter((f) => f.ok).length} de ${figures.length} objetivos cumplidos. Resultados en .bench/results.json`);
}

await main();
