import { createRoute, z } from '@hono/zod-openapi';
import { procedureDocumentSchema } from '../../store/catalog/exchange-format.ts';
import { getPublishedProcedure } from '../../store/catalog/procedures.ts';
import { CACHE_CONTROL, matchesIfNoneMatch, weakEtag } from '../edge/http-cache.ts';
import { AppError } from '../errors.ts';
import { createRouter, errorResponses } from '../openapi.ts';
import { searchParamsSchema, searchResultSchema, toSearchRequest } from './search-params.ts';

// A new object built here, after @hono/zod-openapi extended zod: schemas made before that lack .openapi().
const procedureSchema = z.object(procedureDocumentSchema.shape).openapi('Procedure');

const getProcedure = createRoute({
  method: 'get',
  path: '/procedures/{slug}',
  summary: 'Un trámite publicado, en el formato de intercambio',
  request: {
    params: z.object({
      slug: z
        .string()
        .max(120, { error: 'El identificador del trámite es demasiado largo.' })
        .regex(/^[a-z0-9-]+$/, { error: 'El identificador del trámite solo lleva minúsculas, números y guiones.' })
        .openapi({ param: { name: 'slug', in: 'path' }, example: 'emision-dui-primera-vez' }),
    }),
  },
  responses: {
    200: { description: 'El trámite', content: { 'application/json': { schema: procedureSchema } } },
    304: { description: 'Sin cambios desde la versión que ya tiene (If-None-Match)' },
    ...errorResponses,
  },
});

const search = createRoute({
  method: 'get',
  path: '/search',
  summary: 'Buscar trámites',
  request: { query: searchParamsSchema },
  responses: {
    200: { description: 'Resultados, facetas y total', content: { 'application/json': { schema: searchResultSchema } } },
    ...errorResponses,
  },
});

/** Public catalog: procedures and search. */
export function catalogRoutes() {
  return createRouter()
    .openapi(getProcedure, async (c) => {
      const { slug } = c.req.valid('param');
      const page = await getPublishedProcedure(c.var.store.db, slug);
      if (!page) throw new AppError('not_found', 'No encontramos ese trámite. Búsquelo por nombre en /api/search?q=…', { status: 404 });
      const etag = weakEtag('p', page.id, `v${page.version}`, page.updatedAt);
      c.header('ETag', etag);
      c.header('Cache-Control', CACHE_CONTROL.revalidateMinute);
      if (matchesIfNoneMatch(c.req.header('If-None-Match'), etag)) return c.body(null, 304);
      return c.json(page.document, 200);
    })
    .openapi(search, async (c) => {
      const request = toSearchRequest(c.req.valid('query'));
      const { terms: _terms, ...result } = await c.var.search.search(request);
      // Filters are echoed, so a client sees which unknown facet value gave an empty list.
      const applied = {
        ...(request.category ? { categoria: request.category } : {}),
        ...(request.institution ? { institucion: request.institution } : {}),
        ...(request.onlineOnly ? { en_linea: '1' } : {}),
      };
      // Results may lag a catalog change by up to 30 s in shared caches (and the micro-cache).
      c.header('Cache-Control', CACHE_CONTROL.shortPublic);
      return c.json({ ...result, applied }, 200);
    });
}
