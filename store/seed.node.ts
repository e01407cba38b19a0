import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import type { Store } from './db.ts';
import { parseExchangeFile, type RawRow } from './catalog/exchange-files.ts';
import { formatImportReport, importCatalog } from './catalog/import.ts';
import { upsertReferenceData, type CategoryData, type InstitutionData } from './catalog/reference.ts';
import { migrate } from './migrate.ts';
import { loadMigrations } from './migrations.node.ts';
import { loadTerritoryIfEmpty, type TerritoryData } from './territory/territory.ts';

/** The project's data/ folder: seed catalog and reference data. */
export const DATA_DIR = new URL('../data/', import.meta.url);

/** The default local database: a git-ignored file beside the seed data. */
export function defaultDatabaseUrl(): string {
  mkdirSync(DATA_DIR, { recursive: true });
  return `file:${new URL('portal.db', DATA_DIR).pathname}`;
}

function readJson<T>(relative: string): T {
  return JSON.parse(readFileSync(new URL(relative, DATA_DIR), 'utf8')) as T;
}

/** Every record of data/catalog/*.json, numbered per file so a bad seed names its file. */
export function readSeedCatalog(): { file: string; rows: RawRow[] }[] {
  const dir = new URL('catalog/', DATA_DIR);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, rows: parseExchangeFile(readFileSync(new URL(file, dir), 'utf8'), 'json') }));
}

export interface PrepareResult {
  migrationsApplied: string[];
  seeded: number;
}

/**
 * Brings a store up to date: pending migrations, reference data (themes, institutions, territory)
 * it lacks, and the seed catalog when it has no procedures yet.
 */
export async function prepareStore(store: Store, options: { seedCatalog?: boolean } = {}): Promise<PrepareResult> {
  const migrationsApplied = await migrate(store, loadMigrations());
  await upsertReferenceData(store, readJson<CategoryData[]>('categories.json'), readJson<InstitutionData[]>('institutions.json'));
  await loadTerritoryIfEmpty(store, readJson<TerritoryData>('reference/territory.json'));
  let seeded = 0;
  const existing = await store.db.execute('SELECT count(*) AS n FROM procedures');
  if (options.seedCatalog !== false && Number(existing.rows[0].n) === 0) {
    const files = readSeedCatalog();
    let row = 0;
    // One import of all files so the seed is all-or-nothing, with rows renumbered across files.
    const rows = files.flatMap(({ rows }) => rows.map((r) => ({ ...r, row: ++row })));
    const report = await importCatalog(store, rows, { source: 'seed' });
    if (!report.written) {
      throw new Error(`The seed catalog in data/catalog does not validate:\n${formatImportReport(report).join('\n')}`);
    }
    seeded = report.counts.created;
  }
  return { migrationsApplied, seeded };
}
