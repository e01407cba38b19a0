import { pruneBot } from './bot/conversations.ts';
import type { Store } from './db.ts';
import { today } from './clock.ts';
import { pruneOutbox } from './outbox/outbox.ts';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from './people/sessions.ts';
import { libsqlRateLimits } from './rate-limits.ts';

/**
 * Keeps only what is still needed: expired sessions, rate-limit windows that ended, «one per day»
 * hashes of past days (yesterday's kept for requests around midnight), delivered outbox rows after
 * a week and failed ones after a month, ended chatbot conversations and updates handled over a week ago.
 */
export async function pruneExpired(store: Store): Promise<void> {
  const now = store.clock.now().getTime();
  const yesterday = today({ now: () => new Date(now - 86_400_000) });
  await store.batch([
    {
      sql: 'DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?',
      args: [new Date(now - SESSION_IDLE_MS).toISOString(), new Date(now - SESSION_ABSOLUTE_MS).toISOString()],
    },
    { sql: 'DELETE FROM feedback_once WHERE day < ?', args: [yesterday] },
  ]);
  await libsqlRateLimits(store).prune(now);
  await pruneOutbox(store, { keepSentMs: 7 * 86_400_000, keepFailedMs: 30 * 86_400_000 });
  await pruneBot(store);
}
