import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitBody } from '../../api/body-limit.ts';

// Over real HTTP through @hono/node-server, where the limit must not materialize the body stream:
// a body within the limit still reads whole, one over it is refused, with or without its length.
let server: ServerType;
let port = 0;

beforeAll(async () => {
  const app = new Hono();
  app.use('*', limitBody({ maxSize: 1024, onError: (c) => c.text('demasiado grande', 413) }));
  app.post('/eco', async (c) => c.json({ received: await c.req.text() }));
  app.get('/eco', (c) => c.text('sin cuerpo'));
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** POSTs `chunks`; with `length`, a Content-Length header, otherwise chunked transfer encoding. */
function post(chunks: string[], length: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const total = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/eco',
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', ...(length ? { 'Content-Length': String(total) } : {}) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve({ status: 413, body: '' }) : reject(error)));
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('limitBody over real HTTP', () => {
  it('reads a body within the limit whole, with its Content-Length or chunked', async () => {
    const text = 'señora «ñ» '.repeat(40);
    for (const length of [true, false]) {
      const answer = await post([text.slice(0, 100), text.slice(100)], length);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).received).toBe(text);
    }
  });

  it('refuses a body over the limit with 413, whether its length was declared or not', async () => {
    expect((await post(['x'.repeat(2000)], true)).status).toBe(413);
    expect((await post(['x'.repeat(600), 'x'.repeat(600)], false)).status).toBe(413);
  });

  it('lets a GET through', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/eco`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('sin cuerpo');
  });
});
