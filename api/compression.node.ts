import { promisify } from 'node:util';
import { brotliCompress, constants, gzip, gzipSync } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const COMPRESSIBLE = /^(text\/|application\/(json|xml|javascript|ld\+json)|image\/svg)/;
const MIN_BYTES = 1024;
/**
 * Up to this size gzip runs on the event loop: a search answer (9 KB) takes about 0.1 ms there,
 * while handing it to the thread pool cost the loop more than twice that in callbacks and kept
 * the response waiting for a free thread. Brotli (three times slower) always goes to the pool.
 */
const GZIP_ON_LOOP_BYTES = 32 * 1024;

/**
 * Compresses whole responses on Node with zlib (Workers compress at Cloudflare's edge, so this
 * lives at the Node edge). Hono's CompressionStream-based middleware costs a stream per response,
 * even tiny ones: measured 6k req/s against 61k without it on a trivial route.
 * Brotli (quality 5) when the client takes it, else gzip; small or already encoded bodies pass.
 */
export function compressResponses(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const response = c.res;
    if (c.req.method === 'HEAD' || response.status < 200 || response.status === 204 || response.status === 304) return;
    // Headers and status only: on Node, reading `body` would turn @hono/node-server's light
    // response into a full one over a web stream, for every answer (a third of a webhook's time).
    const headers = response.headers;
    if (headers.has('Content-Encoding')) return;
    const type = headers.get('Content-Type') ?? '';
    // A live queue's event stream runs for minutes: reading it whole first would hold every event back.
    if (!COMPRESSIBLE.test(type) || type.startsWith('text/event-stream')) return;
    const accepted = c.req.header('Accept-Encoding') ?? '';
    const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : null;
    const declared = headers.get('Content-Length');
    // Nothing to compress (the client takes no encoding, or the body is declared small): the
    // response goes out as it is, unread, only marked as one that varies with Accept-Encoding.
    if ((!encoding || (declared !== null && Number(declared) < MIN_BYTES)) && markVary(headers)) return;
    const body = new Uint8Array(await response.arrayBuffer());
    const varying = new Headers(headers);
    if (!/\baccept-encoding\b/i.test(varying.get('Vary') ?? '')) varying.append('Vary', 'Accept-Encoding');
    // Hono copies the previous response's headers onto a new c.res (its stale Content-Length
    // included); clearing it first makes the new response stand alone.
    c.res = undefined as unknown as Response;
    if (!encoding || body.byteLength < MIN_BYTES) {
      c.res = new Response(body, { status: response.status, statusText: response.statusText, headers: varying });
      return;
    }
    const packed =
      encoding === 'br'
        ? await brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength } })
        : body.byteLength <= GZIP_ON_LOOP_BYTES
          ? gzipSync(body, { level: 6 })
          : await gzipAsync(body, { level: 6 });
    varying.set('Content-Encoding', encoding);
    varying.delete('Content-Length');
    c.res = new Response(new Uint8Array(packed), { status: response.status, statusText: response.statusText, headers: varying });
  };
}

/** Adds `Vary: Accept-Encoding` in place; false when the headers cannot change (a fetched response's). */
function markVary(headers: Headers): boolean {
  try {
    if (!/\baccept-encoding\b/i.test(headers.get('Vary') ?? '')) headers.append('Vary', 'Accept-Encoding');
    return true;
  } catch {
    return false;
  }
}
