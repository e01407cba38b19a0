import { Hono, type Context } from 'hono';
import { limitBody } from '../body-limit.ts';
import { z } from 'zod';
import '../../store/validation-locale.ts';
import { listInstitutions } from '../../store/catalog/procedures.ts';
import { createRateLimiter } from '../../store/rate-limits.ts';
import type { ContactInput, NewReport } from '../../store/reports/reports.ts';
import { createReport, DESCRIPTION_MAX } from '../../store/reports/reports.ts';
import type { LocationInput } from '../../store/reports/territory-match.ts';
import {
  getOpen311Requests,
  listOpen311Requests,
  listOpen311Updates,
  readOpen311Client,
  type Open311Client,
  type Open311Request,
  type Open311Update,
} from '../../store/reports/open311.ts';
import { formatTrackingCode } from '../../store/reports/tracking-code.ts';
import { CACHE_CONTROL } from '../edge/http-cache.ts';
import type { ApiEnv } from '../env.ts';
import { clientIdentity, RATE_LIMITS } from '../rate-limit.ts';
import { asOpen311Error, Open311Error, open311ErrorResponse, render, splitFormat, type Format } from './format.ts';
import {
  checkAttributes,
  findService,
  OPEN311_SERVICE_LIST,
  parseW3cDatetime,
  serviceDescription,
  serviceName,
  serviceNotice,
  type AttributeAnswer,
  type AttributeValue,
  type ServiceDefinition,
} from './services.ts';

/**
 * Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2), mounted at /open311/v2, in XML (the
 * required format) and JSON, with GeoReport v2's own error format, plus FixMyStreet's
 * `servicerequestupdates` extension. Section names of the specification are quoted in «…».
 *
 * Decisions (README, «Open311»):
 * - `service_request_id` is the tracking code. With it, the person who reported follows her case
 *   and may close it, withdraw it or delete her contact; so a case is found by its code by anyone
 *   who has it, but lists without codes (GET requests by date, servicerequestupdates) need the
 *   client's `api_key` and show only the cases that client filed.
 * - Nothing she wrote is published: no description, no address, no contact, no attributes; no
 *   text of institution replies either (they are addressed to her): `status_notes` is the
 *   state's name. Coordinates are rounded to ~110 m.
 * - Violence cases never appear: not as a service, not in a list, not by their code.
 * - `type` is realtime: POST answers the id at once; there are no tokens (GET tokens is a 404).
 * - `jurisdiction_id` is ignored (one jurisdiction, «Definitions»).
 */

/** GeoReport v2, «GET Service Requests»: «may not span more than 90 days». */
const MAX_SPAN_MS = 90 * 86_400_000;
const SPEC = 'http://wiki.open311.org/GeoReport_v2';
/** Service Discovery `changeset`: when the service list or a definition last changed (sortable). */
export const OPEN311_CHANGESET = '2026-12-01T00:00:00Z';

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const CODE_PATTERN = /^[A-Za-z0-9_.-]{1,60}$/;

/** W3C datetime without milliseconds, in UTC (GeoReport v2, «Date/time format»). */
const w3c = (iso: string): string => iso.replace(/\.\d{3}Z$/, 'Z');

/** Field names of store refusals, as the client sent them in POST requests. */
const POST_FIELD_NAMES: Record<string, string> = {
  description: 'description',
  procedure: 'attribute[tramite]',
  institution: 'attribute[institucion]',
  lat: 'lat/long',
  address: 'address_string',
  department: 'address_id',
  municipality: 'address_id',
  district: 'address_id',
};

// --- Reading the request ---------------------------------------------------------------------

/** Every value of a query parameter, whether declared several times or comma separated. */
function listParameter(c: Context, name: string): string[] | undefined {
  const values = c.req.queries(name);
  if (!values) return undefined;
  const items = values
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
  // «Optional Arguments»: a parameter passed empty is the same as one not passed.
  return items.length > 0 ? items : undefined;
}

function singleParameter(c: Context, name: string): string | undefined {
  const values = c.req.queries(name);
  if (!values || values.length === 0 || values.every((value) => value === '')) return undefined;
  if (values.length > 1) throw new Open311Error(400, `Envíe ${name} una sola vez.`);
  return values[0];
}

function zodProblems(error: z.ZodError): Open311Error {
  return new Open311Error(
    400,
    error.issues.map((issue) => ({ code: 400, description: issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message })),
  );
}

