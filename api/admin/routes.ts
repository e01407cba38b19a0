import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { getCookie } from 'hono/cookie';
import { AppError } from '../../store/app-error.ts';
import { auditTrail } from '../../store/audit/audit.ts';
import { today } from '../../store/clock.ts';
import { archiveProcedure, listEditableProcedures, listVersions, publishProcedure, undoVerification, verifyProcedure } from '../../store/catalog/editing.ts';
import { procedureDocumentSchema } from '../../store/catalog/exchange-format.ts';
import { FEEDBACK_KINDS, listFeedback, resolveFeedback, wantOnlineRanking } from '../../store/feedback/feedback.ts';
import { feedbackTrends } from '../../store/feedback/trends.ts';
import { changePassword, createPerson, disablePerson, resetPassword, type Person } from '../../store/people/people.ts';
import { endSession } from '../../store/people/sessions.ts';
import { createApiToken } from '../../store/people/tokens.ts';
import type { ActorEnv } from '../env.ts';
import { validationError } from '../errors.ts';
import { errorResponses, errorSchema } from '../openapi.ts';
import { clearSessionCookie, currentSession, requireActor, sessionCookieName } from './auth.ts';
import { newPersonSchema, newTokenSchema, passwordChangeSchema, resolveFeedbackSchema, signInSchema, undoVerificationSchema } from './schemas.ts';
import { signIn } from './sign-in.ts';
import { registerReportAdminRoutes } from '../reports/admin-routes.ts';

const slugParam = z.object({
  slug: z
    .string()
    .max(120, { error: 'El identificador del trámite es demasiado largo (máximo 120 caracteres).' })
    .regex(/^[a-z0-9-]+$/, { error: 'El identificador solo lleva minúsculas, números y guiones.' })
    .openapi({ param: { name: 'slug', in: 'path' } }),
});
const ok = z.object({ ok: z.literal(true) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const denied = {
  401: { description: 'Sin sesión o token', content: { 'application/json': { schema: errorSchema } } },
  403: { description: 'Fuera de su institución o rol', content: { 'application/json': { schema: errorSchema } } },
} as const;
const failures = { ...denied, ...errorResponses } as const;
const mergeSchema = z
  .object({
    into: z
      .string({ error: 'Escriba en «into» el trámite que lo reemplaza: su identificador o su dirección /tramites/….' })
      .min(1, { error: 'Escriba en «into» el trámite que lo reemplaza: su identificador o su dirección /tramites/….' })
      .max(300, { error: 'La dirección del trámite que lo reemplaza es demasiado larga.' }),
    note: z.string({ error: 'Escriba el motivo como texto.' }).max(500, { error: 'Acorte la nota a 500 caracteres.' }).optional(),
  })
  .strict()
  .openapi('MergeRequest');
const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
// Typed once: an inline array of two different literals breaks the route's input type inference.
const sessionOrToken: Record<string, string[]>[] = [{ session: [] }, { token: [] }];
const sessionOnly: Record<string, string[]>[] = [{ session: [] }];

const personSchema = z.object({
  id: z.number().int(),
  email: z.string(),
  role: z.enum(['admin', 'officer', 'operator']),
  institution: z.string().nullable(),
  queue: z.string().nullable(),
  mustChangePassword: z.boolean(),
});

const personJson = (person: Person) => ({
  id: person.id,
  email: person.email,
  role: person.role,
  institution: person.institutionSlug,
  queue: person.queue,
  mustChangePassword: person.mustChangePassword,
});

/** A numeric `{id}` in the path (feedback, people): the same rule and message everywhere. */
const idParam = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/, { error: 'El id es un número.' })
    .openapi({ param: { name: 'id', in: 'path' } }),
});

