// npm run db:migrate — brings the store DATABASE_URL names up to date: pending migrations, the
// reference data (themes, institutions, territory) and, on an empty store, the seed catalog
// (`--sin-catalogo` leaves it out). Node starts do this by themselves; Workers never migrate at
// request time, so a deployment runs this first, against Turso or sqld, with its DATA_KEY.
import { parseConfig } from '../api/config.ts';
import { openConfiguredStore, prepareStore } from '../store/seed.node.ts';
import { SCHEMA_VERSION } from '../store/schema-version.ts';

let store;
try {
  const config = parseConfig(process.env);
  store = await openConfiguredStore(config);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
try {
  const result = await prepareStore(store, { seedCatalog: !process.argv.includes('--sin-catalogo') });
  console.log(
    result.migrationsApplied.length > 0
      ? `Migraciones aplicadas (${result.migrationsApplied.length}): ${result.migrationsApplied.join(', ')}.`
      : 'La base de datos ya estaba al día.',
  );
  console.log(`Versión del esquema: ${SCHEMA_VERSION}.`);
  if (result.seeded > 0) console.log(`Catálogo inicial cargado: ${result.seeded} trámites.`);
} catch (error) {
  console.error(`No se pudo migrar la base de datos: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  store.close();
}
