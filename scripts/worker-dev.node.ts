// npm run worker:dev — the Worker built and served locally in workerd on PORT (default 8787),
// against a local libSQL file (WORKER_DEV_DB, default data/worker-dev.db) served over HTTP, as
// Turso would serve it. The file is migrated and seeded first, with its own key beside it (or
// DATA_KEY). TELEGRAM_*, TWILIO_*, MEILI_* and PUBLIC_BASE_URL are passed through when set.
import { resolve } from 'node:path';
import { buildWorker } from '../bin/build-worker.mjs';
import { DATA_DIR, openConfiguredStore, prepareStore, resolveDataKey } from '../store/seed.node.ts';
import { startLocalWorker, workerVarsFrom } from './worker-local.node.ts';

const databasePath = resolve(process.env.WORKER_DEV_DB ?? new URL('worker-dev.db', DATA_DIR).pathname);
const databaseUrl = `file:${databasePath}`;
const port = Number(process.env.PORT ?? 8787);
try {
  await buildWorker();
  const dataKey = resolveDataKey(databaseUrl, process.env);
  const store = await openConfiguredStore({ DATABASE_URL: databaseUrl, DATA_KEY: dataKey });
  await prepareStore(store);
  store.close();
  const worker = await startLocalWorker({ databasePath, dataKey, port, vars: workerVarsFrom(process.env) });
  console.log(`Worker local (workerd) listo en ${worker.url}`);
  console.log(`Base de datos: ${databasePath}, servida por HTTP en ${worker.databaseUrl}. Tareas programadas: ${worker.url}/__scheduled?cron=*+*+*+*+*`);
  const stop = async () => {
    await worker.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
