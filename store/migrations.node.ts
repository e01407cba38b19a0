import { readdirSync, readFileSync } from 'node:fs';
import { migrationFromFile, type Migration } from './migrate.ts';

const migrationsDir = new URL('./migrations/', import.meta.url);

/** Reads store/migrations/*.sql from disk (Node only; Workers bundle them as text modules). */
export function loadMigrations(): Migration[] {
  return readdirSync(migrationsDir)
    .filter((name) => name.endsWith('.sql'))
    .sort()
    .map((name) => migrationFromFile(name, readFileSync(new URL(name, migrationsDir), 'utf8')));
}
