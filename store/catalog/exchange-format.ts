import '../validation-locale.ts';
import { z } from 'zod';

/**
 * The catalog exchange format (CONTRACTS.md): the shape of a procedure in imports, exports and the
 * public API. Messages are Spanish and say how to fix the value.
 */

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
// C0/C1 control characters other than tab and newlines never belong in catalog text.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

const text = (label: string, min: number, max: number) =>
  z
    .string({ error: `Escriba ${label} como texto.` })
    .trim()
    .min(min, { error: min <= 1 ? `Escriba ${label}; no puede quedar vacío.` : `Escriba ${label} con al menos ${min} caracteres.` })
    .max(max, { error: `Acorte ${label} a ${max} caracteres como máximo.` })
    .refine((value) => !CONTROL.test(value), { error: `Quite los caracteres de control de ${label}.` });

const slug = (label: string) =>
  z
    .string({ error: `Escriba ${label}.` })
    .trim()
    .min(2, { error: `Escriba ${label}.` })
    .max(120, { error: `Acorte ${label} a 120 caracteres como máximo.` })
    .regex(SLUG, { error: `Use en ${label} solo minúsculas sin tildes, números y guiones (por ejemplo «emision-dui-primera-vez»).` });

const textList = (label: string, maxItems: number) =>
  z
    .array(text(`cada elemento de ${label}`, 1, 1000), { error: `Escriba ${label} como una lista.` })
    .max(maxItems, { error: `Use como máximo ${maxItems} elementos en ${label}.` });

const webAddress = (label: string) =>
  z
    .string({ error: `Escriba ${label} como texto.` })
    .trim()
    .max(500, { error: `Acorte ${label} a 500 caracteres.` })
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          return url.protocol === 'https:' || url.protocol === 'http:';
        } catch {
          return false;
        }
      },
      { error: `Escriba ${label} completo, empezando por https://.` },
    );
const httpsUrl = webAddress('el enlace en línea');

const calendarDate = (label: string) =>
  z
    .string({ error: `Escriba ${label} como AAAA-MM-DD.` })
    .regex(DATE, { error: `Escriba ${label} como AAAA-MM-DD (por ejemplo 2026-01-31).` })
    .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), {
      error: `${label[0].toUpperCase()}${label.slice(1)} no existe en el calendario.`,
    });

export const CHANNELS = ['presencial', 'en_linea', 'telefono', 'correo'] as const;

export const officeSchema = z.object({
  name: text('el nombre de la oficina', 2, 200),
  address: text('la dirección de la oficina', 0, 300).optional(),
  department: text('el departamento de la oficina', 1, 60).optional(),
  municipality: text('el municipio de la oficina', 1, 80).optional(),
  district: text('el distrito de la oficina', 1, 80).optional(),
  hours: text('el horario de la oficina', 0, 300).optional(),
  phone: z
    .string({ error: 'Escriba el teléfono de la oficina como texto.' })
    .trim()
    .max(60, { error: 'Acorte el teléfono de la oficina a 60 caracteres.' })
    .regex(/^[0-9+() \-/,.extEXT]*$/, { error: 'Escriba el teléfono solo con números, espacios, guiones o «+» (por ejemplo 2521-9300).' })
    .optional(),
  /** What this office charges when it differs from office to office (alcaldías set their own fees). */
  fee: text('el costo en esta oficina', 1, 200).optional(),
  /**
   * What a person should know about this office for this procedure when a detail is not quite its
   * own: «Su teléfono es el de asesoría tributaria: pregunte ahí cómo presentar el F14», «Confirme
   * antes de ir que ahí se tramita el pasaporte». It keeps the name a name.
   */
  note: text('la nota sobre la oficina', 1, 300).optional(),
});

/**
 * The cost: `amount` in `currency`, 0 only when it is known to be free. An unknown cost has no
 * amount and a note saying where to ask («Consulte el monto en la oficina»); it is never shown as free.
 */
