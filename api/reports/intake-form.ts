import { isProtectedKind, type ReportKind } from '../../store/reports/kinds.ts';
import { DESCRIPTION_MAX, reportProblems } from '../../store/reports/reports.ts';
import { reportBodySchema, toNewReport, type ReportBody } from './schemas.ts';

/**
 * The /denuncia form as the JSON contract: its flat fields mapped to the body of
 * `POST /api/reports`, validated by the same `reportBodySchema` and the store's own rules
 * (`reportProblems`), with every problem named by the form field that shows it.
 */

/** The form's fields, in the order they appear (and the error summary lists them). */
export const INTAKE_FIELDS = [
  'form',
  'procedure',
  'institution',
  'description',
  'department',
  'municipality',
  'district',
  'address',
  'lat',
  'contact_channel',
  'contact_value',
  'safe_hours',
  'may_leave_message',
  'code_word',
  'code_word_confirm',
] as const;
export type IntakeField = (typeof INTAKE_FIELDS)[number];

/** Fields whose values are sent back with a form in error. The code word never is. */
const KEPT_FIELDS = [
  'procedure',
  'institution',
  'description',
  'department',
  'municipality',
  'district',
  'address',
  'lat',
  'lng',
  'contact_channel',
  'contact_value',
  'safe_from',
  'safe_to',
  'may_leave_message',
  'tramite_q',
] as const;

/** What the form asks for, by kind: violence cases name no institution, a missing requirement names its procedure. */
export function intakeAsks(kind: ReportKind) {
  return {
    procedure: kind !== 'violence',
    procedureRequired: kind === 'missing_requirement',
    institution: kind === 'complaint' || kind === 'corruption' || kind === 'emergency',
    // A place from the device is never asked in a violence case: a phone's position is hers.
    geolocation: !isProtectedKind(kind),
    codeWord: isProtectedKind(kind),
    // «Never call» (ARCHITECTURE.md, victim safety rule 5): no call-back is offered for violence.
    phoneCall: !isProtectedKind(kind),
  };
}

const SAFE_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A zod or store path (`location.department`, `contact.value`) as the form field that shows it. */
export function formFieldOf(path: string): IntakeField {
  const map: Record<string, IntakeField> = {
    kind: 'form',
    'location.department': 'department',
    'location.municipality': 'municipality',
    'location.district': 'district',
    'location.address': 'address',
    'location.lat': 'lat',
    'location.lng': 'lat',
    lng: 'lat',
    'contact.channel': 'contact_channel',
    'contact.value': 'contact_value',
    'contact.safe_hours': 'safe_hours',
    'contact.may_leave_message': 'may_leave_message',
    anonymous: 'form',
  };
  if (path in map) return map[path];
  return (INTAKE_FIELDS as readonly string[]).includes(path) ? (path as IntakeField) : 'form';
}

/** Problems in the order of the form. */
export function orderedErrors(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of INTAKE_FIELDS) if (errors[field]) out[field] = errors[field];
  return out;
}

const given = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value);

/**
 * The body of a report from the form's fields, or the problems by field. `anonymous` is always
 * true: the form asks for no name (ARCHITECTURE.md, «collect the minimum»).
 *
 * @example intakeBody('complaint', { description: 'En la ventanilla…', department: '06' }) // { body: {…}, errors: {} }
 */
export function intakeBody(kind: ReportKind, form: Record<string, string>): { body?: ReportBody; errors: Record<string, string> } {
  const asks = intakeAsks(kind);
  const errors: Record<string, string> = {};

  const location = {
    department: given(form.department),
    municipality: given(form.municipality),
    district: given(form.district),
    address: given(form.address),
    // Both coordinates or none: half a position is a failed reading, not a place.
    ...(asks.geolocation && given(form.lat) && given(form.lng) ? { lat: Number(form.lat), lng: Number(form.lng) } : {}),
  };
  const hasLocation = Object.values(location).some((value) => value !== undefined);

  const channel = given(form.contact_channel);
  let safeHours: string | undefined;
  const from = given(form.safe_from);
  const to = given(form.safe_to);
  if (from || to) {
    if (!from || !to || !SAFE_TIME.test(from) || !SAFE_TIME.test(to))
      errors.safe_hours = 'Elija desde qué hora y hasta qué hora, o deje las dos en «A cualquier hora».';
    else if (from === to) errors.safe_hours = 'Elija dos horas distintas: desde y hasta.';
    else safeHours = `${from}-${to}`;
  }
  if (channel === 'phone' && !asks.phoneCall) errors.contact_channel = 'Elija Telegram, SMS o correo.';

  if (asks.codeWord && (form.code_word ?? '') !== (form.code_word_confirm ?? '')) {
    errors.code_word_confirm = 'Las dos palabras clave no son iguales. Escríbala otra vez en los dos campos.';
  }

  const candidate = {
    kind,
    description: form.description ?? '',
    procedure: asks.procedure ? given(form.procedure) : undefined,
    institution: asks.institution ? given(form.institution) : undefined,
    location: hasLocation ? location : undefined,
    anonymous: true,
    contact: channel
      ? {
          channel,
          value: form.contact_value ?? '',
          safe_hours: errors.safe_hours ? undefined : safeHours,
          may_leave_message: form.may_leave_message === 'si',
        }
      : undefined,
    code_word: asks.codeWord ? (form.code_word ?? '') : undefined,
  };

  const parsed = reportBodySchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors[formFieldOf(issue.path.map(String).join('.'))] ??= issue.message;
  } else {
    for (const [field, message] of Object.entries(reportProblems(toNewReport(parsed.data, 'web')))) errors[formFieldOf(field)] ??= message;
  }
  if (Object.keys(errors).length > 0) return { errors: orderedErrors(errors) };
  return { body: parsed.data, errors: {} };
}

/**
 * The values to send back with a form in error: what she typed, without her code word, each
 * bounded (a story a little over the limit is kept whole, so she can shorten it herself).
 */
export function keptValues(form: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const field of KEPT_FIELDS) {
    const value = form[field];
    if (typeof value === 'string' && value !== '') kept[field] = value.slice(0, field === 'description' ? DESCRIPTION_MAX * 2 : 300);
  }
  return kept;
}
