import { z } from 'zod';
import '../../store/validation-locale.ts';
import { KIND_TEXT, OPEN311_KINDS, type ReportKind } from '../../store/reports/kinds.ts';
import { DEFAULT_SLA, spanText } from '../../store/reports/sla.ts';

/**
 * What Open311 offers, as typed data: one service per report kind except violence (never in
 * Open311), each with its service definition (GeoReport v2, «GET Service Definition»). Answers
 * to `institucion` and `tramite` route the case (institution, procedure); every other answer is
 * kept encrypted with the case as its `attributes`.
 */

export type Open311Kind = Exclude<ReportKind, 'violence'>;

/** GeoReport v2, «GET Service Definition», `datatype`. */
export const ATTRIBUTE_DATATYPES = ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] as const;
export type AttributeDatatype = (typeof ATTRIBUTE_DATATYPES)[number];

export interface AttributeValue {
  key: string;
  name: string;
}

export interface AttributeDefinition {
  /** GeoReport v2 `code`: unique within the service. */
  code: string;
  /** GeoReport v2 `variable`: false when the attribute only informs (no input). */
  variable: boolean;
  datatype: AttributeDatatype;
  required: boolean;
  /** GeoReport v2 `datatype_description`: how to write the value. */
  datatypeDescription: string | null;
  /** GeoReport v2 `order`: 1 is shown first; unique within the service. */
  order: number;
  /** GeoReport v2 `description`: what to answer. */
  description: string;
  /** Lists: fixed values, or `institutions` (the institutions table, read when answered). */
  values?: readonly AttributeValue[] | 'institutions';
  /** Where the answer goes instead of `attributes`. */
  routes?: 'institution' | 'procedure';
  /** string/text: longest answer (default 200 / 2,000). */
  maxLength?: number;
  /** number: bounds and whether it must be whole. */
  min?: number;
  max?: number;
  integer?: boolean;
  /** datetime: must not be later than now (something that already happened). */
  past?: boolean;
  /** string: an identifier of the catalog (lower case, digits, hyphens). */
  slug?: boolean;
}

export interface ServiceDefinition {
  code: Open311Kind;
  /** GeoReport v2 `group`. */
  group: string;
  /** GeoReport v2 `keywords` (joined with commas in the answer). */
  keywords: readonly string[];
  attributes: readonly AttributeDefinition[];
}

const DATETIME_HELP = 'Fecha y hora con zona horaria (W3C), por ejemplo 2026-11-20T10:30:00-06:00; o solo la fecha: 2026-11-20.';

const institution = (order: number, description: string): AttributeDefinition => ({
  code: 'institucion',
  variable: true,
  datatype: 'singlevaluelist',
  required: false,
  datatypeDescription: 'Elija una institución de la lista (su identificador).',
  order,
  description,
  values: 'institutions',
  routes: 'institution',
});

const eventDate = (order: number): AttributeDefinition => ({
  code: 'fecha_del_hecho',
  variable: true,
  datatype: 'datetime',
  required: false,
  datatypeDescription: DATETIME_HELP,
  order,
  description: '¿Cuándo pasó? Si no recuerda la hora, basta la fecha.',
  past: true,
});

const procedure = (order: number, required: boolean): AttributeDefinition => ({
  code: 'tramite',
  variable: true,
  datatype: 'string',
  required,
  datatypeDescription:
    'El identificador del trámite en el catálogo, como aparece en su dirección /tramites/{identificador} (por ejemplo emision-dui-primera-vez).',
  order,
  description: required ? '¿En qué trámite le pidieron el requisito?' : '¿Era para un trámite del catálogo? Indique cuál.',
  routes: 'procedure',
  maxLength: 120,
  slug: true,
});

