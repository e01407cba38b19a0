import { pruneBot } from './bot/conversations.ts';
import type { Store } from './db.ts';
import { today } from './clock.ts';
import { pruneOutbox } from './outbox/outbox.ts';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from './people/sessions.ts';
import { libsqlRateLimits } from './rate-limits.ts';
import { pruneSearchAnalytics } from './search-analytics/analytics.ts';

/**
 * Keeps only what is still needed: expired sessions, rate-limit windows that ended, «one per day»
 * hashes of past days (yesterday's kept for requests around midnight), delivered outbox rows after
 * a week and failed ones after a month, ended chatbot conversations and updates handled over a week ago,
 * daily search counts after 400 days.
 */
/** Delivered outbox rows (what was sent, encrypted) are kept a week, failed ones a month, then deleted. */
export const OUTBOX_KEEP_SENT_MS = 7 * 86_400_000;
export const OUTBOX_KEEP_FAILED_MS = 30 * 86_400_000;

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
  await pruneOutbox(store, { keepSentMs: OUTBOX_KEEP_SENT_MS, keepFailedMs: OUTBOX_KEEP_FAILED_MS });
  await pruneBot(store);
  await pruneSearchAnalytics(store);
}