const w3cInstant = (name: string) =>
  z
    .string()
    .max(40, { error: `${name} es demasiado largo.` })
    .refine((value) => parseW3cDatetime(value) !== null, {
      error: `use el formato W3C con zona horaria, por ejemplo 2026-11-01T00:00:00Z (o -06:00 para la hora de El Salvador).`,
    })
    .transform((value) => parseW3cDatetime(value) as Date);

const dateRangeSchema = z.object({ start_date: w3cInstant('start_date').optional(), end_date: w3cInstant('end_date').optional() });

const listQuerySchema = dateRangeSchema.extend({
  service_code: z
    .array(z.string().max(60, { error: 'Código de servicio demasiado largo.' }))
    .max(20, { error: 'Pida como mucho 20 service_code a la vez.' })
    .optional(),
  status: z.array(z.enum(['open', 'closed'], { error: 'use open o closed (o ambos, separados por coma).' })).optional(),
});

const idListSchema = z
  .array(z.string().max(40, { error: 'Un service_request_id tiene 14 caracteres (por ejemplo K7QM-2XDT-9RBH-4C).' }))
  .max(1000, { error: 'Pida como mucho 1.000 service_request_id a la vez.' });

/**
 * The span asked for: GeoReport v2, «GET Service Requests», start_date/end_date: «When not
 * specified, the range defaults to most recent 90 days»; a range «may not span more than 90 days».
 * With only one end given, the range runs 90 days from it.
 */
function dateRange(query: z.infer<typeof dateRangeSchema>, now: Date): { from: string; to: string } {
  const end = query.end_date ?? (query.start_date ? new Date(query.start_date.getTime() + MAX_SPAN_MS) : now);
  const start = query.start_date ?? new Date(end.getTime() - MAX_SPAN_MS);
  if (end.getTime() < start.getTime()) throw new Open311Error(400, 'end_date es anterior a start_date: inviértalas.');
  if (end.getTime() - start.getTime() > MAX_SPAN_MS) {
    throw new Open311Error(400, 'El rango entre start_date y end_date no puede pasar de 90 días: pida el periodo por partes.');
  }
  return { from: start.toISOString(), to: end.toISOString() };
}

async function requireClient(c: Context<ApiEnv>, apiKey: string | undefined, what: string): Promise<Open311Client> {
  // «Errors», «General Errors»: 403 - Missing or Invalid API Key.
  if (!apiKey) throw new Open311Error(403, `Falta api_key: ${what} necesita la clave de su aplicación (la emite la administración del portal).`);
  const client = await readOpen311Client(c.var.store.db, apiKey);
  if (!client) throw new Open311Error(403, 'api_key no válida o revocada: pida una clave nueva a la administración del portal.');
  return client;
}

/**
 * Lookups by tracking code share the citizen lookups' counter of misses per client address
 * (guessing codes looks the same from here as from /seguimiento).
 */
async function guardCodeLookup(c: Context<ApiEnv>): Promise<{ miss(): Promise<void> }> {
  const misses = createRateLimiter(c.var.store, RATE_LIMITS.reportLookupMiss);
  const client = clientIdentity(c);
  if (await misses.exhausted(client)) {
    throw new Open311Error(400, [{ code: 429, description: 'Demasiados códigos desconocidos desde su conexión. Espere 15 minutos.' }], {
      retryAfterSeconds: 900,
    });
  }
  return { miss: () => misses.count(client) };
}

// --- Writing the answers -----------------------------------------------------------------------

