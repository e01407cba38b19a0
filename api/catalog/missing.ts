import { Hono } from 'hono';
import { z } from 'zod';
import { recordMissingProcedure } from '../../store/catalog/popularity.ts';
import type { ApiEnv } from '../app.ts';
import { clientAddress, createRateLimiter } from '../rate-limit.ts';

const missingSchema = z.object({
  q: z.string().trim().min(2).max(200),
  detalle: z.string().trim().max(1000).optional(),
  // Honeypot: hidden from people; bots fill it.
  sitio_web: z.string().max(0).optional(),
});

/**
 * «¿No encuentra el trámite?» — a plain form on /buscar (post/redirect/get). Always answers with a
 * redirect back to the search, so it works without JavaScript and never shows a raw error.
 */
export function missingProcedureRoutes() {
  const limiter = createRateLimiter({ limit: 5, windowMs: 60 * 60 * 1000 });
  const app = new Hono<ApiEnv>();
  app.post('/buscar/falta', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const query = typeof form.q === 'string' ? form.q.slice(0, 200) : '';
    const back = (status: string) => c.redirect(`/buscar?q=${encodeURIComponent(query)}&aviso=${status}#falta`, 303);
    // Same-origin forms only: a page elsewhere must not file reports in people's name.
    const site = c.req.header('Sec-Fetch-Site');
    if (site && site !== 'same-origin' && site !== 'none') return back('error');
    const parsed = missingSchema.safeParse(form);
    if (!parsed.success) return back(form.sitio_web ? 'gracias' : 'error');
    if (!(await limiter.allow(clientAddress(c.req.raw.headers, c.var.remoteAddress(c))))) return back('limite');
    await recordMissingProcedure(c.var.store, { query: parsed.data.q, details: parsed.data.detalle || undefined });
    return back('gracias');
  });
  return app;
}