export const costSchema = z
  .object({
    amount: z
      .number({ error: 'Escriba el costo como un número (0 si es gratuito; déjelo vacío si no se conoce).' })
      .min(0, { error: 'El costo no puede ser negativo; escriba 0 si es gratuito.' })
      .max(1_000_000, { error: 'Revise el costo: es demasiado alto.' })
      .optional(),
    currency: z.literal('USD', { error: 'Use «USD» como moneda.' }).default('USD'),
    note: text('la nota del costo', 0, 500).optional(),
  })
  .refine((cost) => cost.amount !== undefined || (cost.note ?? '').length > 0, {
    error: 'Si no se conoce el monto, escriba en la nota del costo dónde consultarlo (por ejemplo «Consulte el monto en la oficina»).',
    path: ['note'],
  });

export const procedureDocumentSchema = z.object({
  slug: slug('el identificador (slug)'),
  title: text('el título', 5, 160),
  summary: text('el resumen', 10, 600),
  category: slug('la categoría'),
  institution: slug('la institución'),
  institution_name: text('el nombre de la institución', 3, 200).optional(),
  audience: text('a quién va dirigido', 0, 600).optional(),
  requirements: textList('los requisitos', 40).default([]),
  documents: textList('los documentos', 40).default([]),
  steps: textList('los pasos', 40).default([]),
  cost: costSchema.optional(),
  duration: text('el tiempo de respuesta', 0, 200).optional(),
  channels: z
    .array(z.enum(CHANNELS, { error: `Use como canal solo: ${CHANNELS.join(', ')}.` }), {
      error: 'Escriba los canales como una lista.',
    })
    .default([]),
  online_url: httpsUrl.optional(),
  offices: z.array(officeSchema, { error: 'Escriba las oficinas como una lista.' }).max(50, { error: 'Use como máximo 50 oficinas.' }).default([]),
  keywords: textList('las palabras clave', 40).default([]),
  legal_basis: text('la base legal', 0, 600).optional(),
  /** The public page the entry's facts come from. */
  source_url: webAddress('el enlace de la fuente').optional(),
  /** The row's identifier in the bulk export it came from: later imports match rows by it. */
  source_id: text('el identificador de origen', 1, 120).optional(),
  updated_at: calendarDate('la fecha de actualización').optional(),
  /** When a person last checked the facts against the source (apart from the last content change). */
  verified_at: calendarDate('la fecha de verificación').optional(),
  synthetic: z.boolean({ error: 'Escriba «synthetic» como true o false.' }).optional(),
});

/** A procedure as exchanged: validated, trimmed, lists defaulted to []. */
export type ProcedureDocument = z.output<typeof procedureDocumentSchema>;
export type ProcedureDocumentInput = z.input<typeof procedureDocumentSchema>;
export type Office = z.output<typeof officeSchema>;

/** Spanish names of the fields, for per-row reports («fila 3, campo título»). */
export const FIELD_LABELS: Record<string, string> = {
  slug: 'identificador (slug)',
  title: 'título',
  summary: 'resumen',
  category: 'categoría',
  institution: 'institución',
  institution_name: 'nombre de la institución',
  audience: 'a quién va dirigido',
  requirements: 'requisitos',
  documents: 'documentos',
  steps: 'pasos',
  cost: 'costo',
  duration: 'tiempo de respuesta',
  channels: 'canales',
  online_url: 'enlace en línea',
  offices: 'oficinas',
  keywords: 'palabras clave',
  legal_basis: 'base legal',
  source_url: 'fuente',
  source_id: 'identificador de origen',
  updated_at: 'fecha de actualización',
  verified_at: 'fecha de verificación',
  synthetic: 'sintético',
};

/** The order fields are written in exports (and the CSV column order). */
export const EXCHANGE_FIELDS = Object.keys(FIELD_LABELS);

/** `offices.1.hours` → «oficinas › 2 › hours» for people (1-based positions). */
export function describePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'registro';
  const [head, ...rest] = path.map(String);
  const label = FIELD_LABELS[head] ?? head;
  return [label, ...rest.map((part) => (/^\d+$/.test(part) ? String(Number(part) + 1) : part))].join(' › ');
}

/** Validation issues of one document as `{ field, message }`, field as a dotted path. */
export function documentIssues(error: z.ZodError): { field: string; label: string; message: string }[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(registro)',
    label: describePath(issue.path),
    message: issue.code === 'unrecognized_keys' ? `Quite los campos desconocidos: ${issue.keys.join(', ')}.` : issue.message,
  }));
}
