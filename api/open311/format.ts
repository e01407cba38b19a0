import { routeLabel } from '../system/request-log.ts';
import { XMLBuilder } from 'fast-xml-parser';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isAppError } from '../../store/app-error.ts';
import type { Log } from '../errors.ts';
import { CACHE_CONTROL } from '../edge/http-cache.ts';

/**
 * Open311's two formats (GeoReport v2, «Format Support»): XML, the required one, and JSON mapped
 * from it by the Spark convention (an element holding repeated children becomes an array), and
 * its own error format («Errors»), which inside /open311 replaces the JSON API's.
 */

export type Format = 'xml' | 'json';

/** `requests.json` → { name: 'requests', format: 'json' }; null without a known format. */
export function splitFormat(file: string): { name: string; format: Format } | null {
  const match = /^(.+)\.(xml|json)$/.exec(file);
  return match ? { name: match[1], format: match[2] as Format } : null;
}

/** The format a path asks for; XML when it names none (the required format). */
export function formatOfPath(path: string): Format {
  return path.endsWith('.json') ? 'json' : 'xml';
}

/** Elements that hold a list, and the name of each item (the Spark convention's grouping). */
const GROUP_TAGS: Record<string, string> = {
  endpoints: 'endpoint',
  formats: 'format',
  services: 'service',
  attributes: 'attribute',
  values: 'value',
  service_requests: 'request',
  service_request_updates: 'request_update',
  errors: 'error',
};

// Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF).
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function toXmlTree(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(NOT_XML, '');
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (Array.isArray(item)) {
      // An empty list is left out (the element says nothing); a list of items is grouped.
      if (item.length > 0) out[key] = { [GROUP_TAGS[key] ?? 'item']: item.map(toXmlTree) };
    } else {
      out[key] = toXmlTree(item);
    }
  }
  return out;
}

const builder = new XMLBuilder({ format: true, suppressEmptyNode: true, processEntities: true });

/**
 * The answer in the asked format. `root` names the XML root element; `body` is the JSON answer
 * (an array under a list root such as `services`, an object under `discovery`).
 *
 * @example return render(c, 'xml', 'services', services, 200, CACHE_CONTROL.revalidateMinute)
 */
export function render(c: Context, format: Format, root: string, body: unknown, status: number, cacheControl: string = CACHE_CONTROL.private): Response {
  const headers = { 'Cache-Control': cacheControl };
  if (format === 'json') {
    return c.body(JSON.stringify(body), status as ContentfulStatusCode, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
  }
  // GeoReport v2, «Encoding»: the root element is preceded by the XML declaration with its encoding.
  const tree = Array.isArray(body) ? { [root]: body.length > 0 ? { [GROUP_TAGS[root]]: body.map(toXmlTree) } : '' } : { [root]: toXmlTree(body) };
  const xml = `<?xml version="1.0" encoding="utf-8"?>\n${builder.build(tree)}`;
  return c.body(xml, status as ContentfulStatusCode, { ...headers, 'Content-Type': 'text/xml; charset=utf-8' });
}

/** One entry of GeoReport v2's error list: `code` (usually the HTTP status) and a description for people. */
export interface Open311ErrorEntry {
  code: number;
  description: string;
}

/**
 * An Open311 refusal. GeoReport v2, «Errors»: «404 for resources that don't exist, 403 for errors
 * because of wrong or missing api_key and basically 400 for any other error»; the body's `code`
 * may be more specific (429 for a rate limit, 500 for a failure of ours).
 */
export class Open311Error extends Error {
  readonly status: 400 | 403 | 404;
  readonly errors: Open311ErrorEntry[];
  readonly retryAfterSeconds?: number;

  constructor(status: 400 | 403 | 404, errors: string | Open311ErrorEntry[], options: { retryAfterSeconds?: number } = {}) {
    const list = typeof errors === 'string' ? [{ code: status, description: errors }] : errors;
    super(list.map((error) => error.description).join(' '));
    this.name = 'Open311Error';
    this.status = status;
    this.errors = list;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Store refusals (AppError) named by the field a client sent; anything unknown as a general error. */
export function asOpen311Error(error: unknown, fieldNames: Record<string, string> = {}): Open311Error | null {
  if (error instanceof Open311Error) return error;
  if (isAppError(error)) {
    if (error.status === 429) return new Open311Error(400, [{ code: 429, description: error.message }], { retryAfterSeconds: 900 });
    const status = error.status === 403 ? 403 : error.status === 404 ? 404 : 400;
    const entries = error.fields
      ? Object.entries(error.fields).map(([field, message]) => ({ code: status, description: `${fieldNames[field] ?? field}: ${message}` }))
      : [{ code: status, description: error.message }];
    return new Open311Error(status, entries);
  }
  if (error instanceof HTTPException && error.status < 500) {
    return new Open311Error(error.status === 404 ? 404 : 400, 'No se pudo leer la solicitud: revise el formato de lo enviado.');
  }
  return null;
}

/**
 * The error answer, in the format the path asks for. A failure of ours is logged (without the
 * request's content) and answered as GeoReport v2's «General Service Error»: HTTP 400, code 500.
 */
export function open311ErrorResponse(error: unknown, c: Context, log: Log): Response {
  let known = asOpen311Error(error);
  if (!known) {
    // The route's pattern, never the path (it can hold a tracking code); the error's kind, never its text.
    log.error('open311 error', { method: c.req.method, route: routeLabel(c), error: error instanceof Error ? error.name : typeof error });
    known = new Open311Error(400, [
      { code: 500, description: 'Error general del servicio: no pudimos atender la solicitud. Intente de nuevo en unos minutos.' },
    ]);
  }
  const response = render(c, formatOfPath(c.req.path), 'errors', known.errors, known.status);
  if (known.retryAfterSeconds) response.headers.set('Retry-After', String(known.retryAfterSeconds));
  return response;
}
