import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressResponses } from '../../api/compression.node.ts';

// Over real HTTP through @hono/node-server (whose light responses the middleware must not break):
// large compressible answers are compressed for clients that take it, everything else goes out
// as it was, and every compressible answer says it varies with Accept-Encoding.
let server: ServerType;
let upstream: ServerType;
let base = '';
const big = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `Trámite número ${i}` })) };
// Past 32 KB gzip goes to the thread pool instead of the event loop: both paths give the same bytes back.
const huge = { items: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `Trámite número ${i}` })) };

function listen(app: Hono): Promise<ServerType> {
  return new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
}

beforeAll(async () => {
  const other = new Hono();
  other.get('/grande', (c) => c.json(big));
  upstream = await listen(other);
  const upstreamBase = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const app = new Hono();
  app.use('*', compressResponses());
  app.get('/grande', (c) => c.json(big));
  app.get('/enorme', (c) => c.json(huge));
  app.get('/chico', (c) => c.json({ ok: true }));
  app.get('/ya-varia', (c) => c.json(big, 200, { Vary: 'Accept-Encoding' }));
  app.get('/eventos', (c) => c.body('data: hola\n\n', 200, { 'Content-Type': 'text/event-stream' }));
  app.get('/imagen', (c) => c.body(new Uint8Array(4096), 200, { 'Content-Type': 'image/png' }));
  // A fetched response: its headers cannot be changed in place.
  app.get('/reenviado', () => fetch(`${upstreamBase}/grande`));
  server = await listen(app);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

/** A GET with the raw bytes and headers as sent (fetch would decompress them itself). */
function get(
  path: string,
  acceptEncoding?: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: Number(new URL(base).port), path, method, headers: acceptEncoding ? { 'Accept-Encoding': acceptEncoding } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('compressResponses over real HTTP', () => {
  it('compresses a large JSON answer with brotli or gzip, as the client takes it', async () => {
    const brotli = await get('/grande', 'gzip, deflate, br');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers.vary).toBe('Accept-Encoding');
    expect(JSON.parse(brotliDecompressSync(brotli.body).toString('utf8'))).toEqual(big);
    const gzip = await get('/grande', 'gzip');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gzip.body).toString('utf8'))).toEqual(big);
    const large = await get('/enorme', 'gzip');
    expect(JSON.stringify(huge).length).toBeGreaterThan(32 * 1024);
    expect(large.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(large.body).toString('utf8'))).toEqual(huge);
    if (gzip.headers['content-length'] !== undefined) expect(Number(gzip.headers['content-length'])).toBe(gzip.body.length);
  });

  it('sends small answers, and answers to clients that take no encoding, as they were, marked Vary', async () => {
    for (const [path, accept] of [
      ['/chico', 'gzip, br'],
      ['/chico', undefined],
      ['/grande', undefined],
    ] as const) {
      const answer = await get(path, accept);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-encoding'], path).toBeUndefined();
      expect(answer.headers.vary, path).toBe('Accept-Encoding');
      expect(JSON.parse(answer.body.toString('utf8')), path).toEqual(path === '/chico' ? { ok: true } : big);
    }
  });

  it('never repeats a Vary already there, and leaves event streams, images and HEAD alone', async () => {
    expect((await get('/ya-varia', 'br')).headers.vary).toBe('Accept-Encoding');
    const events = await get('/eventos', 'gzip');
    expect(events.headers['content-encoding']).toBeUndefined();
    expect(events.body.toString('utf8')).toBe('data: hola\n\n');
    const image = await get('/imagen', 'gzip');
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.body.length).toBe(4096);
    const head = await get('/grande', 'gzip', 'HEAD');
    expect(head.headers['content-encoding']).toBeUndefined();
  });

  it('handles a response whose headers cannot change (a fetched one), compressed or not', async () => {
    const plain = await get('/reenviado');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(JSON.parse(plain.body.toString('utf8'))).toEqual(big);
    const packed = await get('/reenviado', 'gzip');
    expect(packed.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(packed.body).toString('utf8'))).toEqual(big);
  });
});
