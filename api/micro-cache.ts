import type { MiddlewareHandler } from 'hono';
import { REQUEST_ID_KEY, REQUEST_ID_SENT } from './system/request-log.ts';

/**
 * Keeps whole responses (already compressed) of a few GET paths for a short time, as a reverse
 * proxy's micro-cache would: a popular search is answered from memory instead of being searched,
 * serialised and compressed again. Only 200 responses marked `public` are kept, never longer than
 * `ttlMs` nor than their own max-age; the key includes the negotiated encoding.
 */
export function microCache(options: { paths: string[]; ttlMs: number; maxEntries: number; now?: () => number }): MiddlewareHandler {
  const entries = new Map<string, { expires: number; status: number; headers: Record<string, string>; body: Uint8Array<ArrayBuffer> }>();
  const now = options.now ?? Date.now;
  return async (c, next) => {
    if (c.req.method !== 'GET' || !options.paths.includes(c.req.path)) return next();
    const accepted = c.req.header('Accept-Encoding') ?? '';
    const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : 'identity';
    const key = `${encoding} ${new URL(c.req.url).search}`;
    const hit = entries.get(key);
    if (hit && hit.expires > now()) {
      // A plain header record keeps @hono/node-server on its fast path (no Headers object), so the
      // request id (api/system/request-log.ts) goes into the record rather than onto the response.
      const requestId = c.get(REQUEST_ID_KEY) as string | undefined;
      if (!requestId) return new Response(hit.body, { status: hit.status, headers: hit.headers });
      c.set(REQUEST_ID_SENT, true);
      return new Response(hit.body, { status: hit.status, headers: { ...hit.headers, 'x-request-id': requestId } });
    }
    if (hit) entries.delete(key);
    await next();
    const response = c.res;
    const cacheControl = response.headers.get('Cache-Control') ?? '';
    const maxAge = /max-age=(\d+)/.exec(cacheControl);
    if (response.status !== 200 || !/\bpublic\b/.test(cacheControl) || !maxAge) return;
    const body = new Uint8Array(await response.arrayBuffer());
    const ttl = Math.min(options.ttlMs, Number(maxAge[1]) * 1000);
    if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value as string);
    const headers: Record<string, string> = Object.fromEntries(response.headers);
    entries.set(key, { expires: now() + ttl, status: response.status, headers: { ...headers, 'x-cache': 'HIT' }, body });
    c.res = undefined as unknown as Response;
    c.res = new Response(body, { status: response.status, headers });
  };
}
