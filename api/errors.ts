import '../store/validation-locale.ts';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { AppError, isAppError } from '../store/app-error.ts';
import { systemClock } from '../store/clock.ts';
import { routeLabel } from './system/request-log.ts';

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

/**
 * One JSON object per line — `{"time","level","msg",…details}` — what log collectors parse
 * (the server's and the Worker's log). Callers pass only what is safe to keep: route patterns,
 * statuses, durations, ids, error kinds; never bodies, query strings, codes, phones or emails.
 *
 * @example createJsonLog().info('request', { request_id, route: '/api/search', status: 200, duration_ms: 12.5 })
 */
export function createJsonLog(write: (line: string, level: 'info' | 'error') => void = defaultWrite, now: () => Date = systemClock.now): Log {
  const line = (level: 'info' | 'error', message: string, details?: Record<string, unknown>) => {
    let text: string;
    try {
      text = JSON.stringify({ time: now().toISOString(), level, msg: message, ...details });
    } catch {
      text = JSON.stringify({ time: now().toISOString(), level, msg: message });
    }
    write(text, level);
  };
  return { info: (message, details) => line('info', message, details), error: (message, details) => line('error', message, details) };
}

function defaultWrite(line: string, level: 'info' | 'error'): void {
  if (level === 'error') console.error(line);
  else console.log(line);
}

/**
 * Hono's own refusals (validators, body limits, the origin check) as AppErrors with a Spanish
 * message: a wrong Content-Type is a 415, malformed JSON or form data a 400 — never a 500.
 */
export function fromHttpException(error: HTTPException): AppError {
  const status = error.status;
  if (status === 415) {
    return new AppError('unsupported_media_type', 'Envíe el cuerpo como JSON, con la cabecera «Content-Type: application/json».', { status: 415 });
  }
  if (status === 400 && /JSON/i.test(error.message)) {
    return new AppError('invalid_json', 'El cuerpo no es JSON válido: revise comillas, comas y llaves, o envíe un objeto { … }.', { status: 400 });
  }
  if (status === 400 && /FormData/i.test(error.message)) {
    return new AppError('invalid_form', 'No se pudo leer el formulario enviado: vuelva a la página e intente de nuevo.', { status: 400 });
  }
  if (status === 403) return new AppError('cross_site', 'Esta acción solo puede hacerse desde el propio portal.', { status: 403 });
  if (status === 413) return new AppError('payload_too_large', 'Lo enviado es demasiado grande.', { status: 413 });
  if (status === 404) return new AppError('not_found', 'Esa dirección no existe.', { status: 404 });
  if (status >= 400 && status < 500) return new AppError('invalid_request', 'La solicitud no es válida: revise lo enviado.', { status });
  return new AppError('internal', 'Tuvimos un problema al atender su solicitud. Intente de nuevo en unos minutos.', { status: 500, cause: error });
}

/** Any thrown value as the AppError it means (unknown errors stay unknown: callers log them). */
export function asAppError(error: unknown): AppError | null {
  if (isAppError(error)) return error;
  if (error instanceof HTTPException) {
    const mapped = fromHttpException(error);
    return mapped.status < 500 ? mapped : null;
  }
  return null;
}

/**
 * The answer to a plain HTML form (a public form outside /api): Spanish text with the status,
 * never the JSON error shape a browser would show raw.
 */
export function formErrorResponse(error: unknown, c: Context, log: Log): Response {
  const known = asAppError(error);
  if (known) return c.text(known.message, known.status as ContentfulStatusCode);
  log.error('unhandled error', {
    method: c.req.method,
    route: routeLabel(c),
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
  return c.text('Tuvimos un problema al atender su solicitud. Intente de nuevo en unos minutos.', 500);
}

/** True for the JSON API's paths; everything else is a page or a form. */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/** The one place errors become responses: AppErrors as they are, anything else as a generic 500. */
export function errorResponse(error: unknown, c: Context, log: Log): Response {
  const known = asAppError(error);
  if (known) error = known;
  if (isAppError(error)) {
    const body: ErrorBody = { error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } };
    return c.json(body, error.status as ContentfulStatusCode);
  }
  // The route's pattern, never the path: a path can hold a tracking code.
  log.error('unhandled error', {
    method: c.req.method,
    route: routeLabel(c),
    error: error instanceof Error ? error.name + ': ' + error.message : String(error),
  });
  return c.json({ error: { code: 'internal', message: 'Tuvimos un problema al atender su solicitud. Intente de nuevo en unos minutos.' } }, 500);
}

/** Spanish 400 for invalid request parts, one message per field. */
export function validationError(error: z.ZodError, where: 'query' | 'json' | 'param' | 'form' | 'header'): AppError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || where;
    // The whole body is of the wrong kind (a list, a number, null): say what to send instead.
    const message =
      issue.path.length === 0 && issue.code === 'invalid_type' && where === 'json'
        ? 'Envíe en el cuerpo un objeto JSON { … } con los campos de esta operación (vea /api/openapi.json).'
        : issue.message;
    fields[field] ??= message;
  }
  const names = Object.keys(fields);
  const message = names.length === 1 ? `Revise «${names[0]}»: ${fields[names[0]]}` : `Revise estos datos: ${names.map((name) => `«${name}»`).join(', ')}.`;
  return new AppError('invalid_request', message, { status: 400, fields });
}
