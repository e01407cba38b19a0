// npm run bench: speed and size figures, each against a baseline measured in the same run.
// Prints a table and writes .bench/results.json. Load runs on loopback only, bounded in time.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { ensureSiteBuilt } from '../bin/build-site.mjs';
import { benchBackupWhileSearching } from './backup.node.ts';
import { benchBotWebhooks } from './bot-webhooks.node.ts';
import { benchWorker } from './worker.node.ts';
import { RELEVANCE_CASES } from '../tests/fixtures/relevance-queries.ts';
import { createEmbeddedSearch } from '../search/embedded.ts';
import { foldText } from '../search/query.ts';
import { importCatalog } from '../store/catalog/import.ts';
import { compactSearchIndex } from '../store/catalog/search-compaction.ts';
import { systemActor } from '../store/policy.ts';
import { fixedClock, systemClock, today } from '../store/clock.ts';
import { generateSyntheticCatalog } from '../store/catalog/synthetic.ts';
import type { Store } from '../store/db.ts';
import { changePassword, createPerson, personActor } from '../store/people/people.ts';
import { listReports } from '../store/reports/handling.ts';
import { createReport, type NewReport } from '../store/reports/reports.ts';
import { DATA_DIR, openConfiguredStore, prepareStore } from '../store/seed.node.ts';
import { transparencyFigures } from '../store/transparency/figures.ts';
import { defaultPeriod } from '../store/transparency/filter.ts';

interface Figure {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}

const figures: Figure[] = [];
function record(figure: Figure): void {
  figures.push(figure);
  console.log(`${figure.ok ? 'ok  ' : 'FALLA'} ${figure.name}: ${figure.value} ${figure.unit} (objetivo ${figure.target})`);
}

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const sizes = (process.env.BENCH_SIZES ?? '3500,100000').split(',').map(Number);
const root = new URL('..', import.meta.url).pathname;
const benchDir = join(root, '.bench');
mkdirSync(benchDir, { recursive: true });

async function load(url: string): Promise<number> {
  const result = await autocannon({ url, connections: 16, duration: seconds, headers: { 'accept-encoding': 'gzip' } });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} respuestas no 2xx, ${result.errors} errores`);
  return Math.round(result.requests.average);
}

/** GET /api/search at 16 connections, each request the next of `queries`. */
async function loadRotating(url: string, queries: string[]): Promise<number> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: 16,
    duration: seconds,
    headers: { 'accept-encoding': 'gzip' },
    requests: [
      {
        method: 'GET',
        path: '/api/search',
        setupRequest: (request) => ({ ...request, path: `/api/search?q=${encodeURIComponent(queries[next++ % queries.length])}` }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`/api/search en rotación: ${result.non2xx} respuestas no 2xx, ${result.errors} errores`);
  return Math.round(result.requests.average);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timeEach(queries: string[], rounds: number, run: (query: string) => Promise<unknown>): Promise<number> {
  for (const query of queries) await run(query); // warm up caches and the vocabulary
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const query of queries) {
      const started = performance.now();
      await run(query);
      times.push(performance.now() - started);
    }
  }
  return Math.round(percentile(times, 95) * 100) / 100;
}

/** A JSON POST at 50 connections for `seconds`; each request names its client (one per `perClient` requests) in X-Forwarded-For. */
async function loadPosts(
  url: string,
  path: string,
  body: string,
  options: { perClient: number; clientPrefix: string; amount?: number },
): Promise<{ acknowledgedPerSecond: number; p99: number; non2xx: number }> {
  let sent = 0;
  const result = await autocannon({
    url,
    connections: 50,
    ...(options.amount ? { amount: options.amount } : { duration: seconds }),
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        body,
        setupRequest: (request) => {
          // Distinct clients, each under its hourly limit: the real per-client limiter runs and never answers.
          const client = Math.floor(sent++ / options.perClient);
          return { ...request, headers: { ...request.headers, 'x-forwarded-for': `${options.clientPrefix}.${(client >> 8) & 255}.${client & 255}` } };
        },
      },
    ],
  });
  if (result['5xx'] > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${path}: ${result['5xx']} respuestas 5xx, ${result.errors} errores, ${result.timeouts} sin respuesta`);
  }
  return { acknowledgedPerSecond: Math.round(result['2xx'] / result.duration), p99: result.latency.p99, non2xx: result.non2xx };
}

