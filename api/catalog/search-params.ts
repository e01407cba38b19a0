import { z } from '@hono/zod-openapi';
import type { SearchRequest } from '../../search/engine.ts';

const facetSlug = (name: string) =>
  z
    .string()
    .max(120, { error: `«${name}» es demasiado largo: use el identificador de la lista de facetas.` })
    .regex(/^[a-z0-9-]*$/, { error: `Use en «${name}» un identificador de la lista de facetas (minúsculas, números y guiones).` })
    .optional();

/**
 * Query parameters of /api/search and /buscar. The text `q` is never refused: it is cleaned and cut
 * to what a search can use (search/query.ts). Everything else must be well formed.
 */
export const searchParamsSchema = z.object({
  q: z.string().optional().openapi({ example: 'sacar dui', description: 'Lo que la persona escribió; puede ir vacío.' }),
  categoria: facetSlug('categoria').openapi({ example: 'identidad' }),
  institucion: facetSlug('institucion').openapi({ example: 'rnpn' }),
  en_linea: z.enum(['0', '1'], { error: 'Use en «en_linea» 1 (solo trámites en línea) o 0.' }).optional().openapi({ example: '1' }),
  page: z
    .string()
    .regex(/^\d{1,4}$/, { error: 'Use en «page» un número de página del 1 al 1000.' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, { error: 'Use en «page» un número de página del 1 al 1000.' })
    .optional()
    .openapi({ type: 'integer', example: 1 }),
  modo: z.enum(['sugerencias'], { error: 'Use en «modo» «sugerencias» (trámites sugeridos al escribir) o no lo envíe.' }).optional().openapi({
    example: 'sugerencias',
    description:
      'Con «sugerencias» (la lista que aparece al escribir) cada palabra con significado debe estar en el trámite, la última como comienzo de palabra; sin él, si hay pocos resultados se completan con los que tienen la mayoría de las palabras.',
  }),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, { error: 'Use en «limit» un número del 1 al 50.' })
    .transform(Number)
    .refine((n) => n >= 1 && n <= 50, { error: 'Use en «limit» un número del 1 al 50.' })
    .optional()
    .openapi({ type: 'integer', example: 10 }),
});

export type SearchParams = z.output<typeof searchParamsSchema>;

export function toSearchRequest(params: SearchParams): SearchRequest {
  return {
    query: params.q ?? '',
    category: params.categoria || undefined,
    institution: params.institucion || undefined,
    onlineOnly: params.en_linea === '1',
    page: params.page ?? 1,
    limit: params.limit ?? 10,
    ...(params.modo === 'sugerencias' ? { allWords: true } : {}),
  };
}

const facetValue = z.object({ value: z.string(), label: z.string(), count: z.number().int() });

export const searchResultSchema = z
  .object({
    hits: z.array(
      z.object({
        slug: z.string(),
        title: z.string(),
        summary: z.string(),
        institution: z.object({ slug: z.string(), name: z.string(), acronym: z.string().nullable() }),
        category: z.object({ slug: z.string(), name: z.string() }),
        online: z.boolean(),
        highlight: z.object({
          title: z.string().meta({ description: 'HTML escapado; coincidencias dentro de <mark>.' }),
          summary: z.string(),
        }),
        snippet: z
          .object({
            intent: z.enum(['cost', 'offices', 'requirements']),
            label: z.string().meta({ description: '«Costo», «Dónde» o «Requisitos».' }),
            text: z.string().meta({ description: 'Texto simple (no HTML).' }),
          })
          .optional()
          .meta({
            description:
              'Cuando la pregunta fue por el costo («¿cuánto cuesta…?»), las oficinas («¿dónde…?») o los requisitos («¿qué necesito…?»): esa parte del trámite.',
          }),
      }),
    ),
    facets: z.object({ category: z.array(facetValue), institution: z.array(facetValue), online: z.array(facetValue) }),
    total: z.number().int(),
    engine: z.string(),
    took_ms: z.number(),
    corrected: z.string().optional().meta({ description: 'La búsqueda con la ortografía corregida, cuando los resultados vienen de ella.' }),
    suggestion: z.string().optional().meta({ description: 'Sin resultados: una búsqueda que sí encuentra algo («¿Quiso decir…?»).' }),
    intent: z
      .enum(['cost', 'offices', 'requirements'])
      .optional()
      .meta({ description: 'Lo que pregunta la búsqueda: el costo, las oficinas o los requisitos (cada resultado trae esa parte en «snippet»).' }),
    danger: z
      .object({
        level: z.enum(['immediate', 'violence']),
        text: z.string(),
        calls: z.array(z.object({ number: z.string(), href: z.string() })),
      })
      .optional()
      .meta({
        description:
          'La búsqueda parece de alguien en peligro («me están golpeando»: immediate) o que vive violencia (violence): muestre este texto y los números antes que los resultados.',
      }),
    applied: z.object({ categoria: z.string().optional(), institucion: z.string().optional(), en_linea: z.string().optional() }),
  })
  .openapi('SearchResult');
