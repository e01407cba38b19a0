import type { Store } from '../../store/db.ts';
import { addViews } from '../../store/catalog/popularity.ts';

/**
 * Counts procedure page views in memory and writes them in one batch per flush, so reading a page
 * never waits for a write. A crash loses at most one interval of counts — acceptable for ranking.
 */
export function createViewCounter(store: Store) {
  let pending = new Map<number, number>();
  return {
    record(procedureId: number): void {
      pending.set(procedureId, (pending.get(procedureId) ?? 0) + 1);
    },
    async flush(): Promise<void> {
      if (pending.size === 0) return;
      const batch = pending;
      pending = new Map();
      try {
        await addViews(store, batch);
      } catch (error) {
        // Put them back for the next flush rather than lose them.
        for (const [id, count] of batch) pending.set(id, (pending.get(id) ?? 0) + count);
        throw error;
      }
    },
  };
}

export type ViewCounter = ReturnType<typeof createViewCounter>;