/** The services, in the order GET services lists them. */
export const OPEN311_SERVICES: Record<Open311Kind, ServiceDefinition> = {
  complaint: {
    code: 'complaint',
    group: 'Quejas y denuncias',
    keywords: ['queja', 'reclamo', 'mala atención', 'servicio público', 'ventanilla', 'no me atendieron'],
    attributes: [
      institution(1, '¿Qué institución no le atendió como debía?'),
      procedure(2, false),
      eventDate(3),
      {
        code: 'numero_de_ventanilla',
        variable: true,
        datatype: 'number',
        required: false,
        datatypeDescription: 'Un número entero, por ejemplo 4.',
        order: 4,
        description: 'Si le atendieron en una ventanilla numerada, ¿cuál era?',
        integer: true,
        min: 1,
        max: 999,
      },
    ],
  },
  corruption: {
    code: 'corruption',
    group: 'Quejas y denuncias',
    keywords: ['corrupción', 'soborno', 'mordida', 'abuso', 'recursos públicos', 'denuncia'],
    attributes: [
      institution(1, '¿En qué institución pasó?'),
      eventDate(2),
      {
        code: 'tipo_de_hecho',
        variable: true,
        datatype: 'multivaluelist',
        required: false,
        datatypeDescription: 'Elija uno o varios de la lista.',
        order: 3,
        description: '¿Qué pasó?',
        values: [
          { key: 'dinero', name: 'Me pidieron dinero' },
          { key: 'favores', name: 'Me pidieron favores o regalos' },
          { key: 'recursos', name: 'Vi un uso indebido de recursos públicos' },
          { key: 'plazas', name: 'Plazas o contratos para familiares o conocidos' },
          { key: 'otro', name: 'Otro abuso' },
        ],
      },
      {
        code: 'monto_solicitado',
        variable: true,
        datatype: 'number',
        required: false,
        datatypeDescription: 'Cantidad en dólares, con punto decimal: 25 o 25.50.',
        order: 4,
        description: 'Si le pidieron dinero, ¿cuánto?',
        min: 0,
        max: 10_000_000,
      },
    ],
  },
  emergency: {
    code: 'emergency',
    group: 'Emergencias',
    keywords: ['emergencia', 'riesgo', 'peligro', 'árbol caído', 'inundación', 'deslave', 'cable caído'],
    attributes: [
      {
        code: 'aviso_911',
        variable: false,
        datatype: 'string',
        required: false,
        datatypeDescription: null,
        order: 1,
        description: 'Si hay una vida en riesgo ahora, llame al 911 antes de seguir: este canal no es inmediato.',
      },
      {
        code: 'tipo_de_riesgo',
        variable: true,
        datatype: 'singlevaluelist',
        required: true,
        datatypeDescription: 'Elija uno de la lista.',
        order: 2,
        description: '¿Qué clase de riesgo es?',
        values: [
          { key: 'arbol', name: 'Árbol caído o a punto de caer' },
          { key: 'electrico', name: 'Cable eléctrico caído o poste dañado' },
          { key: 'agua', name: 'Inundación, tubería rota o alcantarilla abierta' },
          { key: 'deslave', name: 'Deslave, hundimiento o grieta' },
          { key: 'via', name: 'Calle o puente en peligro' },
          { key: 'otro', name: 'Otro riesgo' },
        ],
      },
      {
        code: 'personas_en_riesgo',
        variable: true,
        datatype: 'number',
        required: false,
        datatypeDescription: 'Un número entero; 0 si no sabe.',
        order: 3,
        description: '¿Cuántas personas podrían resultar afectadas?',
        integer: true,
        min: 0,
        max: 100_000,
      },
      {
        code: 'punto_de_referencia',
        variable: true,
        datatype: 'text',
        required: false,
        datatypeDescription: 'Texto libre, hasta 500 caracteres.',
        order: 4,
        description: '¿Cómo se encuentra el lugar? Un punto de referencia cercano (no escriba datos personales).',
        maxLength: 500,
      },
    ],
  },
  missing_requirement: {
    code: 'missing_requirement',
    group: 'Catálogo de trámites',
    keywords: ['requisito', 'trámite', 'documento', 'me pidieron', 'catálogo', 'no aparece'],
    attributes: [
      procedure(1, true),
      {
        code: 'requisito_pedido',
        variable: true,
        datatype: 'string',
        required: true,
        datatypeDescription: 'Texto de una línea, hasta 200 caracteres.',
        order: 2,
        description: '¿Qué requisito o documento le pidieron que el catálogo no menciona?',
      },
      {
        code: 'oficina',
        variable: true,
        datatype: 'string',
        required: false,
        datatypeDescription: 'Texto de una línea, hasta 200 caracteres.',
        order: 3,
        description: '¿En qué oficina se lo pidieron?',
      },
      eventDate(4),
    ],
  },
};

