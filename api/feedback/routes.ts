import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Hono, type Context } from 'hono';
import { AppError } from '../../store/app-error.ts';
import { FEEDBACK_KINDS, FEEDBACK_PARTS, recordFeedback, type FeedbackKind, type FeedbackPart } from '../../store/feedback/feedback.ts';
import { today } from '../../store/clock.ts';
import type { ApiEnv } from '../env.ts';
import { validationError } from '../errors.ts';
import { errorResponses, errorSchema } from '../openapi.ts';
import { createRateLimiter } from '../../store/rate-limits.ts';
import { clientIdentity, RATE_LIMITS } from '../rate-limit.ts';

const MESSAGE_MAX = 2000;

export const feedbackBodySchema = z.object({
  kind: z.enum(FEEDBACK_KINDS, { error: `Use en «kind» uno de: ${FEEDBACK_KINDS.join(', ')}.` }),
  part: z.enum(FEEDBACK_PARTS, { error: `Use en «part» uno de: ${FEEDBACK_PARTS.join(', ')}.` }).optional(),
  message: z
    .string({ error: 'Escriba el mensaje como texto.' })
    .trim()
    .max(MESSAGE_MAX, { error: `Acorte el mensaje a ${MESSAGE_MAX} caracteres.` })
    .refine((value) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(value), { error: 'Quite los caracteres de control del mensaje.' })
    .optional(),
});

interface Submission {
  slug: string;
  kind: FeedbackKind;
  part?: FeedbackPart;
  message?: string;
}

/** Shared by the JSON API and the HTML form: abuse limits, then the store. */
async function submit(c: Context<ApiEnv>, submission: Submission): Promise<{ counted: boolean }> {
  if (submission.kind === 'not_like_this' && !submission.message && !submission.part) {
    throw new AppError('message_required', 'Díganos qué parte está mal o qué pasa en realidad.', { fields: { message: 'Escriba qué pasa en realidad.' } });
  }
  const store = c.var.store;
  const client = clientIdentity(c);
  if (!(await createRateLimiter(store, RATE_LIMITS.feedback).allow(client))) {
    throw new AppError('rate_limited', 'Recibimos muchos mensajes desde su conexión. Intente de nuevo en una hora.', { status: 429 });
  }
  const day = today(store.clock);
  return recordFeedback(store, {
    procedureSlug: submission.slug,
    kind: submission.kind,
    part: submission.part,
    message: submission.message || undefined,
    // The day's key is derived from DATA_KEY and never stored: the hash cannot be reversed from the database.
    client: await store.keys.clientHash(`feedback\n${client}`, day),
    day,
  });
}

/**
 * The two buttons (and «¿Le fue útil?») on every procedure: JSON for apps, and a plain form with
 * post/redirect/get for the page, which works without JavaScript.
 */
export function feedbackRoutes() {
  const api = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, 'json');
    },
  });
  api.openapi(
    createRoute({
      method: 'post',
      path: '/procedures/{slug}/feedback',
      summary: 'Enviar retroalimentación sobre un trámite',
      request: {
        params: z.object({
          slug: z
            .string()
            .max(120, { error: 'El identificador del trámite es demasiado largo (máximo 120 caracteres).' })
            .regex(/^[a-z0-9-]+$/, { error: 'Identificador de trámite no válido: solo minúsculas, números y guiones.' })
            .openapi({ param: { name: 'slug', in: 'path' } }),
        }),
        body: { required: true, content: { 'application/json': { schema: feedbackBodySchema } } },
      },
      responses: {
        201: { description: 'Recibida', content: { 'application/json': { schema: z.object({ ok: z.literal(true), counted: z.boolean() }) } } },
        429: { description: 'Demasiados envíos', content: { 'application/json': { schema: errorSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const result = await submit(c, { slug: c.req.valid('param').slug, ...body });
      return c.json({ ok: true as const, counted: result.counted }, 201);
    },
  );

  const forms = new Hono<ApiEnv>();
  forms.post('/tramites/:slug/opinion', async (c) => {
    const slug = c.req.param('slug');
    if (!/^[a-z0-9-]{1,120}$/.test(slug)) throw new AppError('not_found', 'No encontramos ese trámite. Búsquelo por su nombre en /buscar.', { status: 404 });
    const back = (state: string, extra = '') => c.redirect(`/tramites/${slug}?opinion=${state}${extra}#opinion`, 303);
    // The edge has checked the origin (api/edge/origin-check.ts).
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (typeof form.sitio_web === 'string' && form.sitio_web !== '') return back('gracias');
    const parsed = feedbackBodySchema.safeParse({
      kind: form.kind,
      part: typeof form.part === 'string' && form.part !== '' ? form.part : undefined,
      message: typeof form.message === 'string' ? form.message : undefined,
    });
    if (!parsed.success) return back('error', `&campo=${encodeURIComponent(String(parsed.error.issues[0]?.path[0] ?? ''))}`);
    try {
      await submit(c, { slug, ...parsed.data });
    } catch (error) {
      if (error instanceof AppError && error.status === 429) return back('limite');
      if (error instanceof AppError && error.code === 'message_required') return back('error', '&campo=message');
      throw error;
    }
    return back('gracias', `&tipo=${parsed.data.kind}`);
  });

  return { api, forms };
}
