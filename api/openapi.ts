import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { validationError } from './errors.ts';
import type { ApiEnv } from './env.ts';

/** A sub-app whose zod validation failures become the shared Spanish 400. */
export function createRouter(): OpenAPIHono<ApiEnv> {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target as 'query');
    },
  });
}

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'not_found' }),
      message: z.string().meta({ description: 'En español, para personas: qué pasó y cómo corregirlo.' }),
      fields: z.record(z.string(), z.string()).optional(),
    }),
  })
  .openapi('Error');

export const errorResponses = {
  400: { description: 'Datos inválidos', content: { 'application/json': { schema: errorSchema } } },
  404: { description: 'No encontrado', content: { 'application/json': { schema: errorSchema } } },
} as const;