/** GeoReport v2, «GET Service Requests» / «GET Service Request», «Response», field by field. */
function requestJson(request: Open311Request) {
  return {
    // The tracking code, as people read it aloud.
    service_request_id: formatTrackingCode(request.code),
    // open/closed: the type of the case's state (report_states.type).
    status: request.status,
    // «Explanation of why status was changed … or more details on current status»: the state's name.
    // Institutions' reply texts are written to her, not to the public: never here.
    status_notes: request.stateName,
    service_name: serviceName(request.kind),
    service_code: request.kind,
    // What she wrote may hold personal data: never published («description»: empty, as the spec's own example).
    description: null,
    // «The agency responsible»: the institution handling the case (none while it is with the queue's own team).
    agency_responsible: request.institutionName,
    // «Information about the action expected»: the kind's promise.
    service_notice: serviceNotice(request.kind),
    requested_datetime: w3c(request.requestedAt),
    // «For requests with status=closed, this will be the date the request was closed.»
    updated_datetime: w3c(request.updatedAt),
    // «May be based on a service-specific service level agreement»: the SLA's resolve deadline.
    expected_datetime: request.expectedAt ? w3c(request.expectedAt) : null,
    // The address she gave is encrypted and may be her home: never published.
    address: null,
    // «The internal address ID»: the district (or municipality, or department) code of the 2024 territory.
    address_id: request.areaCode,
    // El Salvador's postal codes are not kept.
    zipcode: null,
    // WGS84, rounded to 3 decimals (~110 m) so no home is pinpointed.
    lat: request.lat,
    long: request.lng,
    // Media are not published.
    media_url: null,
  };
}

/** FixMyStreet's extension, «GET Service Request Updates», «Response». */
function updateJson(update: Open311Update) {
  const description =
    update.type === 'status'
      ? `Estado: ${update.stateName ?? 'actualizado'}.`
      : update.type === 'refer'
        ? update.institutionName
          ? `Remitido a ${update.institutionName}.`
          : 'Remitido a otra institución.'
        : update.type === 'merge'
          ? 'Unido a otro caso sobre el mismo hecho.'
          : // The reply itself is addressed to her: only that there was one.
            'La institución respondió a quien presentó el caso.';
  return {
    update_id: String(update.id),
    service_request_id: formatTrackingCode(update.code),
    status: update.status,
    updated_datetime: w3c(update.at),
    description,
    media_url: null,
  };
}

async function institutionValues(c: Context<ApiEnv>): Promise<AttributeValue[]> {
  return (await listInstitutions(c.var.store.db)).map((institution) => ({ key: institution.slug, name: institution.name }));
}

/** GeoReport v2, «GET Service Definition», «Response». */
function definitionJson(service: ServiceDefinition, institutions: readonly AttributeValue[]) {
  return {
    service_code: service.code,
    attributes: service.attributes.map((attribute) => ({
      // true: input needed; false: it only informs.
      variable: attribute.variable,
      code: attribute.code,
      // string, number, datetime, text, singlevaluelist or multivaluelist.
      datatype: attribute.datatype,
      required: attribute.required,
      datatype_description: attribute.datatypeDescription,
      // 1 is shown first.
      order: attribute.order,
      description: attribute.description,
      // Only lists have values: key (the option's value) and name (its text).
      values: (attribute.values === 'institutions' ? institutions : (attribute.values ?? [])).map((value) => ({ key: value.key, name: value.name })),
    })),
  };
}

// --- POST Service Request --------------------------------------------------------------------

const optionalText = (name: string, max: number, lines = false) =>
  z
    .string()
    .max(max, { error: `Acorte ${name} a ${max.toLocaleString('es-SV')} caracteres.` })
    .refine((value) => !CONTROL.test(value), { error: `Quite los caracteres de control de ${name}.` })
    .refine((value) => lines || !/[\r\n]/.test(value), { error: `${name} es de una sola línea.` })
    .optional();

const coordinate = (name: string) =>
  z
    .string()
    .regex(/^-?\d{1,3}(\.\d{1,15})?$/, { error: `${name} debe ser un número en grados decimales WGS84, por ejemplo 13.6989.` })
    .transform(Number)
    .optional();

/** GeoReport v2, «POST Service Request», «Required Arguments» and «Optional Arguments». */
const postSchema = z.object({
  jurisdiction_id: optionalText('jurisdiction_id', 200),
  service_code: z.string({ error: 'Falta service_code: elija un servicio de GET services.xml.' }).max(60, { error: 'service_code es demasiado largo.' }),
  lat: coordinate('lat'),
  long: coordinate('long'),
  address_string: optionalText('address_string', 300),
  // Our «internal address ID»: a department (2 digits), municipality (4) or district (6) code.
  address_id: z
    .string()
    .regex(/^\d{2}(\d{2}(\d{2})?)?$/, { error: 'address_id es un código del territorio: departamento (06), municipio (0601) o distrito (060101).' })
    .optional(),
  email: optionalText('email', 200),
  device_id: optionalText('device_id', 200),
  account_id: optionalText('account_id', 200),
  first_name: optionalText('first_name', 100),
  last_name: optionalText('last_name', 100),
  phone: optionalText('phone', 40),
  // «This may contain line breaks … limited to 4,000 characters.»
  description: optionalText('description', DESCRIPTION_MAX, true),
  media_url: z
    .url({ protocol: /^https?$/, error: 'media_url debe ser una dirección http(s) completa.' })
    .max(2000, { error: 'media_url es demasiado larga.' })
    .optional(),
});

