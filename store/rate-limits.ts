import type { Db, Store } from './db.ts';
import { today } from './clock.ts';

/**
 * Rate limits kept in the store, so every process and Workers isolate shares them and a restart
 * does not reset them. Fixed windows per (bucket, client); `client` is a keyed hash, under the
 * day's derived key, of whatever identifies the client (an address's /64 or IPv4, an email), so
 * the table names nobody. Expired windows are pruned by a scheduled job.
 *
 * The counting is behind `RateLimitStore` so that a deployment may keep counters elsewhere (a
 * Durable Object on Workers); the libSQL table is the default and needs nothing else.
 */
export interface RateLimitStore {
  /** Counts one hit in the current window and returns the count so far. */
  hit(bucket: string, client: string, windowMs: number, now: number): Promise<number>;
  /** The count in the current window, without counting. */
  peek(bucket: string, client: string, windowMs: number, now: number): Promise<number>;
  prune(now: number): Promise<void>;
}

/**
 * Counts one hit inside the caller's write transaction and returns the count so far: for a write
 * that must be refused and counted together (report intake), in one commit instead of two.
 */
export async function hitInTransaction(tx: Db, bucket: string, client: string, windowMs: number, now: number): Promise<number> {
  const rows = await tx.execute({
    sql: `INSERT INTO rate_limits (bucket, client, window_start, window_ms, count) VALUES (?, ?, ?, ?, 1)
          ON CONFLICT (bucket, client) DO UPDATE SET
            count = CASE WHEN rate_limits.window_start + rate_limits.window_ms <= excluded.window_start THEN 1 ELSE rate_limits.count + 1 END,
            window_start = CASE WHEN rate_limits.window_start + rate_limits.window_ms <= excluded.window_start THEN excluded.window_start ELSE rate_limits.window_start END,
            window_ms = excluded.window_ms
          RETURNING count`,
    args: [bucket, client, now, windowMs],
  });
  return Number(rows.rows[0].count);
}

/** The hashed client key of `identity` under a rule's bucket, as the counters store it. */
export function rateLimitClient(store: Store, bucket: string, identity: string): Promise<string> {
  return store.keys.clientHash(`${bucket}\n${identity}`, today(store.clock));
}

export function libsqlRateLimits(store: Store): RateLimitStore {
  return {
    async hit(bucket, client, windowMs, now) {
      return store.write((tx) => hitInTransaction(tx, bucket, client, windowMs, now));
    },
    async peek(bucket, client, _windowMs, now) {
      const rows = await store.db.execute({
        sql: 'SELECT count, window_start, window_ms FROM rate_limits WHERE bucket = ? AND client = ?',
        args: [bucket, client],
      });
      const row = rows.rows[0];
      if (!row || Number(row.window_start) + Number(row.window_ms) <= now) return 0;
      return Number(row.count);
    },
    async prune(now) {
      await store.batch([{ sql: 'DELETE FROM rate_limits WHERE window_start + window_ms <= ?', args: [now] }]);
    },
  };
}

export interface RateLimitRule {
  /** Names the counter: `sign-in:address`, `feedback`, … */
  bucket: string;
  limit: number;
  windowMs: number;
}

export interface RateLimiter {
  /** Counts this attempt; true while the client is within the limit. */
  allow(identity: string): Promise<boolean>;
  /** True when the client has used up the limit already (nothing is counted). */
  exhausted(identity: string): Promise<boolean>;
  /** Counts an attempt without asking (failed sign-ins: only failures count). */
  count(identity: string): Promise<void>;
}

/**
 * A limiter for one rule. `identity` is raw (an address, an email); it is hashed here and never
 * stored.
 *
 * @example const limiter = createRateLimiter(store, { bucket: 'feedback', limit: 20, windowMs: 3_600_000 }); if (!(await limiter.allow(address))) …
 */
export function createRateLimiter(store: Store, rule: RateLimitRule, counters: RateLimitStore = libsqlRateLimits(store)): RateLimiter {
  const client = (identity: string) => rateLimitClient(store, rule.bucket, identity);
  const now = () => store.clock.now().getTime();
  return {
    async allow(identity) {
      return (await counters.hit(rule.bucket, await client(identity), rule.windowMs, now())) <= rule.limit;
    },
    async exhausted(identity) {
      return (await counters.peek(rule.bucket, await client(identity), rule.windowMs, now())) >= rule.limit;
    },
    async count(identity) {
      await counters.hit(rule.bucket, await client(identity), rule.windowMs, now());
    },
  };
}
