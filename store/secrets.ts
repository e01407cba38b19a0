import type { Store } from './db.ts';
import { toHex } from './crypto.ts';

/**
 * A random 256-bit key named `name`, created on first use and kept in the store, so every process
 * sharing the store derives the same hashes.
 */
export async function appSecret(store: Store, name: string): Promise<string> {
  const existing = await store.db.execute({ sql: 'SELECT value FROM app_secrets WHERE name = ?', args: [name] });
  if (existing.rows[0]) return String(existing.rows[0].value);
  const value = toHex(crypto.getRandomValues(new Uint8Array(32)));
  await store.batch([{ sql: 'INSERT INTO app_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', args: [name, value] }]);
  const stored = await store.db.execute({ sql: 'SELECT value FROM app_secrets WHERE name = ?', args: [name] });
  return String(stored.rows[0].value);
}