export const OPEN311_SERVICE_LIST: readonly ServiceDefinition[] = (OPEN311_KINDS as readonly ReportKind[])
  .filter((kind): kind is Open311Kind => kind in OPEN311_SERVICES)
  .map((kind) => OPEN311_SERVICES[kind]);

/** The service for a `service_code`, or undefined (violence and anything else unknown alike). */
export function findService(code: string): ServiceDefinition | undefined {
  return OPEN311_SERVICE_LIST.find((service) => service.code === code);
}

/** GeoReport v2 `service_notice`: what to expect, from the kind's SLA. */
export function serviceNotice(kind: ReportKind): string {
  const sla = DEFAULT_SLA[kind];
  const promise = `Plazo para acusar recibo: ${spanText(sla.acknowledge)}; para resolver: ${spanText(sla.resolve)}. Con el código se sigue el caso en /seguimiento.`;
  return kind === 'emergency' ? `Si hay una vida en riesgo ahora, llame al 911. ${promise}` : promise;
}

export function serviceName(kind: ReportKind): string {
  return KIND_TEXT[kind].name;
}

export function serviceDescription(kind: ReportKind): string {
  return KIND_TEXT[kind].description;
}

// --- Answers to a service definition ---------------------------------------------------------

const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LINE_BREAK = /[\r\n]/;
/** W3C date and time formats (www.w3.org/TR/NOTE-datetime): a full date, or a date and time with its zone. */
export const W3C_DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An instant from a W3C date or datetime; a bare date is midnight in El Salvador (UTC−6). */
export function parseW3cDatetime(value: string): Date | null {
  if (!W3C_DATETIME.test(value)) return null;
  const instant = new Date(value.length === 10 ? `${value}T00:00:00-06:00` : value);
  if (Number.isNaN(instant.getTime())) return null;
  // Reject dates JavaScript rolls over (2026-02-30 → 2026-03-02).
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return instant;
}

/** What a client sent for one attribute: `attribute[code]=v` (single) or `attribute[code][]=v…` (list). */
export interface AttributeAnswer {
  values: string[];
  asList: boolean;
}

export interface AttributeOutcome {
  institutionSlug?: string;
  procedureSlug?: string;
  attributes: Record<string, string | string[]>;
  /** Spanish problems, one per attribute, naming it as the client sent it. */
  problems: string[];
}

