import type { Store } from '../db.ts';
import { enqueueSearchSync } from './search-outbox.ts';

/**
 * Adds page views to procedures' popularity in one transaction, and tells external search engines
 * (popularity ranks results there too).
 */
export async function addViews(store: Store, views: Map<number, number>): Promise<void> {
  if (views.size === 0) return;
  const at = store.clock.now().toISOString();
  await store.write(async (tx) => {
    for (const [procedureId, count] of views) {
      await tx.execute({ sql: 'UPDATE procedures SET popularity = popularity + ? WHERE id = ?', args: [count, procedureId] });
      await enqueueSearchSync(tx, procedureId, at);
    }
  });
}
