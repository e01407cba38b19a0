import { z } from '@hono/zod-openapi';
import { QUEUES } from '../../store/policy.ts';
import { CONTACT_CHANNELS, PRIORITIES, REPORT_KINDS } from '../../store/reports/kinds.ts';
import { CODE_WORD_MAX, DESCRIPTION_MAX, MESSAGE_MAX, type NewReport } from '../../store/reports/reports.ts';
import { HANDLER_EVENT_TYPES } from '../../store/reports/handling.ts';
import type { ReportChannel } from '../../store/reports/kinds.ts';

/**
 * One schema per action, shared by the JSON API, the /denuncia and /seguimiento forms and the
 * bot: the same rules and the same Spanish messages whichever way a report arrives.
 */

const noControl = (value: string) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(value);
const text = (max: number, field: string) =>
  z
    .string({ error: `Escriba ${field} como texto.` })
    .max(max, { error: `Acorte ${field} a ${max} caracteres.` })
    .refine(noControl, { error: `Quite los caracteres de control de ${field}.` });
const slug = (what: string) =>
  z
    .string({ error: `Escriba ${what} como texto.` })
    .max(120, { error: `El identificador de ${what} es demasiado largo.` })
    .regex(/^[a-z0-9-]+$/, { error: `Identificador de ${what} no válido: solo minúsculas, números y guiones.` });

export const reportBodySchema = z
  .object({
    kind: z.enum(REPORT_KINDS, { error: `Use en «kind» uno de: ${REPORT_KINDS.join(', ')}.` }),
    description: text(DESCRIPTION_MAX, 'el relato').meta({ description: 'Qué pasó (se guarda cifrado).' }),
    procedure: slug('el trámite').optional(),
    institution: slug('la institución').optional(),
    location: z
      .object({
        department: text(80, 'el departamento').optional(),
        municipality: text(80, 'el municipio').optional(),
        district: text(80, 'el distrito').optional(),
        lat: z.number({ error: 'Envíe la latitud como número.' }).min(-90).max(90).optional(),
        lng: z.number({ error: 'Envíe la longitud como número.' }).min(-180).max(180).optional(),
        address: text(300, 'la dirección').optional(),
      })
      .optional(),
    anonymous: z.boolean({ error: 'Indique en «anonymous» true o false.' }),
    contact: z
      .object({
        channel: z.enum(CONTACT_CHANNELS, { error: `Use en «contact.channel» uno de: ${CONTACT_CHANNELS.join(', ')}.` }),
        value: text(200, 'el contacto'),
        safe_hours: text(11, 'el horario seguro').optional().meta({ description: '«HH:MM-HH:MM», hora de El Salvador' }),
        may_leave_message: z.boolean({ error: 'Indique en «may_leave_message» true o false.' }).optional(),
      })
      .optional(),
    code_word: text(CODE_WORD_MAX, 'la palabra clave').optional().meta({ description: 'Obligatoria en casos de violencia; se guarda con un hash lento.' }),
  })
  .openapi('NewReport');

export type ReportBody = z.infer<typeof reportBodySchema>;

export function toNewReport(body: ReportBody, channel: ReportChannel): NewReport {
  return {
    kind: body.kind,
    channel,
    description: body.description,
    procedureSlug: body.procedure,
    institutionSlug: body.institution,
    location: body.location,
    anonymous: body.anonymous,
    contact: body.contact
      ? { channel: body.contact.channel, value: body.contact.value, safeHours: body.contact.safe_hours, mayLeaveMessage: body.contact.may_leave_message }
      : undefined,
    codeWord: body.code_word,
  };
}

export const citizenMessageSchema = z
  .object({ message: text(MESSAGE_MAX, 'el mensaje').meta({ description: 'Su respuesta a la institución.' }) })
  .openapi('CitizenMessage');

export const citizenActionSchema = z
  .object({
    action: z.enum(['close', 'withdraw', 'delete_contact'], { error: 'Use en «action»: close, withdraw o delete_contact.' }),
    reason: text(MESSAGE_MAX, 'el motivo').optional(),
  })
  .openapi('CitizenAction');

export const handlerEventSchema = z
  .object({
    type: z.enum(HANDLER_EVENT_TYPES, { error: `Use en «type» uno de: ${HANDLER_EVENT_TYPES.join(', ')}.` }),
    message: text(MESSAGE_MAX, 'el mensaje').optional(),
    status: z.string().max(40, { error: 'Estado no válido.' }).optional(),
    institution: slug('la institución').optional(),
    consent: z.boolean({ error: 'Indique en «consent» true o false.' }).optional(),
    into: z.string().max(40, { error: 'Código no válido.' }).optional(),
  })
  .openapi('ReportEvent');

/** A rule of the routing table (PUT /api/admin/report-routes and the /admin/enrutamiento form). */
export const reportRouteSchema = z.object({
  kind: z.enum(REPORT_KINDS, { error: `Use en «kind» uno de: ${REPORT_KINDS.join(', ')}.` }),
  institution: z.string().max(120, { error: 'Identificador demasiado largo.' }).optional(),
  procedure: z.string().max(120, { error: 'Identificador demasiado largo.' }).optional(),
  queue: z.enum(QUEUES, { error: `Use en «queue» una de: ${QUEUES.join(', ')}.` }),
  target: z.string().max(120, { error: 'Identificador demasiado largo.' }).optional(),
  to_named: z.boolean({ error: 'Indique en «to_named» true o false.' }),
  priority: z.enum(PRIORITIES, { error: `Use en «priority» una de: ${PRIORITIES.join(', ')}.` }),
});

/** Tracking code in a path: the canonical check happens in the store (a bad one is an unknown case). */
export const codeParam = z.object({
  code: z
    .string()
    .max(40, { error: 'El código de seguimiento tiene 14 caracteres (p. ej. K7QM-2XDT-9RBH-4C).' })
    .openapi({ param: { name: 'code', in: 'path' }, example: 'K7QM-2XDT-9RBH-4C' }),
});