function answerSchema(attribute: AttributeDefinition, values: readonly AttributeValue[], now: Date): z.ZodType<string | string[]> {
  const name = `attribute[${attribute.code}]`;
  const keys = values.map((value) => value.key);
  switch (attribute.datatype) {
    case 'string':
      return z
        .string()
        .max(attribute.maxLength ?? 200, { error: `Acorte ${name} a ${attribute.maxLength ?? 200} caracteres.` })
        .refine((value) => !LINE_BREAK.test(value), { error: `${name} es de una sola línea: quite los saltos de línea.` })
        .refine((value) => !CONTROL.test(value), { error: `Quite los caracteres de control de ${name}.` })
        .refine((value) => !attribute.slug || /^[a-z0-9-]+$/.test(value), {
          error: `${name} es un identificador del catálogo: solo minúsculas, números y guiones.`,
        });
    case 'text':
      return z
        .string()
        .max(attribute.maxLength ?? 2000, { error: `Acorte ${name} a ${attribute.maxLength ?? 2000} caracteres.` })
        .refine((value) => !CONTROL.test(value), { error: `Quite los caracteres de control de ${name}.` });
    case 'number':
      return z
        .string()
        .regex(/^-?\d{1,12}(\.\d{1,6})?$/, { error: `${name} debe ser un número, con punto decimal (por ejemplo 25 o 25.50).` })
        .refine((value) => !attribute.integer || /^-?\d+$/.test(value), { error: `${name} debe ser un número entero.` })
        .refine((value) => attribute.min === undefined || Number(value) >= attribute.min, { error: `${name} debe ser al menos ${attribute.min}.` })
        .refine((value) => attribute.max === undefined || Number(value) <= attribute.max, { error: `${name} debe ser como mucho ${attribute.max}.` });
    case 'datetime':
      return z
        .string()
        .refine((value) => parseW3cDatetime(value) !== null, { error: `${name}: ${DATETIME_HELP}` })
        .refine((value) => !attribute.past || (parseW3cDatetime(value)?.getTime() ?? 0) <= now.getTime(), {
          error: `${name} no puede ser una fecha futura.`,
        })
        .transform((value) => (value.length === 10 ? value : (parseW3cDatetime(value) as Date).toISOString()));
    case 'singlevaluelist':
      return z.string().refine((value) => keys.includes(value), { error: `${name} no admite ese valor: use una de las claves de la definición del servicio.` });
    case 'multivaluelist':
      return z
        .array(z.string().refine((value) => keys.includes(value), { error: `${name} no admite uno de los valores: use claves de la definición del servicio.` }))
        .min(1)
        .refine((list) => new Set(list).size === list.length, { error: `${name} repite un valor.` });
  }
}

/**
 * Checks the `attribute[…]` answers against the service's definition: unknown codes, answers to
 * informative attributes, missing required ones, a list sent for a single value, datatypes and
 * list keys. Empty answers count as not sent (GeoReport v2, «Optional Arguments»).
 */
export function checkAttributes(
  service: ServiceDefinition,
  answers: ReadonlyMap<string, AttributeAnswer>,
  institutions: readonly AttributeValue[],
  now: Date,
): AttributeOutcome {
  const outcome: AttributeOutcome = { attributes: {}, problems: [] };
  for (const code of answers.keys()) {
    const known = service.attributes.find((attribute) => attribute.code === code);
    if (!known) outcome.problems.push(`attribute[${code}] no existe en el servicio ${service.code}: consulte GET services/${service.code}.xml.`);
    else if (!known.variable) outcome.problems.push(`attribute[${code}] solo informa: no se responde.`);
  }
  for (const attribute of service.attributes) {
    if (!attribute.variable) continue;
    const answer = answers.get(attribute.code);
    const given = answer ? answer.values.filter((value) => value !== '') : [];
    if (given.length === 0) {
      if (attribute.required) outcome.problems.push(`Falta attribute[${attribute.code}]: ${attribute.description}`);
      continue;
    }
    const list = attribute.datatype === 'multivaluelist';
    if (!list && (answer?.asList || given.length > 1)) {
      outcome.problems.push(`attribute[${attribute.code}] admite un solo valor: envíelo como attribute[${attribute.code}]=valor.`);
      continue;
    }
    const values = attribute.values === 'institutions' ? institutions : (attribute.values ?? []);
    const parsed = answerSchema(attribute, values, now).safeParse(list ? given : given[0]);
    if (!parsed.success) {
      outcome.problems.push(parsed.error.issues[0]?.message ?? `Revise attribute[${attribute.code}].`);
      continue;
    }
    if (attribute.routes === 'institution') outcome.institutionSlug = parsed.data as string;
    else if (attribute.routes === 'procedure') outcome.procedureSlug = parsed.data as string;
    else outcome.attributes[attribute.code] = parsed.data;
  }
  return outcome;
}