const FORM_FIELDS = new Set(Object.keys(postSchema.shape).concat('api_key'));

interface ParsedForm {
  fields: Record<string, string>;
  attributes: Map<string, AttributeAnswer>;
}

/** Reads `attribute[code]=v` and `attribute[code][]=v…` («POST Service Request», `attribute`). */
function parseForm(entries: Iterable<[string, string]>): ParsedForm {
  const fields: Record<string, string> = {};
  const attributes = new Map<string, AttributeAnswer>();
  const problems: string[] = [];
  for (const [key, value] of entries) {
    const attribute = /^attribute\[([^\[\]]*)\](\[\])?$/.exec(key);
    if (attribute) {
      const code = attribute[1];
      if (!CODE_PATTERN.test(code)) {
        problems.push('Hay un attribute[…] con un código mal formado: use los códigos de la definición del servicio.');
        continue;
      }
      const answer = attributes.get(code) ?? { values: [], asList: false };
      answer.values.push(value);
      answer.asList ||= attribute[2] !== undefined;
      attributes.set(code, answer);
    } else if (key.startsWith('attribute')) {
      problems.push('Hay un attribute mal formado: escríbalo attribute[código]=valor, o attribute[código][]=valor para varios.');
    } else if (FORM_FIELDS.has(key)) {
      if (key in fields) problems.push(`Envíe ${key} una sola vez.`);
      // «Optional Arguments»: empty is the same as not passed.
      else if (value !== '') fields[key] = value;
    }
    // Anything else (another server's extension) is ignored.
  }
  if (problems.length > 0)
    throw new Open311Error(
      400,
      [...new Set(problems)].map((description) => ({ code: 400, description })),
    );
  return { fields, attributes };
}