/** The officers' and integrations' JSON API under /api/admin (CONTRACTS.md). */
export function adminRoutes() {
  const app = new OpenAPIHono<ActorEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target as 'json');
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'portal_sesion' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'token', { type: 'http', scheme: 'bearer' });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/login',
      summary: 'Iniciar sesión (cookie de sesión)',
      request: { body: jsonBody(signInSchema) },
      responses: {
        200: json(z.object({ person: personSchema }), 'Sesión iniciada'),
        401: json(errorSchema, 'Datos incorrectos'),
        429: json(errorSchema, 'Demasiados intentos'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const person = await signIn(c, c.req.valid('json'));
      return c.json({ person: personJson(person) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'post', path: '/logout', summary: 'Cerrar la sesión', security: sessionOnly, responses: { 200: json(ok, 'Sesión cerrada') } }),
    async (c) => {
      const value = getCookie(c, sessionCookieName(c));
      if (value && value.length <= 100) await endSession(c.var.store, value);
      clearSessionCookie(c);
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/password',
      summary: 'Cambiar la contraseña (también la de un solo uso); pide la actual',
      security: sessionOnly,
      request: { body: jsonBody(passwordChangeSchema) },
      responses: { 200: json(ok, 'Cambiada'), 401: json(errorSchema, 'Sin sesión'), ...errorResponses },
    }),
    async (c) => {
      // The one route open to a session still on its one-time password: it reads the session itself.
      const session = await currentSession(c, c.var.store);
      if (!session) throw new AppError('unauthorized', 'Inicie sesión para continuar (POST /api/admin/login).', { status: 401 });
      const body = c.req.valid('json');
      await changePassword(
        c.var.store,
        session.person,
        { current: body.current_password, next: body.new_password },
        { iterations: c.var.passwordIterations, keepSessionHash: session.idHash },
      );
      return c.json({ ok: true as const }, 200);
    },
  );

  const open = new Set(['/login', '/logout', '/password']);
  app.use('/*', async (c, next) => (open.has(c.req.path.replace(/^.*\/api\/admin/, '')) ? next() : requireActor()(c, next)));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/procedures',
      summary: 'Trámites que la cuenta mantiene, con su frescura',
      security: sessionOrToken,
      request: {
        query: z.object({
          q: z.string().max(200, { error: 'Acorte la búsqueda («q») a 200 caracteres.' }).optional(),
        }),
      },
      responses: {
        200: json(
          z.object({
            procedures: z.array(
              z.object({
                slug: z.string(),
                title: z.string(),
                status: z.string(),
                version: z.number(),
                updatedAt: z.string(),
                verifiedAt: z.string().nullable(),
                institutionSlug: z.string(),
                stale: z.boolean(),
              }),
            ),
          }),
          'Lista',
        ),
        ...denied,
      },
    }),
    async (c) =>
      c.json({ procedures: await listEditableProcedures(c.var.store.db, c.var.actor, today(c.var.store.clock), { query: c.req.valid('query').q }) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/procedures/{slug}',
      summary: 'Publicar un trámite (formato de intercambio) como nueva versión',
      security: sessionOrToken,
      request: {
        params: slugParam,
        body: jsonBody(
          z.object({
            ...procedureDocumentSchema.shape,
            change_note: z.string().max(500, { error: 'Acorte la nota del cambio a 500 caracteres.' }).optional(),
            change_kind: z.enum(['major', 'minor'], { error: 'Use en «change_kind» major o minor.' }).optional(),
          }),
        ),
      },
      responses: { 200: json(z.object({ slug: z.string(), version: z.number().int(), outcome: z.string() }), 'Publicado'), ...failures },
    }),
    async (c) => {
      const { slug } = c.req.valid('param');
      const { change_note, change_kind, ...document } = c.req.valid('json');
      if (document.slug !== slug)
        throw new AppError('slug_mismatch', 'El «slug» del cuerpo debe ser el de la dirección.', { fields: { slug: 'No coincide con la dirección.' } });
      const result = await publishProcedure(c.var.store, c.var.actor, document, { note: change_note, kind: change_kind });
      return c.json({ slug, version: result.version, outcome: result.outcome }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/procedures/{slug}/versions',
      summary: 'Historial de versiones',
      security: sessionOrToken,
      request: { params: slugParam },
      responses: {
        200: json(
          z.object({
            versions: z.array(
              z.object({
                version: z.number(),
                changeKind: z.string(),
                changeNote: z.string().nullable(),
                source: z.string(),
                sourceName: z.string(),
                createdAt: z.string(),
                document: z.unknown(),
              }),
            ),
          }),
          'Versiones',
        ),
        ...failures,
      },
    }),
    async (c) => c.json({ versions: await listVersions(c.var.store.db, c.var.actor, c.req.valid('param').slug) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/procedures/{slug}/verify',
      summary: '«Verificado hoy» sin cambios: mueve verified_at a hoy; devuelve la fecha anterior para deshacerlo',
      security: sessionOrToken,
      request: { params: slugParam },
      responses: {
        200: json(z.object({ ok: z.literal(true), verifiedAt: z.string(), previousVerifiedAt: z.string().nullable() }), 'Verificado'),
        ...failures,
      },
    }),
    async (c) => {
      const result = await verifyProcedure(c.var.store, c.var.actor, c.req.valid('param').slug);
      return c.json({ ok: true as const, ...result }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/procedures/{slug}/verify/undo',
      summary: 'Deshacer el último «Verificado hoy» (vuelve la fecha de verificación anterior)',
      security: sessionOrToken,
      request: { params: slugParam, body: jsonBody(undoVerificationSchema) },
      responses: { 200: json(ok, 'Deshecho'), 409: json(errorSchema, 'El trámite cambió después de la verificación'), ...failures },
    }),
    async (c) => {
      await undoVerification(c.var.store, c.var.actor, c.req.valid('param').slug, c.req.valid('json').previous_verified_at);
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/procedures/{slug}/archive',
      summary: 'Archivar (la dirección redirige al tema)',
      security: sessionOrToken,
      request: { params: slugParam },
      responses: { 200: json(ok, 'Archivado'), ...failures },
    }),
    async (c) => {
      await archiveProcedure(c.var.store, c.var.actor, c.req.valid('param').slug);
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/procedures/{slug}/merge',
      summary: 'Unir a otro trámite: archiva este y su dirección lleva al trámite publicado que lo reemplaza',
      security: sessionOrToken,
      request: { params: slugParam, body: jsonBody(mergeSchema) },
      responses: { 200: json(ok, 'Unido y archivado'), ...failures },
    }),
    async (c) => {
      const { into, note } = c.req.valid('json');
      await archiveProcedure(c.var.store, c.var.actor, c.req.valid('param').slug, note, into);
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/procedures/{slug}/audit',
      summary: 'Rastro de auditoría de un trámite (solo administración)',
      security: sessionOnly,
      request: { params: slugParam },
      responses: {
        200: json(
          z.object({
            audit: z.array(
              z.object({
                id: z.number(),
                at: z.string(),
                actor: z.string(),
                action: z.string(),
                beforeHash: z.string().nullable(),
                afterHash: z.string().nullable(),
              }),
            ),
          }),
          'Registros',
        ),
        ...denied,
      },
    }),
    async (c) => c.json({ audit: await auditTrail(c.var.store.db, c.var.actor, 'procedure', c.req.valid('param').slug) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/feedback',
      summary: 'Retroalimentación de mi institución',
      security: sessionOnly,
      request: {
        query: z.object({
          status: z.enum(['open', 'resolved'], { error: 'Use «status» open o resolved.' }).optional(),
          kind: z.enum(FEEDBACK_KINDS, { error: `Use «kind» ${FEEDBACK_KINDS.join(', ')}.` }).optional(),
          tramite: z
            .string()
            .max(120, { error: 'El identificador del trámite es demasiado largo (máximo 120 caracteres).' })
            .regex(/^[a-z0-9-]*$/, { error: 'Use en «tramite» el identificador del trámite: minúsculas, números y guiones.' })
            .optional(),
        }),
      },
      responses: { 200: json(z.object({ feedback: z.array(z.unknown()) }), 'Lista'), ...failures },
    }),
    async (c) => {
      const query = c.req.valid('query');
      if (query.status && query.kind && query.kind !== 'not_like_this') {
        throw new AppError(
          'invalid_query',
          '«status» solo aplica a «no funciona así» (kind not_like_this): las demás opiniones se cuentan y no se resuelven.',
          {
            fields: { status: 'Quite «status», o use kind=not_like_this.' },
          },
        );
      }
      return c.json(
        { feedback: await listFeedback(c.var.store, c.var.actor, { status: query.status, kind: query.kind, procedureSlug: query.tramite || undefined }) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/feedback/{id}/resolve',
      summary: 'Resolver retroalimentación con una nota',
      security: sessionOnly,
      request: {
        params: idParam,
        body: jsonBody(resolveFeedbackSchema),
      },
      responses: { 200: json(ok, 'Resuelta'), ...failures },
    }),
    async (c) => {
      const { note, version } = c.req.valid('json');
      await resolveFeedback(c.var.store, c.var.actor, Number(c.req.valid('param').id), note, version);
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/feedback/counts',
      summary: '«¿Le fue útil?» y «Quiero este servicio en línea» por trámite: últimos 30 días y los 30 anteriores',
      security: sessionOnly,
      responses: {
        200: json(
          z.object({
            days: z.number().int(),
            procedures: z.array(
              z.object({
                slug: z.string(),
                title: z.string(),
                useful: z.object({ recent: z.number(), before: z.number() }),
                notUseful: z.object({ recent: z.number(), before: z.number() }),
                wantOnline: z.object({ recent: z.number(), before: z.number() }),
              }),
            ),
          }),
          'Conteos',
        ),
        ...denied,
      },
    }),
    async (c) => c.json({ days: 30, procedures: await feedbackTrends(c.var.store.db, c.var.actor, { now: c.var.store.clock.now(), days: 30 }) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/feedback/want-online',
      summary: 'Trámites más pedidos en línea',
      security: sessionOnly,
      responses: { 200: json(z.object({ ranking: z.array(z.object({ slug: z.string(), title: z.string(), count: z.number() })) }), 'Ranking'), ...denied },
    }),
    async (c) => c.json({ ranking: await wantOnlineRanking(c.var.store.db, c.var.actor) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/people',
      summary: 'Crear una cuenta (administración); devuelve la contraseña de un solo uso',
      security: sessionOnly,
      request: { body: jsonBody(newPersonSchema) },
      responses: { 201: json(z.object({ person: personSchema, oneTimePassword: z.string() }), 'Creada'), ...failures },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { person, oneTimePassword } = await createPerson(
        c.var.store,
        { email: body.email, name: body.name, role: body.role, institutionSlug: body.institution, queue: body.queue },
        c.var.actor,
        {
          iterations: c.var.passwordIterations,
        },
      );
      return c.json({ person: personJson(person), oneTimePassword }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/people/{id}/disable',
      summary: 'Desactivar una cuenta (cierra sus sesiones)',
      security: sessionOnly,
      request: {
        params: idParam,
      },
      responses: { 200: json(ok, 'Desactivada'), ...failures },
    }),
    async (c) => {
      await disablePerson(c.var.store, c.var.actor, Number(c.req.valid('param').id));
      return c.json({ ok: true as const }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/people/{id}/password-reset',
      summary: 'Dar una contraseña nueva de un solo uso a quien olvidó la suya (administración); cierra sus sesiones',
      security: sessionOnly,
      request: {
        params: idParam,
      },
      responses: { 200: json(z.object({ person: personSchema, oneTimePassword: z.string() }), 'Contraseña nueva'), ...failures },
    }),
    async (c) => {
      const { person, oneTimePassword } = await resetPassword(c.var.store, c.var.actor, Number(c.req.valid('param').id), {
        iterations: c.var.passwordIterations,
      });
      return c.json({ person: personJson(person), oneTimePassword }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/tokens',
      summary: 'Crear un token de institución (administración); se muestra una sola vez',
      security: sessionOnly,
      request: { body: jsonBody(newTokenSchema) },
      responses: { 201: json(z.object({ token: z.string() }), 'Creado'), ...failures },
    }),
    async (c) => {
      const { institution, name } = c.req.valid('json');
      const { token } = await createApiToken(c.var.store, c.var.actor, institution, name);
      return c.json({ token }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/me',
      summary: 'La persona de la sesión (y su token CSRF para formularios)',
      security: sessionOnly,
      responses: {
        200: json(z.object({ email: z.string(), role: z.string(), institution: z.string().nullable(), csrfToken: z.string() }), 'Sesión'),
        ...denied,
      },
    }),
    async (c) => {
      const session = c.var.session;
      if (!session) throw new AppError('unauthorized', 'Esta dirección es para personas con sesión, no para tokens.', { status: 401 });
      return c.json({ email: session.person.email, role: session.person.role, institution: session.person.institutionSlug, csrfToken: session.csrfToken }, 200);
    },
  );

  registerReportAdminRoutes(app);
  return app;
}
