import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../openapi.ts';

const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    db: z.enum(['ok', 'error']),
    search: z.object({ engine: z.string(), pending: z.number().int() }),
  })
  .openapi('Health');

const health = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Estado del servicio',
  responses: {
    200: { description: 'Todo funciona', content: { 'application/json': { schema: healthSchema } } },
    503: { description: 'La base de datos no responde', content: { 'application/json': { schema: healthSchema } } },
  },
});

export function systemRoutes() {
  return createRouter().openapi(health, async (c) => {
    c.header('Cache-Control', 'no-store');
    let db: 'ok' | 'error' = 'ok';
    try {
      await c.var.store.db.execute('SELECT 1');
    } catch {
      db = 'error';
    }
    const pending = db === 'ok' ? await c.var.search.pending().catch(() => 0) : 0;
    const body = { status: db === 'ok' ? ('ok' as const) : ('degraded' as const), db, search: { engine: c.var.search.name, pending } };
    return c.json(body, db === 'ok' ? 200 : 503);
  });
}
