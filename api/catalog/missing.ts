import { Hono } from 'hono';
import { z } from 'zod';
import { recordMissingProcedure } from '../../store/catalog/missing-requests.ts';
import type { ApiEnv } from '../env.ts';
import { createRateLimiter } from '../../store/rate-limits.ts';
import { clientIdentity, RATE_LIMITS } from '../rate-limit.ts';

/** Control characters (tabs and line breaks included) become spaces: nothing invisible is stored. */
const cleanText = (max: number) =>
  z
    .string()
    .transform((value) =>
      value
        .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
        .replace(/ {2,}/g, ' ')
        .trim(),
    )
    .pipe(z.string().max(max));

const missingSchema = z.object({
  q: cleanText(200).pipe(z.string().min(2)),
  detalle: cleanText(1000).optional(),
  // Honeypot: hidden from people; bots fill it.
  sitio_web: z.string().max(0).optional(),
});

/**
 * «¿No encuentra el trámite?» — a plain form on /buscar (post/redirect/get). Always answers with a
 * redirect back to the search, so it works without JavaScript and never shows a raw error. The
 * texts are stored encrypted (store/catalog/missing-requests.ts).
 */
export function missingProcedureRoutes() {
  const app = new Hono<ApiEnv>();
  app.post('/buscar/falta', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const query = typeof form.q === 'string' ? form.q.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').slice(0, 200) : '';
    const back = (status: string) => c.redirect(`/buscar?q=${encodeURIComponent(query)}&aviso=${status}#falta`, 303);
    // The edge has checked the origin (api/edge/origin-check.ts): a page elsewhere cannot post here.
    const parsed = missingSchema.safeParse(form);
    if (!parsed.success) return back(form.sitio_web ? 'gracias' : 'error');
    if (!(await createRateLimiter(c.var.store, RATE_LIMITS.missingProcedure).allow(clientIdentity(c)))) return back('limite');
    await recordMissingProcedure(c.var.store, { query: parsed.data.q, details: parsed.data.detalle || undefined });
    return back('gracias');
  });
  return app;
}
