import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../store/app-error.ts';
import { formatTrackingCode } from '../../store/reports/tracking-code.ts';
import { addCitizenMessage, closeByCitizen, createReport, deleteCitizenContact, getPublicReport, type PublicReport } from '../../store/reports/reports.ts';
import type { ApiEnv } from '../env.ts';
import { validationError } from '../errors.ts';
import { errorResponses, errorSchema } from '../openapi.ts';
import { guardLookup, intakeLimit } from './citizen-access.ts';
import { citizenActionSchema, citizenMessageSchema, codeParam, reportBodySchema, toNewReport } from './schemas.ts';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const limited = { 429: json(errorSchema, 'Demasiadas solicitudes desde su conexión') } as const;

const codeWordHeader = z.object({
  'x-clave': z
    .string()
    .max(200, { error: 'La palabra clave es demasiado larga.' })
    .optional()
    .openapi({ param: { in: 'header' }, description: 'La palabra clave de un caso de violencia (sin ella, 404 como un código desconocido).' }),
});

const publicReportSchema = z
  .object({
    code: z.string(),
    kind: z.string(),
    kind_name: z.string(),
    status: z.string(),
    status_name: z.string(),
    closed: z.boolean(),
    institution: z.object({ slug: z.string(), name: z.string() }).nullable(),
    procedure: z.object({ slug: z.string(), title: z.string() }).nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    acknowledged_at: z.string().nullable(),
    closed_at: z.string().nullable(),
    sla: z.object({
      acknowledge_within: z.string(),
      resolve_within: z.string(),
      acknowledge_due_at: z.string(),
      resolve_due_at: z.string(),
      stage: z.enum(['acknowledge', 'resolve', 'done']),
      overdue: z.boolean(),
    }),
    has_contact: z.boolean(),
    timeline: z.array(z.object({ at: z.string(), type: z.string(), by: z.enum(['citizen', 'institution', 'system']), text: z.string() })),
  })
  .openapi('PublicReport');

export function publicReportJson(report: PublicReport): z.infer<typeof publicReportSchema> {
  return {
    code: report.displayCode,
    kind: report.kind,
    kind_name: report.kindName,
    status: report.state,
    status_name: report.stateName,
    closed: report.closed,
    institution: report.institution,
    procedure: report.procedure,
    created_at: report.createdAt,
    updated_at: report.updatedAt,
    acknowledged_at: report.acknowledgedAt,
    closed_at: report.closedAt,
    sla: {
      acknowledge_within: report.promise.acknowledge,
      resolve_within: report.promise.resolve,
      acknowledge_due_at: report.sla.acknowledgeDueAt,
      resolve_due_at: report.sla.resolveDueAt,
      stage: report.sla.stage,
      overdue: report.sla.overdue,
    },
    has_contact: report.hasContact,
    timeline: report.timeline,
  };
}

function unknownCase(): AppError {
  return new AppError('not_found', 'No encontramos un caso con ese código. Revise el código (y la palabra clave, si eligió una) e intente de nuevo.', {
    status: 404,
  });
}

/** Runs a citizen action; a 404 (unknown code, or no code word) counts as a miss for the rate limit. */
async function asCitizen<T>(c: Context<ApiEnv>, work: () => Promise<T>): Promise<T> {
  const guard = await guardLookup(c);
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && error.status === 404) await guard.miss();
    throw error;
  }
}

/**
 * The citizen's JSON API (CONTRACTS.md): file a report, follow it, reply, close or withdraw it,
 * delete her contact. Every answer is `no-store` (applied at the edge for /api/reports).
 */
export function reportRoutes() {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target as 'json');
    },
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/reports',
      summary: 'Presentar un reporte (queja, corrupción, emergencia, violencia, requisito no publicado)',
      description:
        'Responde 201 con el código de seguimiento solo después de guardarlo. Con el encabezado Idempotency-Key, un reintento devuelve el mismo código. Si hay una vida en riesgo, llame al 911.',
      request: {
        headers: z.object({
          'idempotency-key': z
            .string()
            .min(8, { error: 'Use una Idempotency-Key de al menos 8 caracteres (por ejemplo un UUID).' })
            .max(200, { error: 'Acorte la Idempotency-Key a 200 caracteres.' })
            .optional()
            .openapi({
              param: { in: 'header' },
              description: 'Una clave única por reporte (p. ej. un UUID): un reintento con la misma clave devuelve el mismo código.',
            }),
        }),
        body: jsonBody(reportBodySchema),
      },
      responses: {
        201: json(z.object({ code: z.string(), status_url: z.string() }), 'Recibido y guardado'),
        422: json(errorSchema, 'La Idempotency-Key ya se usó para otro reporte'),
        ...limited,
        ...errorResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const key = c.req.valid('header')['idempotency-key'];
      // The intake limit is counted with the report; a retry of a stored submission is answered even over it.
      const result = await createReport(c.var.store, toNewReport(body, 'api'), {
        idempotencyKey: key,
        codeWordIterations: c.var.passwordIterations,
        limit: intakeLimit(c),
      });
      if (!result.created) c.header('Idempotent-Replayed', 'true');
      return c.json({ code: formatTrackingCode(result.code), status_url: '/seguimiento' }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/{code}',
      summary: 'Estado y línea de tiempo pública de un caso',
      request: { params: codeParam, headers: codeWordHeader },
      responses: { 200: json(publicReportSchema, 'El caso'), ...limited, ...errorResponses },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const clave = c.req.valid('header')['x-clave'];
      const report = await asCitizen(c, async () => {
        const found = await getPublicReport(c.var.store, code, clave);
        if (!found) throw unknownCase();
        return found;
      });
      return c.json(publicReportJson(report), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/reports/{code}/messages',
      summary: 'Responder a la institución sobre el caso',
      request: { params: codeParam, headers: codeWordHeader, body: jsonBody(citizenMessageSchema) },
      responses: { 201: json(z.object({ ok: z.literal(true) }), 'Mensaje guardado'), 409: json(errorSchema, 'Caso cerrado'), ...limited, ...errorResponses },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const clave = c.req.valid('header')['x-clave'];
      await asCitizen(c, () => addCitizenMessage(c.var.store, { code, codeWord: clave }, c.req.valid('json').message, 'api'));
      return c.json({ ok: true as const }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/reports/{code}/actions',
      summary: 'Cerrar o retirar el caso, o borrar sus datos de contacto',
      request: { params: codeParam, headers: codeWordHeader, body: jsonBody(citizenActionSchema) },
      responses: { 200: json(z.object({ ok: z.literal(true) }), 'Hecho'), 409: json(errorSchema, 'Caso cerrado'), ...limited, ...errorResponses },
    }),
    async (c) => {
      const { code } = c.req.valid('param');
      const key = { code, codeWord: c.req.valid('header')['x-clave'] };
      const { action, reason } = c.req.valid('json');
      await asCitizen(c, () =>
        action === 'delete_contact'
          ? deleteCitizenContact(c.var.store, key, 'api')
          : closeByCitizen(c.var.store, key, action === 'close' ? 'closed' : 'withdrawn', 'api', reason),
      );
      return c.json({ ok: true as const }, 200);
    },
  );

  return app;
}
