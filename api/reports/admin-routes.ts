import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { QUEUES } from '../../store/policy.ts';
import { addReportEvent, getCase, listReports, openContact, type CaseDetail, type QueueItem } from '../../store/reports/handling.ts';
import { REPORT_KINDS } from '../../store/reports/kinds.ts';
import { deleteRoute, listRoutes, saveRoute } from '../../store/reports/routing.ts';
import type { ActorEnv } from '../env.ts';
import { errorResponses, errorSchema } from '../openapi.ts';
import { codeParam, handlerEventSchema, reportRouteSchema as routeSchema } from './schemas.ts';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const failures = {
  401: json(errorSchema, 'Sin sesión o token'),
  403: json(errorSchema, 'Fuera de su rol'),
  ...errorResponses,
} as const;
const sessionOrToken: Record<string, string[]>[] = [{ session: [] }, { token: [] }];
const sessionOnly: Record<string, string[]>[] = [{ session: [] }];

const slaSchema = z.object({
  stage: z.enum(['acknowledge', 'resolve', 'done']),
  dueAt: z.string().nullable(),
  overdue: z.boolean(),
  remainingMs: z.number().nullable(),
  acknowledgeDueAt: z.string(),
  resolveDueAt: z.string(),
});

const queueItemSchema = z.object({
  code: z.string(),
  kind: z.string(),
  kindName: z.string(),
  channel: z.string(),
  queue: z.string(),
  institution: z.object({ slug: z.string(), name: z.string() }).nullable(),
  priority: z.string(),
  status: z.string(),
  statusName: z.string(),
  open: z.boolean(),
  pseudonym: z.string(),
  department: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  takenBy: z.string().nullable(),
  escalated: z.boolean(),
  sla: slaSchema,
});

function itemJson(item: QueueItem) {
  const { displayCode, state, stateName, ...rest } = item;
  return { ...rest, code: displayCode, status: state, statusName: stateName };
}

function caseJson(detail: CaseDetail) {
  const { events, ...rest } = detail;
  return {
    ...itemJson(rest),
    description: detail.description,
    address: detail.address,
    procedure: detail.procedure,
    subjectInstitution: detail.subjectInstitution,
    location: detail.location,
    anonymous: detail.anonymous,
    hasContact: detail.hasContact,
    contactChannel: detail.contactChannel,
    attributes: detail.attributes,
    mergedInto: detail.mergedInto,
    events,
  };
}

const booleanQuery = z
  .enum(['1', '0', 'true', 'false'], { error: 'Escriba 1 (sí) o 0 (no).' })
  .optional()
  .transform((value) => value === '1' || value === 'true');

/**
 * Operators', officers' and integrations' case API under /api/admin (CONTRACTS.md), registered
 * on the admin sub-app after its `requireActor()`: every handler has `c.var.actor`, and the store
 * decides what that actor may see.
 */
