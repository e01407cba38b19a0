// Child process of the benchmarks: serves, on loopback, the real site and API for a prepared store,
// the same page bytes as a static file, and a trivial Hono JSON route — each on its own port, so
// the load generator (the parent) never shares an event loop with a server. The site trusts one
// proxy hop, so write benchmarks name each simulated client in X-Forwarded-For and the real
// per-client limits run (a client that sends none is its loopback address, as before).
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { compressResponses } from '../api/compression.node.ts';
import { consoleLog } from '../api/errors.ts';
import { createEmbeddedSearch } from '../search/embedded.ts';
import type { SearchEngine, SearchResult } from '../search/engine.ts';
import { RELEVANCE_CASES } from '../tests/fixtures/relevance-queries.ts';
import { openConfiguredStore } from '../store/seed.node.ts';
import { listen } from '../server.node.ts';
import { BENCH_BOT, startBotApiStub } from './bot-webhooks.node.ts';

const [databaseUrl, staticDir] = process.argv.slice(2);
const store = await openConfiguredStore({ DATABASE_URL: databaseUrl });
// The bot's channels as configured in production (webhook mode), the Bot API a local stub.
const botApi = await startBotApiStub();
const site = await listen({
  store,
  log: consoleLog,
  port: 0,
  host: '127.0.0.1',
  trustProxy: true,
  botChannels: {
    telegram: { token: BENCH_BOT.token, webhookSecret: BENCH_BOT.webhookSecret, apiRoot: botApi.url },
    twilio: { authToken: BENCH_BOT.twilioAuthToken },
  },
});

// The same site with no result caches at all (neither whole answers nor the engine's): every
// /api/search request runs the engine, for the rotating-queries benchmark.
/** The site with no cache of whole /api/search answers, no scheduled jobs, and `engine` as its search. */
function uncachedSite(engine: SearchEngine) {
  return listen({
    store,
    log: consoleLog,
    port: 0,
    host: '127.0.0.1',
    jobSpeed: 0,
    searchCache: false,
    search: { engine, sync: async () => undefined, prune: async () => undefined },
  });
}
const uncached = await uncachedSite(createEmbeddedSearch(store.db, { resultCacheSize: 0 }));

// The ceiling of the rotating benchmark: the same uncached site, but its engine answers from
// results it computed at start-up (a copy each time, so serialising and compressing stay real).
// What this route reaches is what an engine costing nothing would reach; the real engine's
// figure is read against it.
const real = createEmbeddedSearch(store.db, { resultCacheSize: 0 });
const answers = new Map<string, SearchResult>();
for (const { query } of RELEVANCE_CASES) if (!answers.has(query)) answers.set(query, await real.search({ query, page: 1, limit: 10 }));
const answered: SearchEngine = {
  name: real.name,
  pending: () => real.pending(),
  search: async (request) => {
    const answer =
      request.page === 1 && request.limit === 10 && !request.category && !request.institution && !request.onlineOnly ? answers.get(request.query) : undefined;
    return answer ? structuredClone(answer) : real.search(request);
  },
};
const ceiling = await uncachedSite(answered);

function start(app: Hono): Promise<number> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
    void server;
  });
}

const staticApp = new Hono();
staticApp.use('*', compressResponses());
staticApp.use('*', serveStatic({ root: staticDir }));
const trivialApp = new Hono();
trivialApp.get('/ping', (c) => c.json({ ok: true, engine: 'none', hits: [] }));

const [staticPort, trivialPort] = await Promise.all([start(staticApp), start(trivialApp)]);
process.stdout.write(
  `${JSON.stringify({ site: `http://127.0.0.1:${site.port}`, uncached: `http://127.0.0.1:${uncached.port}`, ceiling: `http://127.0.0.1:${ceiling.port}`, static: `http://127.0.0.1:${staticPort}`, trivial: `http://127.0.0.1:${trivialPort}` })}\n`,
);