/** p95 in ms of `rounds` sequential GETs (after two unmeasured ones); every answer must be 200. */
async function timeGets(url: string, headers: Record<string, string>, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let round = -2; round < rounds; round++) {
    const started = performance.now();
    const response = await fetch(url, { headers });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
    if (round >= 0) times.push(performance.now() - started);
  }
  return Math.round(percentile(times, 95) * 100) / 100;
}

/** Starts bench/serve.node.ts and returns its URLs; the child is killed on exit. */
async function startServers(
  databaseUrl: string,
  staticDir: string,
): Promise<{ urls: { site: string; uncached: string; ceiling: string; static: string; trivial: string }; stop(): void }> {
  const child = spawn(process.execPath, ['bench/serve.node.ts', databaseUrl, staticDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (end >= 0) resolve(buffer.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`el servidor de pruebas terminó (${code})`)));
  });
  return { urls: JSON.parse(line), stop: () => child.kill('SIGTERM') };
}

/** A store holding N synthetic procedures, built once and kept in .bench/ for later runs. */
async function syntheticStore(count: number): Promise<{ store: Store; path: string }> {
  const path = join(benchDir, `catalog-${count}.db`);
  const stamp = `${path}.ok`;
  // Rebuilt whenever the schema, the indexing or the generator changed.
  const recipe = createHash('sha256');
  for (const file of [
    ...readdirSync(join(root, 'store/migrations')).map((f) => `store/migrations/${f}`),
    'store/catalog/search-index.ts',
    'store/catalog/synthetic.ts',
  ]) {
    recipe.update(readFileSync(join(root, file)));
  }
  const version = recipe.digest('hex');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== version) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    const store = await openConfiguredStore({ DATABASE_URL: `file:${path}` });
    await prepareStore(store, { seedCatalog: false });
    const institutions = JSON.parse(readFileSync(new URL('institutions.json', DATA_DIR), 'utf8'));
    const categories = JSON.parse(readFileSync(new URL('categories.json', DATA_DIR), 'utf8')).map((c: { slug: string }) => c.slug);
    const documents = generateSyntheticCatalog({ count, institutions, categories, today: today(systemClock) });
    const started = performance.now();
    const report = await importCatalog(
      store,
      documents.map((value, index) => ({ row: index + 1, line: index + 1, value })),
      {
        actor: systemActor('cli'),
        source: 'bench',
        onProgress: (done, total) => {
          if (done % 10_000 === 0 || done === total) process.stdout.write(`  generando catálogo sintético: ${done}/${total}\n`);
        },
      },
    );
    if (!report.written) throw new Error(`el catálogo sintético no se importó: ${JSON.stringify(report.issues.slice(0, 3))}`);
    console.log(` (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    await store.db.execute('PRAGMA wal_checkpoint(TRUNCATE)');
    store.close();
    writeFileSync(stamp, version);
  }
  const store = await openConfiguredStore({ DATABASE_URL: `file:${path}` });
  // As `npm run catalog:import` leaves it: one segment (a no-op once done; stores built before took 3.6 s).
  const compaction = await compactSearchIndex(store, { pagesPerStep: 500 });
  if (compaction.steps > 1) await store.db.execute('PRAGMA wal_checkpoint(TRUNCATE)');
  return { store, path };
}

const QUEUE_CASES = 10_000;

/**
 * A store holding 10,000 open synthetic cases in the «quejas» queue (labelled «[sintético]»),
 * filed through createReport (encryption, events, audit) over a walking clock: two weeks of
 * intake, a case every two minutes. Built once and kept in .bench/ for later runs.
 */
async function queueStore(): Promise<{ path: string }> {
  const path = join(benchDir, `queue-${QUEUE_CASES}.db`);
  const stamp = `${path}.ok`;
  const recipe = createHash('sha256').update('queue v1');
  for (const file of [
    ...readdirSync(join(root, 'store/migrations')).map((f) => `store/migrations/${f}`),
    'store/reports/reports.ts',
    'store/reports/routing.ts',
  ]) {
    recipe.update(readFileSync(join(root, file)));
  }
  const version = recipe.digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === version) return { path };
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const started = performance.now();
  const clock = fixedClock(new Date(Date.now() - QUEUE_CASES * 2 * 60_000));
  const store = await openConfiguredStore({ DATABASE_URL: `file:${path}` }, process.env, { clock });
  await prepareStore(store);
  const procedures = (await store.db.execute("SELECT slug FROM procedures WHERE status = 'published' ORDER BY slug")).rows.map((row) => String(row.slug));
  const institutions = (await store.db.execute('SELECT slug FROM institutions ORDER BY slug')).rows.map((row) => String(row.slug));
  const kinds: NewReport['kind'][] = ['complaint', 'complaint', 'corruption', 'missing_requirement'];
  let next = 0;
  const file = async (): Promise<void> => {
    while (next < QUEUE_CASES) {
      const i = next++;
      clock.advance(2 * 60_000);
      const kind = kinds[i % kinds.length];
      await createReport(store, {
        kind,
        channel: i % 3 ? 'web' : 'api',
        description: `[sintético] Caso ${i} de la bandeja de prueba: en la ventanilla no me atendieron como dice el catálogo.`,
        procedureSlug: kind === 'corruption' ? undefined : procedures[i % procedures.length],
        institutionSlug: kind === 'corruption' ? institutions[i % institutions.length] : undefined,
        anonymous: i % 4 !== 0,
        contact: i % 4 === 0 ? { channel: 'email', value: `persona${i}@correo.test` } : undefined,
      });
      if ((i + 1) % 2_500 === 0) process.stdout.write(`  generando bandeja sintética: ${i + 1}/${QUEUE_CASES}\n`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, file));
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  await store.db.execute('PRAGMA wal_checkpoint(TRUNCATE)');
  store.close();
  writeFileSync(stamp, version);
  return { path };
}

const TRANSPARENCY_EVENTS = 1_000_000;
/** The synthetic history ends here (two years of it); the bench asks for the twelve months before. */
const TRANSPARENCY_TODAY = '2026-11-20T12:00:00.000Z';

/**
 * A store with 1,000,000 synthetic events (labelled «[sintético]»): 300,000 reports over two
 * years, most acknowledged and many closed, and 700,000 opinions on the seed procedures, written by
 * SQL in bulk so migration 0017's triggers keep the rollups as they would in service. Built once
 * and kept in .bench/.
 */
async function transparencyStore(): Promise<{ path: string }> {
  const path = join(benchDir, `transparency-${TRANSPARENCY_EVENTS}.db`);
  const stamp = `${path}.ok`;
  const recipe = createHash('sha256').update('transparency v1');
  for (const file of readdirSync(join(root, 'store/migrations'))) recipe.update(readFileSync(join(root, 'store/migrations', file)));
  const version = recipe.digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === version) return { path };
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  const started = performance.now();
  const store = await openConfiguredStore({ DATABASE_URL: `file:${path}` });
  await prepareStore(store);
  const reports = Math.round(TRANSPARENCY_EVENTS * 0.3);
  const opinions = TRANSPARENCY_EVENTS - reports;
  const end = Date.parse(TRANSPARENCY_TODAY);
  const span = 730 * 86_400_000;
  const chunk = 50_000;
  for (let done = 0; done < reports; done += chunk) {
    await store.batch([
      {
        sql: `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?),
                   d AS (SELECT code, row_number() OVER (ORDER BY code) - 1 AS k FROM departments),
                   inst AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM institutions),
                   c AS (SELECT i, ? - (i * 7919 % ?) * 1000 AS at_ms FROM n)
              INSERT INTO reports (code, kind, channel, queue, institution_id, priority, state, is_open, description, department_code, anonymous,
                                   code_word_hash, created_at, updated_at, acknowledged_at, closed_at, acknowledge_due_at, resolve_due_at)
              SELECT 'BENCH' || c.i,
                     CASE c.i % 10 WHEN 0 THEN 'violence' WHEN 1 THEN 'emergency' WHEN 2 THEN 'corruption' WHEN 3 THEN 'missing_requirement' ELSE 'complaint' END,
                     'web', CASE c.i % 10 WHEN 0 THEN '198' WHEN 1 THEN 'emergencias' ELSE 'quejas' END,
                     (SELECT id FROM inst WHERE k = c.i % (SELECT count(*) FROM inst)), 'normal',
                     CASE WHEN c.i % 3 = 0 THEN 'received' WHEN c.i % 3 = 1 THEN 'acknowledged' ELSE 'resolved' END, c.i % 3 <> 2,
                     '[sintético]', (SELECT code FROM d WHERE k = c.i % (SELECT count(*) FROM d)), 1, CASE c.i % 10 WHEN 0 THEN 'sintetico' END,
                     strftime('%Y-%m-%dT%H:%M:%fZ', c.at_ms / 1000.0, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%fZ', c.at_ms / 1000.0, 'unixepoch'),
                     CASE WHEN c.i % 3 <> 0 THEN strftime('%Y-%m-%dT%H:%M:%fZ', (c.at_ms + (c.i % 97) * 600000) / 1000.0, 'unixepoch') END,
                     CASE WHEN c.i % 3 = 2 THEN strftime('%Y-%m-%dT%H:%M:%fZ', (c.at_ms + (c.i % 41) * 86400000) / 1000.0, 'unixepoch') END,
                     strftime('%Y-%m-%dT%H:%M:%fZ', (c.at_ms + 3600000) / 1000.0, 'unixepoch'),
                     strftime('%Y-%m-%dT%H:%M:%fZ', (c.at_ms + 20 * 86400000) / 1000.0, 'unixepoch')
                FROM c`,
        args: [done, Math.min(reports, done + chunk), end, span / 1000],
      },
    ]);
    process.stdout.write(`  generando reportes sintéticos: ${Math.min(reports, done + chunk)}/${reports}\n`);
  }
  for (let done = 0; done < opinions; done += chunk) {
    await store.batch([
      {
        sql: `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?),
                   p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM procedures WHERE status = 'published')
              INSERT INTO feedback (procedure_id, kind, status, created_at, resolved_at)
              SELECT (SELECT id FROM p WHERE k = (n.i * 31) % (SELECT count(*) FROM p)),
                     CASE n.i % 4 WHEN 0 THEN 'want_online' WHEN 1 THEN 'not_like_this' WHEN 2 THEN 'useful' ELSE 'not_useful' END,
                     CASE WHEN n.i % 8 = 1 THEN 'resolved' ELSE 'open' END,
                     strftime('%Y-%m-%dT%H:%M:%fZ', (? - (n.i * 104729 % ?) * 1000) / 1000.0, 'unixepoch'),
                     CASE WHEN n.i % 8 = 1 THEN strftime('%Y-%m-%dT%H:%M:%fZ', (? - (n.i * 104729 % ?) * 1000 + (n.i % 30) * 86400000) / 1000.0, 'unixepoch') END
                FROM n`,
        args: [done, Math.min(opinions, done + chunk), end, span / 1000, end, span / 1000],
      },
    ]);
    process.stdout.write(`  generando opiniones sintéticas: ${Math.min(opinions, done + chunk)}/${opinions}\n`);
  }
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  await store.db.execute('PRAGMA wal_checkpoint(TRUNCATE)');
  store.close();
  writeFileSync(stamp, version);
  return { path };
}

// Realistic queries for generated catalogs: everyday words, a typo, a prefix, a filter-free browse.
const SEARCH_QUERIES = [
  'permiso de construccion',
  'licencia de funcionamiento',
  'renovacion',
  'constancia de ingresos',
  'registro sanitario',
  'certificado de estudios',
  'permiso ambiental',
  'solvencia de pago',
  'inscripcion de asociacion',
  'carne de manipulador',
  'licensia de funcionamiento',
  'permiso de tala',
  'cooperativa',
  'reposicion de credencial',
  'marca colectiva',
  'uso de suelo',
  'pesca artesanal',
  'transporte escolar',
];

async function main(): Promise<void> {
  await ensureSiteBuilt();
  console.log('\n== Páginas (catálogo inicial) ==');
  const work = mkdtempSync(join(tmpdir(), 'portal-bench-'));
  // BENCH_ONLY=busqueda: only the embedded search on generated catalogs (the slowest part to rebuild).
  if (process.env.BENCH_ONLY !== 'busqueda') {
    const seedPath = join(work, 'seed.db');
    const seedStore = await openConfiguredStore({ DATABASE_URL: `file:${seedPath}` });
    await prepareStore(seedStore);
    const heaviest = await seedStore.db.execute('SELECT slug FROM procedures WHERE synthetic = 0 ORDER BY length(document) DESC LIMIT 1');
    const slug = String(heaviest.rows[0].slug);
    seedStore.close();

    const staticDir = join(work, 'static');
    mkdirSync(join(staticDir, 'tramites'), { recursive: true });
    const servers = await startServers(`file:${seedPath}`, staticDir);
    try {
      const pageUrl = `${servers.urls.site}/tramites/${slug}`;
      const response = await fetch(pageUrl);
      const html = await response.text();
      writeFileSync(join(staticDir, 'tramites', `${slug}.html`), html);
      const stylesheets = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]);
      let css = '';
      for (const href of stylesheets) css += await (await fetch(new URL(href, servers.urls.site))).text();
      const kb = Math.round(((gzipSync(html).length + (css ? gzipSync(css).length : 0)) / 1024) * 10) / 10;
      record({ name: `página de trámite más pesada (${slug}), HTML + CSS gzip`, value: kb, unit: 'KB', target: '≤ 30 KB', ok: kb <= 30 });
      const scripts = [...html.matchAll(/<script(?![^>]*application\/ld\+json)[^>]*>/g)].length;
      record({ name: 'JavaScript necesario en la página de trámite', value: scripts, unit: 'scripts', target: '0', ok: scripts === 0 });
      const repeat = await fetch(pageUrl, { headers: { 'If-None-Match': response.headers.get('ETag') ?? '' } });
      record({ name: 'vista repetida con If-None-Match', value: repeat.status, unit: 'HTTP', target: '304', ok: repeat.status === 304 });

      const staticRps = await load(`${servers.urls.static}/tramites/${slug}.html`);
      const pageRps = await load(pageUrl);
      console.log(`      página renderizada ${pageRps} req/s; mismo archivo estático ${staticRps} req/s`);
      const pageRatio = Math.round((pageRps / staticRps) * 100) / 100;
      record({ name: 'página renderizada ÷ archivo estático (req/s)', value: pageRatio, unit: '×', target: '≥ 0.25', ok: pageRatio >= 0.25 });

      const trivialRps = await load(`${servers.urls.trivial}/ping`);
      const searchRps = await load(`${servers.urls.site}/api/search?q=${encodeURIComponent('licencia de conducir')}`);
      console.log(`      /api/search ${searchRps} req/s (una búsqueda repetida: la caché de resultados responde); ruta JSON trivial ${trivialRps} req/s`);
      const searchRatio = Math.round((searchRps / trivialRps) * 100) / 100;
      record({ name: '/api/search ÷ ruta JSON trivial (req/s)', value: searchRatio, unit: '×', target: '≥ 0.40', ok: searchRatio >= 0.4 });
      // The relevance suite's queries in turn (questions, situations, typos, English…), with no
      // result cache anywhere: each request runs the engine.
      const rotating = [...new Set(RELEVANCE_CASES.map((testCase) => testCase.query))];
      const rotatingRps = await loadRotating(servers.urls.uncached, rotating);
      const rotatingRatio = Math.round((rotatingRps / trivialRps) * 100) / 100;
      console.log(`      /api/search con ${rotating.length} búsquedas distintas en rotación y sin caché: ${rotatingRps} req/s`);
      record({
        name: `/api/search sin caché, ${rotating.length} búsquedas en rotación ÷ ruta JSON trivial (req/s)`,
        value: rotatingRatio,
        unit: '×',
        target: '≥ 0.10',
        ok: rotatingRatio >= 0.1 && rotating.length >= 200,
      });
      // What the route itself allows: the same requests answered by an engine that costs nothing
      // (its answers computed at start-up), so parsing, serialising, gzip and HTTP remain. The
      // target above is within reach only if this ceiling is well above it.
      const ceilingRps = await loadRotating(servers.urls.ceiling, rotating);
      const ceilingRatio = Math.round((ceilingRps / trivialRps) * 100) / 100;
      const engineShare = Math.round((rotatingRps / ceilingRps) * 100) / 100;
      console.log(`      las mismas búsquedas con un motor que no cuesta nada (respuestas ya calculadas): ${ceilingRps} req/s`);
      record({
        name: 'techo de la ruta: /api/search con un motor sin costo, mismas búsquedas ÷ ruta JSON trivial (req/s)',
        value: ceilingRatio,
        unit: '×',
        target: 'informativo: el objetivo de 0.10 solo es alcanzable si el techo lo supera',
        ok: true,
      });
      record({
        name: '/api/search sin caché ÷ el mismo techo (lo que cuesta el motor)',
        value: engineShare,
        unit: '×',
        target: 'informativo: 1 sería un motor gratuito',
        ok: true,
      });

      console.log('\n== Reportes: recepción en POST /api/reports (cifrado y auditoría incluidos) ==');
      // Same server, connections and duration for both routes. Feedback allows 20 an hour per client
      // and intake 30: each simulated client sends 10 (or 20), so neither limit ever answers.
      const intakeBody = JSON.stringify({
        kind: 'complaint',
        description: '[sintético] Prueba de carga: en la ventanilla no me atendieron como dice el catálogo.',
        procedure: slug,
        anonymous: true,
      });
      const feedbackBody = JSON.stringify({ kind: 'not_like_this', part: 'costo', message: '[sintético] En la ventanilla cobran otra cantidad.' });
      const feedbackPath = `/api/procedures/${slug}/feedback`;
      await loadPosts(servers.urls.site, feedbackPath, feedbackBody, { perClient: 10, clientPrefix: '10.1', amount: 200 }); // warm-up
      await loadPosts(servers.urls.site, '/api/reports', intakeBody, { perClient: 20, clientPrefix: '10.2', amount: 200 });
      const feedback = await loadPosts(servers.urls.site, feedbackPath, feedbackBody, { perClient: 10, clientPrefix: '10.3' });
      const intake = await loadPosts(servers.urls.site, '/api/reports', intakeBody, { perClient: 20, clientPrefix: '10.4' });
      console.log(
        `      reportes ${intake.acknowledgedPerSecond}/s (p99 ${intake.p99} ms, ${intake.non2xx} no 2xx); opiniones ${feedback.acknowledgedPerSecond}/s (p99 ${feedback.p99} ms, ${feedback.non2xx} no 2xx)`,
      );
      record({
        name: 'reportes recibidos por segundo (201, 50 conexiones)',
        value: intake.acknowledgedPerSecond,
        unit: '/s',
        target: '≥ 500/s',
        ok: intake.acknowledgedPerSecond >= 500,
      });
      record({ name: 'recepción de reportes p99 (50 conexiones)', value: intake.p99, unit: 'ms', target: '≤ 100 ms', ok: intake.p99 <= 100 });
      const intakeRatio = Math.round((intake.acknowledgedPerSecond / feedback.acknowledgedPerSecond) * 100) / 100;
      record({ name: 'reportes ÷ opiniones de trámite (POST por segundo)', value: intakeRatio, unit: '×', target: '≥ 0.5', ok: intakeRatio >= 0.5 });

      console.log('\n== Bot: webhooks de Telegram y de SMS (Twilio firmado), 40 conexiones ==');
      const bot = await benchBotWebhooks(servers.urls.site, seconds);
      console.log(`      Telegram ${bot.telegramPerSecond}/s, SMS ${bot.smsPerSecond}/s`);
      record({ name: 'webhook de Telegram p99 (40 conexiones)', value: bot.telegramP99, unit: 'ms', target: '≤ 50 ms', ok: bot.telegramP99 <= 50 });
      record({ name: 'webhook de SMS p99 (40 conexiones)', value: bot.smsP99, unit: 'ms', target: '≤ 50 ms', ok: bot.smsP99 <= 50 });
    } finally {
      servers.stop();
    }

    console.log('\n== Workers: el mismo portal en workerd (wrangler, sin red), su base por HTTP ==');
    {
      const worker = await benchWorker(seconds);
      console.log(`      módulos más grandes: ${worker.largest.map(({ module, kb }) => `${module} ${kb} KB`).join(', ')}`);
      record({ name: 'Worker: paquete con gzip', value: worker.gzipKb, unit: 'KB', target: '≤ 1024 KB', ok: worker.gzipKb <= 1024 });
      record({
        name: 'Worker: arranque (CPU, perfil de workerd)',
        value: worker.startupMs,
        unit: 'ms',
        target: '< 1000 ms (límite de Cloudflare)',
        ok: worker.startupMs < 1000,
      });
      const ratio = Math.round((worker.workerRps / worker.nodeRps) * 100) / 100;
      console.log(`      página de trámite: workerd ${worker.workerRps} req/s (base por HTTP); Node ${worker.nodeRps} req/s (mismo archivo, directo)`);
      record({ name: 'página de trámite: workerd ÷ Node (req/s, misma máquina y base)', value: ratio, unit: '×', target: 'se informa', ok: true });
    }

    console.log(`\n== Reportes: bandeja «quejas» con ${QUEUE_CASES.toLocaleString('es-SV')} casos abiertos sintéticos ==`);
    {
      const { path } = await queueStore();
      const store = await openConfiguredStore({ DATABASE_URL: `file:${path}` });
      // A new operator of the queue each run, past her one-time password, as after her first sign-in.
      const email = `operadora-${Date.now()}@bench.portal.test`;
      const made = await createPerson(store, { email, role: 'operator', queue: 'quejas' }, null);
      const password = `Banca de prueba ${createHash('sha256').update(email).digest('hex').slice(0, 16)}`;
      await changePassword(store, made.person, { current: made.oneTimePassword, next: password });
      const operator = personActor(made.person);
      const open = (await listReports(store, operator, { queue: 'quejas', limit: 1 })).total;
      if (open < QUEUE_CASES) throw new Error(`la bandeja tiene ${open} casos abiertos, no ${QUEUE_CASES}`);
      const deepOffset = QUEUE_CASES - 50;
      const storePage1 = await timeEach(['1'], 30, () => listReports(store, operator, { queue: 'quejas', limit: 50 }));
      const storeDeep = await timeEach(['deep'], 30, () => listReports(store, operator, { queue: 'quejas', limit: 50, offset: deepOffset }));
      console.log(`      listReports p95: página 1 ${storePage1} ms, página ${deepOffset / 50 + 1} ${storeDeep} ms (${open} abiertos)`);
      record({ name: `bandeja: listReports p95, página 1 (${QUEUE_CASES})`, value: storePage1, unit: 'ms', target: '≤ 100 ms', ok: storePage1 <= 100 });
      record({ name: `bandeja: listReports p95, última página (${QUEUE_CASES})`, value: storeDeep, unit: 'ms', target: '≤ 100 ms', ok: storeDeep <= 100 });
      store.close();

      const queueServers = await startServers(`file:${path}`, work);
      try {
        const site = queueServers.urls.site;
        const login = await fetch(`${site}/api/admin/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email, password }),
        });
        if (login.status !== 200) throw new Error(`inicio de sesión de la operadora: HTTP ${login.status} ${await login.text()}`);
        const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
        const headers = { Cookie: cookie, 'accept-encoding': 'gzip' };
        const deepPage = deepOffset / 50 + 1;
        const pages: [string, string][] = [
          ['GET /api/admin/reports?queue=quejas', '/api/admin/reports?queue=quejas'],
          [`GET /api/admin/reports?queue=quejas&page=${deepPage}`, `/api/admin/reports?queue=quejas&page=${deepPage}`],
          ['página /admin/casos?cola=quejas', '/admin/casos?cola=quejas'],
          [`página /admin/casos?cola=quejas&pagina=${deepPage}`, `/admin/casos?cola=quejas&pagina=${deepPage}`],
        ];
        for (const [name, pagePath] of pages) {
          const p95 = await timeGets(`${site}${pagePath}`, headers, 30);
          record({ name: `bandeja: ${name} p95 (${QUEUE_CASES})`, value: p95, unit: 'ms', target: '≤ 100 ms', ok: p95 <= 100 });
        }
      } finally {
        queueServers.stop();
      }
    }

    console.log(`\n== Transparencia: ${TRANSPARENCY_EVENTS.toLocaleString('es-SV')} reportes y opiniones sintéticos ==`);
    {
      const { path } = await transparencyStore();
      const store = await openConfiguredStore({ DATABASE_URL: `file:${path}` });
      const day = today(fixedClock(new Date(TRANSPARENCY_TODAY)));
      const filter = { ...defaultPeriod(day), today: day };
      const rollup = await timeEach(['r'], 10, () => transparencyFigures(store.db, filter));
      const scan = await timeEach(['s'], 3, () => transparencyFigures(store.db, { ...filter, source: 'scan' }));
      const ratio = Math.round((rollup / scan) * 1000) / 1000;
      console.log(`      cifras p95: desde los acumulados ${rollup} ms, recorriendo todo ${scan} ms`);
      record({ name: 'cifras de transparencia: acumulados ÷ recorrido completo (p95)', value: ratio, unit: '×', target: '≤ 0.05', ok: ratio <= 0.05 });
      store.close();
      const servers = await startServers(`file:${path}`, work);
      try {
        const query = `desde=${filter.from}&hasta=${filter.to}`;
        const p95 = await timeGets(`${servers.urls.site}/transparencia?${query}`, { 'accept-encoding': 'gzip' }, 20);
        record({ name: `página /transparencia p95 (${TRANSPARENCY_EVENTS} eventos)`, value: p95, unit: 'ms', target: '≤ 200 ms', ok: p95 <= 200 });
      } finally {
        servers.stop();
      }
    }
  }

  for (const size of sizes) {
    console.log(`\n== Búsqueda integrada, ${size.toLocaleString('es-SV')} trámites sintéticos ==`);
    const { store, path } = await syntheticStore(size);
    // Without the result cache: every search runs the engine (the cache would only time a Map lookup).
    const engine = createEmbeddedSearch(store.db, { resultCacheSize: 0 });
    const rounds = size >= 50_000 ? 5 : 20;
    const p95 = await timeEach(SEARCH_QUERIES, rounds, (query) => engine.search({ query, page: 1, limit: 10 }));
    const target = size <= 3500 ? 5 : 30;
    record({ name: `búsqueda integrada p95 (${size})`, value: p95, unit: 'ms', target: `≤ ${target} ms`, ok: p95 <= target });
    if (size >= 50_000) {
      const likeP95 = await timeEach(SEARCH_QUERIES.slice(0, 6), 2, (query) =>
        store.db.execute({
          sql: "SELECT slug, title FROM procedures WHERE status = 'published' AND (title LIKE ? OR summary LIKE ? OR document LIKE ?) LIMIT 10 OFFSET 0",
          args: [`%${query}%`, `%${query}%`, `%${query}%`],
        }),
      );
      const ratio = Math.round((p95 / likeP95) * 1000) / 1000;
      console.log(`      escaneo LIKE '%…%' p95 ${likeP95} ms`);
      record({ name: `búsqueda integrada p95 ÷ escaneo LIKE p95 (${size})`, value: ratio, unit: '×', target: '≤ 0.05', ok: ratio <= 0.05 });
      // What the planner (stop words, phrases, synonyms, typos, stems, concepts, ranking) costs over
      // the bare FTS5 query of the same words, every word required, ranked by bm25.
      const bareP95 = await timeEach(SEARCH_QUERIES, rounds, (query) =>
        store.db.execute({
          sql: 'SELECT rowid FROM procedure_search WHERE procedure_search MATCH ? ORDER BY rank LIMIT 10',
          args: [(foldText(query).match(/[\p{L}\p{N}]+/gu) ?? []).map((word) => `"${word}"`).join(' ')],
        }),
      );
      const overhead = Math.round((p95 / bareP95) * 100) / 100;
      console.log(`      MATCH de FTS5 con las mismas palabras p95 ${bareP95} ms`);
      record({ name: `búsqueda integrada p95 ÷ MATCH de FTS5 p95 (${size})`, value: overhead, unit: '×', target: '≤ 3', ok: overhead <= 3 });
    }
    const sizesRow = await store.db
      .execute(
        "SELECT (SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'procedure_search%') AS index_bytes, (SELECT sum(length(title) + length(summary) + length(document)) FROM procedures) AS raw_bytes",
      )
      .catch(() => null);
    if (sizesRow) {
      const indexBytes = Number(sizesRow.rows[0].index_bytes);
      const rawBytes = Number(sizesRow.rows[0].raw_bytes);
      const ratio = Math.round((indexBytes / rawBytes) * 100) / 100;
      record({ name: `tamaño del índice ÷ texto indexado (${size})`, value: ratio, unit: '×', target: '≤ 2', ok: ratio <= 2 });
    } else {
      console.log(`      (dbstat no disponible; archivo ${Math.round(statSync(path).size / 1024)} KB)`);
    }
    if (size >= 100_000) {
      // Operations: `npm run db:backup` (its own process, VACUUM INTO) of this store while the
      // server answers searches without caches; the baseline is the same server just before.
      console.log(`\n== Copia de seguridad en línea mientras se busca (${size.toLocaleString('es-SV')} trámites) ==`);
      const backupServers = await startServers(`file:${path}`, work);
      try {
        const backup = await benchBackupWhileSearching({
          root,
          databasePath: path,
          searchUrl: backupServers.urls.uncached,
          queries: SEARCH_QUERIES,
          work,
          seconds,
        });
        console.log(
          `      búsqueda p95 sin copia ${backup.baselineP95} ms; durante la copia ${backup.duringP95} ms (${backup.searchesDuring} búsquedas; copia de ${Math.round(statSync(path).size / 1_048_576)} MB en ${backup.backupSeconds} s${backup.completed ? '' : ', NO TERMINÓ'})`,
        );
        record({
          name: `búsqueda p95 durante npm run db:backup ÷ sin copia (${size})`,
          value: backup.ratio,
          unit: '×',
          target: '≤ 2',
          ok: backup.completed && backup.ratio <= 2,
        });
      } finally {
        backupServers.stop();
      }
    }
    store.close();
  }

  rmSync(work, { recursive: true, force: true });
  writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify({ date: new Date().toISOString(), seconds, figures }, null, 2)}\n`);
  const passed = figures.filter((f) => f.ok).length;
  console.log(`\n${passed} de ${figures.length} objetivos cumplidos. Resultados en .bench/results.json`);
}

await main();