async function readForm(c: Context<ApiEnv>): Promise<ParsedForm> {
  const type = (c.req.header('Content-Type') ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return parseForm(new URLSearchParams(await c.req.text()));
  if (type === 'multipart/form-data') {
    const form = await c.req.formData().catch(() => {
      throw new Open311Error(400, 'No se pudo leer el formulario multipart: revise lo enviado.');
    });
    const entries: [string, string][] = [];
    for (const [key, value] of form.entries()) {
      if (typeof value !== 'string') throw new Open311Error(400, 'No se aceptan archivos: envíe la foto como media_url.');
      entries.push([key, value]);
    }
    return parseForm(entries);
  }
  // «Format Support»: POST Service Request is Content-Type: application/x-www-form-urlencoded.
  throw new Open311Error(400, 'Envíe la solicitud como formulario: Content-Type: application/x-www-form-urlencoded; charset=utf-8.');
}

function locationOf(form: z.infer<typeof postSchema>): LocationInput {
  // «lat & long both need to be sent», and one of lat & long, address_string or address_id.
  if ((form.lat === undefined) !== (form.long === undefined)) throw new Open311Error(400, 'Envíe lat y long juntas.');
  if (form.lat === undefined && !form.address_string && !form.address_id) {
    throw new Open311Error(400, 'Falta la ubicación: envíe lat y long, address_string o address_id (un código del territorio).');
  }
  const area = form.address_id;
  return {
    lat: form.lat,
    lng: form.long,
    address: form.address_string,
    department: area?.slice(0, 2),
    municipality: area && area.length >= 4 ? area.slice(0, 4) : undefined,
    district: area && area.length === 6 ? area : undefined,
  };
}

/**
 * Contact only when given: email (or else phone, by SMS) for follow-up. Names, device and account
 * ids are not kept (the minimum is collected); without a contact the case is anonymous.
 */
function contactOf(form: z.infer<typeof postSchema>): { contact?: ContactInput; field?: string } {
  if (form.email) return { contact: { channel: 'email', value: form.email }, field: 'email' };
  if (form.phone) return { contact: { channel: 'sms', value: form.phone }, field: 'phone' };
  return {};
}

// --- The sub-app ---------------------------------------------------------------------------------

/**
 * Registers `handler` for `{path}.xml` and `{path}.json`.
 */
function both(app: Hono<ApiEnv>, method: 'get' | 'post', path: string, handler: (c: Context<ApiEnv>, format: Format) => Promise<Response> | Response) {
  for (const format of ['xml', 'json'] as const) app[method](`${path}.${format}`, (c) => handler(c, format));
}

/** `{id}.{format}` of a path, or a 404 naming the formats. */
function fileParameter(c: Context<ApiEnv>): { name: string; format: Format } {
  const file = splitFormat(c.req.param('file') ?? '');
  if (!file) throw new Open311Error(404, 'Ese recurso no existe: termine la dirección en .xml o .json.');
  return file;
}

/**
 * The Open311 GeoReport v2 endpoint; mount it with `app.route('/open311/v2', open311Routes())`.
 * Errors never reach the app's JSON error shape: this sub-app answers them itself.
 */
export function open311Routes() {
  const app = new Hono<ApiEnv>();

  app.post(
    '*',
    limitBody({
      maxSize: 64 * 1024,
      onError: () => {
        throw new Open311Error(400, 'La solicitud es demasiado grande (máximo 64 KB).');
      },
    }),
  );

  // Service Discovery (wiki.open311.org/Service_Discovery), «Fields for All Versions».
  both(app, 'get', '/discovery', (c, format) => {
    const origin = c.var.publicOrigin ? new URL(c.var.publicOrigin).origin : '';
    const body = {
      changeset: OPEN311_CHANGESET,
      contact: 'Portal de trámites de El Salvador. Para consultas sobre esta API, escriba a la administración del portal.',
      key_service: 'La api_key para enviar solicitudes la emite la administración del portal, una por aplicación cliente.',
      endpoints: [
        {
          specification: SPEC,
          // Absolute from PUBLIC_BASE_URL; relative to this file without it (never from a request's Host).
          url: `${origin}/open311/v2`,
          changeset: OPEN311_CHANGESET,
          type: 'production',
          formats: ['text/xml', 'application/json'],
        },
      ],
    };
    return render(c, format, 'discovery', body, 200, CACHE_CONTROL.revalidateMinute);
  });

  // «GET Service List».
  both(app, 'get', '/services', (c, format) => {
    const body = OPEN311_SERVICE_LIST.map((service) => ({
      service_code: service.code,
      service_name: serviceName(service.code),
      description: serviceDescription(service.code),
      // true: there is a service definition to read before posting.
      metadata: service.attributes.length > 0,
      // realtime: POST requests answers the service_request_id at once.
      type: 'realtime',
      keywords: service.keywords.join(', '),
      group: service.group,
    }));
    return render(c, format, 'services', body, 200, CACHE_CONTROL.revalidateMinute);
  });

  // «GET Service Definition».
  app.get('/services/:file', async (c) => {
    const { name, format } = fileParameter(c);
    const service = findService(name);
    if (!service) throw new Open311Error(404, 'No existe ese service_code: consulte GET services.xml.');
    return render(c, format, 'service_definition', definitionJson(service, await institutionValues(c)), 200, CACHE_CONTROL.revalidateMinute);
  });

  // «POST Service Request».
  both(app, 'post', '/requests', async (c, format) => {
    const { fields, attributes } = await readForm(c);
    const client = await requireClient(c, fields.api_key, 'enviar una solicitud');
    if (!(await createRateLimiter(c.var.store, RATE_LIMITS.open311Intake).allow(`client:${client.id}`))) {
      throw new Open311Error(400, [{ code: 429, description: 'Su aplicación envió demasiadas solicitudes en la última hora. Intente más tarde.' }], {
        retryAfterSeconds: 3600,
      });
    }
    const parsed = postSchema.safeParse(fields);
    if (!parsed.success) throw zodProblems(parsed.error);
    const form = parsed.data;
    // Violence is not an Open311 service: its code is as unknown here as any other.
    const service = findService(form.service_code);
    if (!service) throw new Open311Error(404, 'No existe ese service_code: consulte GET services.xml.');
    const location = locationOf(form);
    const checked = checkAttributes(service, attributes, await institutionValues(c), c.var.store.clock.now());
    if (checked.problems.length > 0)
      throw new Open311Error(
        400,
        checked.problems.map((description) => ({ code: 400, description })),
      );
    const { contact, field } = contactOf(form);
    if (form.media_url) checked.attributes.media_url = form.media_url;
    const report: NewReport = {
      kind: service.code,
      channel: 'open311',
      description: form.description ?? '',
      institutionSlug: checked.institutionSlug,
      procedureSlug: checked.procedureSlug,
      location,
      anonymous: contact === undefined,
      contact,
      attributes: checked.attributes,
      open311ClientId: client.id,
    };
    const created = await createReport(c.var.store, report).catch((error: unknown) => {
      throw asOpen311Error(error, { ...POST_FIELD_NAMES, contact_value: field ?? 'email' }) ?? error;
    });
    // «POST Service Request», «Response»: the id (no token: type realtime), the notice, account_id.
    const body = [{ service_request_id: formatTrackingCode(created.code), service_notice: serviceNotice(service.code), account_id: null }];
    return render(c, format, 'service_requests', body, 200);
  });

  // «GET Service Requests».
  both(app, 'get', '/requests', async (c, format) => {
    const ids = listParameter(c, 'service_request_id');
    if (ids) {
      // «service_request_id … This overrides all other arguments.»
      const parsed = idListSchema.safeParse(ids);
      if (!parsed.success) throw zodProblems(parsed.error);
      const guard = await guardCodeLookup(c);
      const found = await getOpen311Requests(c.var.store.db, parsed.data);
      if (found.length < new Set(parsed.data.map((id) => id.toUpperCase())).size) await guard.miss();
      return render(c, format, 'service_requests', found.map(requestJson), 200);
    }
    const client = await requireClient(c, singleParameter(c, 'api_key'), 'listar solicitudes sin service_request_id');
    const parsed = listQuerySchema.safeParse({
      start_date: singleParameter(c, 'start_date'),
      end_date: singleParameter(c, 'end_date'),
      service_code: listParameter(c, 'service_code'),
      status: listParameter(c, 'status'),
    });
    if (!parsed.success) throw zodProblems(parsed.error);
    const unknown = (parsed.data.service_code ?? []).filter((code) => !findService(code));
    if (unknown.length > 0) throw new Open311Error(400, 'service_code: uno de los códigos no existe; consulte GET services.xml.');
    const range = dateRange(parsed.data, c.var.store.clock.now());
    const found = await listOpen311Requests(c.var.store.db, client.id, {
      ...range,
      serviceCodes: parsed.data.service_code?.map((code) => (findService(code) as ServiceDefinition).code),
      statuses: parsed.data.status,
    });
    return render(c, format, 'service_requests', found.map(requestJson), 200);
  });

  // «GET Service Request».
  app.get('/requests/:file', async (c) => {
    const { name, format } = fileParameter(c);
    const guard = await guardCodeLookup(c);
    const [found] = await getOpen311Requests(c.var.store.db, [name]);
    if (!found) {
      await guard.miss();
      throw new Open311Error(404, 'No existe una solicitud con ese service_request_id.');
    }
    return render(c, format, 'service_requests', [requestJson(found)], 200);
  });

  // «GET service_request_id from a token»: every service is realtime, so no token is ever issued.
  app.get('/tokens/:file', (c) => {
    fileParameter(c);
    throw new Open311Error(404, 'No existe ese token: esta API es de tipo realtime y POST requests devuelve el service_request_id de inmediato.');
  });

  // FixMyStreet's extension, «GET Service Request Updates».
  both(app, 'get', '/servicerequestupdates', async (c, format) => {
    const client = await requireClient(c, singleParameter(c, 'api_key'), 'seguir las actualizaciones');
    const parsed = dateRangeSchema.safeParse({ start_date: singleParameter(c, 'start_date'), end_date: singleParameter(c, 'end_date') });
    if (!parsed.success) throw zodProblems(parsed.error);
    const updates = await listOpen311Updates(c.var.store.db, client.id, dateRange(parsed.data, c.var.store.clock.now()));
    return render(c, format, 'service_request_updates', updates.map(updateJson), 200);
  });

  app.all('*', () => {
    throw new Open311Error(404, 'Ese recurso de Open311 no existe: vea discovery.xml y services.xml.');
  });
  app.onError((error, c) => open311ErrorResponse(error, c, c.var.log));
  return app;
}
