import type { Transaction } from '@libsql/client';
import { resealLegacyAuditLog } from './audit/audit.ts';
import { missingQueryKey } from './catalog/missing-requests.ts';
import { reindexAll } from './catalog/search-index.ts';
import type { Store } from './db.ts';

/**
 * Work a migration needs that SQL cannot do (keys live outside the database), run inside the
 * same transaction as the migration's SQL, by version. Forward only, like the SQL files.
 */
export const MIGRATION_STEPS: Record<number, (store: Store, tx: Transaction) => Promise<void>> = {
  8: (store, tx) => resealLegacyAuditLog(store, tx),
  10: async (store, tx) => {
    const rows = await tx.execute('SELECT query, details, created_at FROM missing_procedure_requests_plain ORDER BY id');
    for (const row of rows.rows) {
      const query = String(row.query);
      await tx.execute({
        sql: 'INSERT INTO missing_procedure_requests (query, query_key, details, created_at) VALUES (?, ?, ?, ?)',
        args: [
          await store.cipher.encrypt(query),
          await missingQueryKey(store, query),
          row.details === null ? null : await store.cipher.encrypt(String(row.details)),
          String(row.created_at),
        ],
      });
    }
    await tx.execute('DROP TABLE missing_procedure_requests_plain');
  },
  // The index gained stem columns (0019-search-stems.sql): fill it again from the catalog.
  19: async (_store, tx) => {
    await reindexAll(tx);
  },
};
