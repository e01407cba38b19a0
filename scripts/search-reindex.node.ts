// npm run search:reindex — rebuilds the Meilisearch index from the store (MEILI_URL required).
import { parseConfig } from '../api/config.ts';
import { createMeiliClient, reindex } from '../search/meilisearch.ts';
import { openConfiguredStore, prepareStore } from '../store/seed.node.ts';

const config = parseConfig(process.env);
if (!config.MEILI_URL) {
  console.error(
    'Defina MEILI_URL (y MEILI_API_KEY si su servidor la pide) para reconstruir el índice de Meilisearch. La búsqueda integrada no necesita reconstrucción.',
  );
  process.exit(1);
}
const store = await openConfiguredStore(config);
await prepareStore(store);
try {
  const count = await reindex({
    client: createMeiliClient({ url: config.MEILI_URL, apiKey: config.MEILI_API_KEY }),
    store,
    onProgress: (done) => process.stdout.write(`\rIndexados ${done} trámites…`),
  });
  console.log(`\nÍndice de Meilisearch reconstruido: ${count} trámites.`);
} catch (error) {
  console.error(`\nNo se pudo reconstruir el índice: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  store.close();
}
