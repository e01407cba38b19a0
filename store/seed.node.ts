import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Clock } from './clock.ts';
import { openStore, type Store } from './db.ts';
import { createLocalClient } from './libsql-local.node.ts';
import { nativePrimitives } from './native-crypto.node.ts';
import { systemActor } from './policy.ts';
import { generateDataKey } from './field-cipher.ts';
import { parseExchangeFile, type RawRow } from './catalog/exchange-files.ts';
import { formatImportReport, importCatalog } from './catalog/import.ts';
import { compactSearchIndex } from './catalog/search-compaction.ts';
import { institutionDataSchema, upsertReferenceData, type CategoryData, type InstitutionData } from './catalog/reference.ts';
import { movedAddressesSchema, upsertMovedAddresses, type MovedAddresses } from './catalog/moved.ts';
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

/**
 * The key of sensitive fields: DATA_KEY when set; otherwise, for a local file database outside
 * production, a key generated on first run and kept beside the database (`portal.db.key`, mode
 * 600, git-ignored). A remote database or production without DATA_KEY is refused: a key that
 * lived on one machine would leave the data unreadable on the next.
 */
export function resolveDataKey(databaseUrl: string, env: { DATA_KEY?: string; NODE_ENV?: string }): string {
  if (env.DATA_KEY) return env.DATA_KEY;
  if (!databaseUrl.startsWith('file:') || env.NODE_ENV === 'production') {
    throw new Error(
      'Defina DATA_KEY (64 caracteres hexadecimales; por ejemplo: openssl rand -hex 32). Es obligatoria en producción y con bases de datos remotas.',
    );
  }
  const path = `${databaseUrl.startsWith('file://') ? fileURLToPath(databaseUrl) : databaseUrl.slice('file:'.length)}.key`;
  if (!existsSync(path)) writeFileSync(path, `${generateDataKey()}\n`, { mode: 0o600, flag: 'wx' });
  return readFileSync(path, 'utf8').trim();
}

/** Opens the store the configuration names, with its data key (see `resolveDataKey`). */
export async function openConfiguredStore(
  config: { DATABASE_URL?: string; DATABASE_AUTH_TOKEN?: string; DATA_KEY?: string },
  env: { NODE_ENV?: string } = process.env,
  options: { clock?: Clock } = {},
): Promise<Store> {
  const url = config.DATABASE_URL ?? defaultDatabaseUrl();
  return openStore({
    url,
    authToken: config.DATABASE_AUTH_TOKEN,
    dataKey: resolveDataKey(url, { DATA_KEY: config.DATA_KEY, NODE_ENV: env.NODE_ENV }),
    clock: options.clock,
    // Local files through the driver that keeps prepared statements; anything else through @libsql/client.
    connect: url.startsWith('file:') && !url.includes(':memory:') ? createLocalClient : undefined,
    primitives: nativePrimitives,
  });
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

/**
 * The institutions of data/institutions.json and data/institutions/*.json, validated; a bad record
 * or a slug listed twice names its file and position.
 */
export function readSeedInstitutions(): InstitutionData[] {
  const files: { file: string; records: unknown }[] = [{ file: 'institutions.json', records: readJson<unknown>('institutions.json') }];
  const dir = new URL('institutions/', DATA_DIR);
  if (existsSync(dir)) {
    for (const file of readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort()) {
      files.push({ file: `institutions/${file}`, records: JSON.parse(readFileSync(new URL(file, dir), 'utf8')) });
    }
  }
  const seen = new Map<string, string>();
  const all: InstitutionData[] = [];
  for (const { file, records } of files) {
    if (!Array.isArray(records)) throw new Error(`data/${file} must be a list of institutions`);
    records.forEach((record, index) => {
      const parsed = institutionDataSchema.safeParse(record);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(registro)'}: ${issue.message}`).join('; ');
        throw new Error(`data/${file}, institución ${index + 1}: ${problems}`);
      }
      const other = seen.get(parsed.data.slug);
      if (other) throw new Error(`data/${file}: la institución «${parsed.data.slug}» ya está en data/${other}`);
      seen.set(parsed.data.slug, file);
      all.push(parsed.data);
    });
  }
  return all;
}

/** data/moved.json, validated: the addresses that moved (a bad line names itself). */
export function readMovedAddresses(): MovedAddresses {
  const parsed = movedAddressesSchema.safeParse(readJson<unknown>('moved.json'));
  if (!parsed.success) {
    throw new Error(`data/moved.json: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}

export interface PrepareResult {
  migrationsApplied: string[];
  seeded: number;
}

/**
 * Brings a store up to date: pending migrations, reference data (themes, institutions, territory,
 * moved addresses) it lacks, and the seed catalog when it has no procedures yet.
 */
export async function prepareStore(store: Store, options: { seedCatalog?: boolean } = {}): Promise<PrepareResult> {
  const migrationsApplied = await migrate(store, loadMigrations());
  await upsertReferenceData(store, readJson<CategoryData[]>('categories.json'), readSeedInstitutions());
  await loadTerritoryIfEmpty(store, readJson<TerritoryData>('reference/territory.json'));
  await upsertMovedAddresses(store, readMovedAddresses(), store.clock.now().toISOString());
  let seeded = 0;
  const existing = await store.db.execute('SELECT count(*) AS n FROM procedures');
  if (options.seedCatalog !== false && Number(existing.rows[0].n) === 0) {
    const files = readSeedCatalog();
    let row = 0;
    // One import of all files so the seed is all-or-nothing, with rows renumbered across files.
    const rows = files.flatMap(({ rows }) => rows.map((r) => ({ ...r, row: ++row })));
    const report = await importCatalog(store, rows, { actor: systemActor('seed'), source: 'seed', trustDates: true });
    if (!report.written) {
      throw new Error(`The seed catalog in data/catalog does not validate:\n${formatImportReport(report).join('\n')}`);
    }
    seeded = report.counts.created;
    // The import left the index in a score of segments: searches are several times faster in one.
    await compactSearchIndex(store);
  }
  return { migrationsApplied, seeded };
}