export function registerReportAdminRoutes(app: OpenAPIHono<ActorEnv>): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports',
      summary: 'Casos de la bandeja (cola, institución) con su reloj de plazos',
      security: sessionOrToken,
      request: {
        query: z.object({
          queue: z.enum(QUEUES, { error: `Use en «queue» una de: ${QUEUES.join(', ')}.` }).optional(),
          status: z.string().max(40, { error: 'Estado no válido.' }).optional().openapi({ description: 'open (por defecto), closed, all o un estado' }),
          kind: z.enum(REPORT_KINDS, { error: `Use en «kind» uno de: ${REPORT_KINDS.join(', ')}.` }).optional(),
          overdue: booleanQuery,
          escalated: booleanQuery,
          page: z.coerce
            .number({ error: 'Escriba la página como número.' })
            .int({ error: 'La página es un número entero.' })
            .min(1, { error: 'La página empieza en 1.' })
            .max(1000, { error: 'La página máxima es 1000: use filtros para acotar la bandeja.' })
            .optional(),
          limit: z.coerce
            .number({ error: 'Escriba el límite como número.' })
            .int({ error: 'El límite es un número entero.' })
            .min(1, { error: 'El límite mínimo es 1.' })
            .max(50, { error: 'El límite máximo es 50.' })
            .optional(),
        }),
      },
      responses: { 200: json(z.object({ reports: z.array(queueItemSchema), total: z.number(), page: z.number() }), 'Bandeja'), ...failures },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const limit = query.limit ?? 50;
      const page = query.page ?? 1;
      const { items, total } = await listReports(c.var.store, c.var.actor, {
        queue: query.queue,
        status: query.status,
        kind: query.kind,
        overdue: query.overdue,
        escalated: query.escalated,
        limit,
        offset: (page - 1) * limit,
      });
      return c.json({ reports: items.map(itemJson), total, page }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/{code}',
      summary: 'Un caso con su línea de tiempo completa (notas internas incluidas); el contacto aparece como seudónimo',
      security: sessionOrToken,
      request: { params: codeParam },
      responses: { 200: json(z.record(z.string(), z.unknown()), 'Caso'), ...failures },
    }),
    async (c) => c.json(caseJson(await getCase(c.var.store, c.var.actor, c.req.valid('param').code)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/reports/{code}/events',
      summary: 'Cambiar el estado, responder en público, nota interna, remitir, tomar o unir un caso',
      description: 'Una respuesta pública llega a la persona por el canal que eligió (Telegram o SMS), en su horario seguro, y siempre en /seguimiento.',
      security: sessionOrToken,
      request: { params: codeParam, body: jsonBody(handlerEventSchema) },
      responses: { 201: json(z.object({ event: z.number().int() }), 'Registrado'), 409: json(errorSchema, 'Caso cerrado'), ...failures },
    }),
    async (c) => {
      const event = await addReportEvent(c.var.store, c.var.actor, c.req.valid('param').code, c.req.valid('json'));
      return c.json({ event }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/reports/{code}/contact',
      summary: 'Ver a propósito el contacto de la persona (queda en la auditoría)',
      security: sessionOnly,
      request: { params: codeParam },
      responses: {
        200: json(
          z.object({
            contact: z.object({ channel: z.string(), value: z.string(), safeHours: z.string().optional(), mayLeaveMessage: z.boolean().optional() }).nullable(),
          }),
          'Contacto',
        ),
        ...failures,
      },
    }),
    async (c) => c.json({ contact: await openContact(c.var.store, c.var.actor, c.req.valid('param').code) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/report-routes',
      summary: 'La tabla de enrutamiento de casos',
      security: sessionOrToken,
      responses: { 200: json(z.object({ routes: z.array(z.record(z.string(), z.unknown())) }), 'Reglas'), ...failures },
    }),
    async (c) => c.json({ routes: await listRoutes(c.var.store.db) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/report-routes',
      summary: 'Crear o cambiar una regla de enrutamiento (solo administración)',
      security: sessionOnly,
      request: { body: jsonBody(routeSchema) },
      responses: { 200: json(z.object({ ok: z.literal(true) }), 'Guardada'), ...failures },
    }),
    async (c) => {
      const body = c.req.valid('json');
      await saveRoute(c.var.store, c.var.actor, { ...body, toNamed: body.to_named });
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/report-routes/{id}',
      summary: 'Borrar una regla de enrutamiento (solo administración)',
      security: sessionOnly,
      request: {
        params: z.object({
          id: z.coerce
            .number({ error: 'El id es un número.' })
            .int({ error: 'El id es un número entero.' })
            .min(1, { error: 'El id es positivo.' })
            .max(Number.MAX_SAFE_INTEGER, { error: 'Id demasiado grande.' })
            .openapi({ param: { name: 'id', in: 'path' } }),
        }),
      },
      responses: { 200: json(z.object({ ok: z.literal(true) }), 'Borrada'), ...failures },
    }),
    async (c) => {
      await deleteRoute(c.var.store, c.var.actor, c.req.valid('param').id);
      return c.json({ ok: true as const }, 200);
    },
  );
}
