import type { Context } from 'hono';

/**
 * Work to finish after the response is sent, where the runtime would otherwise stop (Workers:
 * `ctx.waitUntil`). Returns false on runtimes without an execution context (Node), where the
 * caller's own timers or jobs do the work.
 */
export function afterResponse(c: Context, work: () => Promise<unknown>): boolean {
  // @hono/node-server's env is the Node request and response, and there is never an execution
  // context: asking Hono for one would throw (and capture a stack) on every webhook.
  if (typeof (c.env as { incoming?: unknown } | undefined)?.incoming === 'object') return false;
  let ctx: { waitUntil(promise: Promise<unknown>): void };
  try {
    ctx = c.executionCtx;
  } catch {
    return false;
  }
  ctx.waitUntil(work().catch(() => undefined));
  return true;
}
