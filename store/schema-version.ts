import type { Reader } from './db.ts';

/**
 * The schema this code expects: the highest migration in store/migrations (a test keeps the two
 * equal). Workers never migrate at request time (`npm run db:migrate` does, before a deploy);
 * they compare instead, and refuse to serve a store that is behind or ahead of them.
 */
export const SCHEMA_VERSION = 22;

/** The highest migration the store has applied (0 for an empty store). */
export async function appliedSchemaVersion(db: Reader): Promise<number> {
  const table = await db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  if (table.rows.length === 0) return 0;
  const result = await db.execute('SELECT coalesce(max(version), 0) AS version FROM schema_migrations');
  return Number(result.rows[0].version);
}
