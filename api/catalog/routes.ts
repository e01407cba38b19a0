import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { detectDanger } from '../../bot/text/danger.ts';
import { t } from '../../site/i18n/t.ts';
import { procedureDocumentSchema } from '../../store/catalog/exchange-format.ts';
import { getPublishedProcedure } from '../../store/catalog/procedures.ts';
import { movedProcedurePath } from '../../store/catalog/moved.ts';
import { recordOpened, recordSearch } from '../../store/search-analytics/analytics.ts';
import { isSensitivePath } from '../edge/sensitive.ts';
import { CACHE_CONTROL, matchesIfNoneMatch, weakEtag } from '../edge/http-cache.ts';
import type { ApiEnv } from '../env.ts';
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
    301: { description: 'El trámite se unió a otro: Location lleva a él' },
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

const PROCEDURE_PAGE = /^\/tramites\/[a-z0-9-]{1,120}$/;

/**
 * Where a result of /buscar links: through /api/search/open, which counts it and names the page it
 * leads to; a victim procedure's page directly (no analytics there).
 *
 * @example searchResultHref('sacar dui', 'emision-dui') // '/api/search/open?q=sacar%20dui&to=/tramites/emision-dui'
 */
export function searchResultHref(key: string, slug: string): string {
  const page = `/tramites/${slug}`;
  return isSensitivePath(page) ? page : `/api/search/open?q=${encodeURIComponent(key)}&to=${page}`;
}

/** Whether a request comes from one of our pages: the browser says so (Sec-Fetch-Site), or older ones send our address as Referer. */
function fromOwnPage(c: Context<ApiEnv>): boolean {
  if (c.req.header('Sec-Fetch-Site') === 'same-origin') return true;
  const referer = c.req.header('Referer') ?? '';
  if (!URL.canParse(referer)) return false;
  const from = new URL(referer);
  return from.host === new URL(c.req.url).host || (Boolean(c.var.publicOrigin) && from.origin === new URL(c.var.publicOrigin).origin);
}

/** Public catalog: procedures and search. */
export function catalogRoutes() {
  return createRouter()
    .openapi(getProcedure, async (c) => {
      const { slug } = c.req.valid('param');
      const page = await getPublishedProcedure(c.var.store.db, slug);
      if (!page) {
        // A merged entry's old identifier leads to the entry that replaced it (an archived one's theme is a page, not data).
        const moved = await movedProcedurePath(c.var.store.db, slug);
        if (moved?.startsWith('/tramites/')) return c.redirect(`/api/procedures/${moved.slice('/tramites/'.length).split('?')[0]}`, 301);
        throw new AppError('not_found', 'No encontramos ese trámite. Búsquelo por nombre en /api/search?q=…', { status: 404 });
      }
      const etag = weakEtag('p', page.id, `v${page.version}`, page.updatedAt);
      c.header('ETag', etag);
      c.header('Cache-Control', CACHE_CONTROL.revalidateMinute);
      if (matchesIfNoneMatch(c.req.header('If-None-Match'), etag)) return c.body(null, 304);
      return c.json(page.document, 200);
    })
    .openapi(search, async (c) => {
      const request = toSearchRequest(c.req.valid('query'));
      const { terms, ...result } = await c.var.search.search(request);
      // Danger first (ARCHITECTURE.md, «Victim safety», rule 1): the same detector as /buscar and the bot.
      const danger = detectDanger(request.query);
      // Counted once per search (store/search-analytics), but not the results-as-you-type list, which
      // our own pages fetch while people type. Repeats within 30 s are answered by the micro-cache, uncounted.
      // A search that reads like danger is never counted (as on /buscar).
      if (!fromOwnPage(c) && !danger.level) recordSearch(c.var.store, { query: request.query, page: request.page, terms, results: result.total });
      // Filters are echoed, so a client sees which unknown facet value gave an empty list.
      const applied = {
        ...(request.category ? { categoria: request.category } : {}),
        ...(request.institution ? { institucion: request.institution } : {}),
        ...(request.onlineOnly ? { en_linea: '1' } : {}),
      };
      if (danger.level) {
        // Nothing of a danger search stays in a shared cache.
        c.header('Cache-Control', CACHE_CONTROL.private);
        const calls = danger.level === 'immediate' ? ['911', '198'] : ['198', '911'];
        return c.json(
          {
            ...result,
            applied,
            danger: {
              level: danger.level,
              text: t(danger.level === 'immediate' ? 'search.danger.immediate' : 'search.danger.violence'),
              calls: calls.map((number) => ({ number, href: `tel:${number}` })),
            },
          },
          200,
        );
      }
      // Results may lag a catalog change by up to 30 s in shared caches (and the micro-cache).
      c.header('Cache-Control', CACHE_CONTROL.shortPublic);
      return c.json({ ...result, applied }, 200);
    })
    .get('/search/open', async (c) => {
      // A result followed from /buscar, counted for its search (the key in `q`) and the procedure's
      // institution; then the page itself, whose address (cached, ETag) and Referer carry no query.
      // Only ever to a procedure page of this site: never an open redirect.
      const page = c.req.query('to') ?? '';
      if (!PROCEDURE_PAGE.test(page)) return c.redirect('/buscar', 303);
      if (!isSensitivePath(page)) await recordOpened(c.var.store, { query: (c.req.query('q') ?? '').slice(0, 200), slug: page.slice('/tramites/'.length) });
      c.header('Cache-Control', CACHE_CONTROL.private);
      return c.redirect(page, 303);
    });
}
