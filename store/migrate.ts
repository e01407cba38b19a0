import type { Transaction } from '@libsql/client';
import type { Store } from './db.ts';
import { MIGRATION_STEPS } from './migration-steps.ts';

export interface Migration {
  /** From the file name: `0003-procedure-search.sql` → 3. */
  version: number;
  name: string;
  sql: string;
  /** Code run after the SQL, in the same transaction (see store/migration-steps.ts). */
  step?: (store: Store, tx: Transaction) => Promise<void>;
}

/**
 * Applies, in order, the migrations the store has not seen yet, each in its own transaction.
 * Migrations are forward only and never edited once landed.
 *
 * @returns the names of the migrations applied now
 */
export async function migrate(store: Store, migrations: Migration[]): Promise<string[]> {
  await store.batch([
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version INTEGER PRIMARY KEY,
       name TEXT NOT NULL,
       applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
     )`,
  ]);
  const done = await store.db.execute('SELECT version FROM schema_migrations');
  const applied = new Set(done.rows.map((row) => Number(row.version)));
  const pending = [...migrations].sort((a, b) => a.version - b.version).filter((m) => !applied.has(m.version));
  const appliedNow: string[] = [];
  for (const migration of pending) {
    await store.write(async (tx) => {
      // Another process sharing the store may have applied it since the list was read.
      const done = await tx.execute({ sql: 'SELECT 1 FROM schema_migrations WHERE version = ?', args: [migration.version] });
      if (done.rows.length > 0) return;
      appliedNow.push(migration.name);
      await tx.executeMultiple(migration.sql);
      if (migration.step) await migration.step(store, tx);
      await tx.execute({
        sql: 'INSERT INTO schema_migrations (version, name) VALUES (?, ?)',
        args: [migration.version, migration.name],
      });
    });
  }
  return appliedNow;
}

/** Parses `0003-procedure-search.sql` into its version number and name. */
export function migrationFromFile(fileName: string, sql: string): Migration {
  const match = /^(\d{4})-([a-z0-9-]+)\.sql$/.exec(fileName);
  if (!match) throw new Error(`Migration file name must look like 0001-name.sql: ${fileName}`);
  const version = Number(match[1]);
  return { version, name: fileName, sql, step: MIGRATION_STEPS[version] };
}
