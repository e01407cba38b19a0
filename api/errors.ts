import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { AppError, isAppError } from '../store/app-error.ts';

export { AppError };

export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** Logs without personal data: only what failed and where, never bodies or query strings. */
export interface Log {
  info(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export const consoleLog: Log = {
  info: (message, details) => console.log(message, details ?? ''),
  error: (message, details) => console.error(message, details ?? ''),
};

/** The one place errors become responses: AppErrors as they are, anything else as a generic 500. */
export function errorResponse(error: unknown, c: Context, log: Log): Response {
  if (isAppError(error)) {
    const body: ErrorBody = { error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } };
    return c.json(body, error.status as ContentfulStatusCode);
  }
  log.error('unhandled error', { method: c.req.method, path: c.req.path, error: error instanceof Error ? error.name + ': ' + error.message : String(error) });
  return c.json({ error: { code: 'internal', message: 'Tuvimos un problema al atender su solicitud. Intente de nuevo en unos minutos.' } }, 500);
}

/** Spanish 400 for invalid request parts, one message per field. */
export function validationError(error: z.ZodError, where: 'query' | 'json' | 'param' | 'form' | 'header'): AppError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || where;
    fields[field] ??= issue.message;
  }
  const names = Object.keys(fields);
  const message =
    names.length === 1
      ? `Revise «${names[0]}»: ${fields[names[0]]}`
      : `Revise estos datos: ${names.map((name) => `«${name}»`).join(', ')}.`;
  return new AppError('invalid_request', message, { status: 400, fields });
}
