import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * hono/body-limit, deciding from Content-Length alone when the request has one (as Hono's does),
 * without touching `c.req.raw.body` first. On Node that property turns @hono/node-server's light
 * request into a full Request with a web stream over the socket, and every later read goes
 * through it: about a tenth of a webhook's or a report's time. Node's HTTP parser never hands
 * over more body than Content-Length says. A chunked body, without a length, is counted by
 * Hono's middleware as it arrives.
 *
 * @example app.use('/api/*', limitBody({ maxSize: 256 * 1024, onError: () => { throw tooLarge } }))
 */
export function limitBody(options: { maxSize: number; onError: (c: Context) => Response | Promise<Response> }): MiddlewareHandler {
  const counting = bodyLimit(options);
  return async (c, next) => {
    const headers = c.req.raw.headers;
    const length = headers.get('content-length');
    if (length !== null && !headers.has('transfer-encoding')) {
      if (Number.parseInt(length, 10) > options.maxSize) return options.onError(c);
      await next();
      return;
    }
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      await next();
      return;
    }
    return counting(c, next);
  };
}
