import { z } from '@hono/zod-openapi';
import { QUEUES } from '../../store/policy.ts';

/**
 * One schema per workspace action, used by the JSON route and the HTML form alike (the form's
 * fields carry the same names). Messages are Spanish and say how to fix the value.
 */

/** An empty form field means «not given». */
const blankToUndefined = (value: unknown) => (value === '' || value === null ? undefined : value);

export const signInSchema = z.object({
  email: z.string({ error: 'Escriba su correo.' }).trim().min(1, { error: 'Escriba su correo.' }).max(200, { error: 'El correo es demasiado largo.' }),
  password: z.string({ error: 'Escriba su contraseña.' }).min(1, { error: 'Escriba su contraseña.' }).max(200, { error: 'La contraseña es demasiado larga.' }),
});

export const passwordChangeSchema = z
  .object({
    current_password: z.string({ error: 'Escriba su contraseña actual.' }).min(1, { error: 'Escriba su contraseña actual.' }).max(200),
    new_password: z
      .string({ error: 'Escriba la contraseña nueva.' })
      .min(1, { error: 'Escriba la contraseña nueva.' })
      .max(200, { error: 'Use como máximo 200 caracteres en la contraseña.' }),
    confirm_password: z.preprocess(blankToUndefined, z.string().max(200).optional()),
  })
  .refine((value) => value.confirm_password === undefined || value.confirm_password === value.new_password, {
    error: 'Las dos contraseñas no coinciden; escríbala igual en ambos campos.',
    path: ['confirm_password'],
  });

const optionalVersion = z.preprocess(
  (value) => (typeof value === 'string' ? (value.trim() === '' ? undefined : /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : value) : value),
  z
    .number({ error: 'Escriba la versión como un número entero (por ejemplo 3), o déjela vacía.' })
    .int({ error: 'Escriba la versión como un número entero.' })
    .positive({ error: 'La versión empieza en 1.' })
    .optional(),
);

export const resolveFeedbackSchema = z.object({
  note: z
    .string({ error: 'Escriba una nota.' })
    .trim()
    .min(3, { error: 'Escriba una nota de al menos 3 caracteres: qué se corrigió o por qué no aplica.' })
    .max(2000, { error: 'Acorte la nota a 2000 caracteres.' }),
  version: optionalVersion,
});

export const newPersonSchema = z.object({
  email: z.string({ error: 'Escriba el correo.' }).trim().min(3, { error: 'Escriba el correo.' }).max(200, { error: 'El correo es demasiado largo.' }),
  name: z.preprocess(blankToUndefined, z.string().trim().max(200, { error: 'Acorte el nombre a 200 caracteres.' }).optional()),
  role: z.enum(['admin', 'officer', 'operator'], { error: 'Elija el rol: admin, officer (oficial de información) u operator.' }),
  institution: z.preprocess(blankToUndefined, z.string().max(120).optional()),
  queue: z.preprocess(blankToUndefined, z.enum(QUEUES, { error: `Elija la cola: ${QUEUES.join(', ')}.` }).optional()),
});

export const newTokenSchema = z.object({
  institution: z.string({ error: 'Elija la institución.' }).trim().min(1, { error: 'Elija la institución.' }).max(120),
  name: z
    .string({ error: 'Escriba para qué sistema es el token.' })
    .trim()
    .min(3, { error: 'Escriba para qué sistema es el token (al menos 3 caracteres).' })
    .max(120, { error: 'Acorte el nombre a 120 caracteres.' }),
});

/**
 * Validates submitted form fields with an action's schema: the data, or Spanish messages by field.
 *
 * @example const parsed = parseFields(signInSchema, c.var.form); if (!parsed.data) return redraw(parsed.errors)
 */
export function parseFields<T extends z.ZodType>(
  schema: T,
  fields: Record<string, unknown>,
): { data: z.output<T>; errors: null } | { data: null; errors: Record<string, string> } {
  const parsed = schema.safeParse(fields);
  if (parsed.success) return { data: parsed.data, errors: null };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) errors[issue.path.map(String).join('.') || 'form'] ??= issue.message;
  return { data: null, errors };
}

/** The date a «Verificado hoy» replaced, to put back: AAAA-MM-DD, or «ninguna» / null when there was none. */
export const undoVerificationSchema = z.object({
  previous_verified_at: z.preprocess(
    (value) => (value === 'ninguna' || value === '' || value === undefined ? null : value),
    z
      .string({ error: 'Indique la fecha de verificación anterior como AAAA-MM-DD, o «ninguna».' })
      .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'Indique la fecha de verificación anterior como AAAA-MM-DD, o «ninguna».' })
      .nullable(),
  ),
});
