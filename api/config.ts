import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = (name: string) =>
  optionalText.refine((value) => value === undefined || URL.canParse(value), {
    error: `${name} debe ser una URL completa (por ejemplo https://portal.gob.sv).`,
  });

const configSchema = z.object({
  PORT: z.coerce
    .number({ error: 'PORT debe ser un número de puerto.' })
    .int({ error: 'PORT debe ser un número entero.' })
    .min(1, { error: 'PORT debe estar entre 1 y 65535.' })
    .max(65535, { error: 'PORT debe estar entre 1 y 65535.' })
    .default(4321),
  HOST: optionalText,
  DATABASE_URL: optionalText.refine((value) => value === undefined || /^(file:|libsql:|https?:|wss?:)/.test(value), {
    error: 'DATABASE_URL debe empezar por file:, libsql://, http:// o https://.',
  }),
  DATABASE_AUTH_TOKEN: optionalText,
  MEILI_URL: optionalUrl('MEILI_URL'),
  MEILI_API_KEY: optionalText,
  DATA_KEY: optionalText,
  PUBLIC_BASE_URL: optionalUrl('PUBLIC_BASE_URL'),
  TRUST_PROXY: z
    .enum(['0', '1', 'false', 'true', ''], { error: 'TRUST_PROXY debe ser 1 (detrás de un proxy de confianza) o 0.' })
    .optional()
    .transform((value) => value === '1' || value === 'true'),
  TELEGRAM_BOT_TOKEN: optionalText,
  TELEGRAM_WEBHOOK_SECRET: optionalText,
  TELEGRAM_API_ROOT: optionalUrl('TELEGRAM_API_ROOT'),
  TELEGRAM_BOT_INFO: optionalText.refine(
    (value) => {
      if (value === undefined) return true;
      try {
        const info = JSON.parse(value) as { id?: unknown; username?: unknown };
        return typeof info.id === 'number' && typeof info.username === 'string';
      } catch {
        return false;
      }
    },
    { error: 'TELEGRAM_BOT_INFO debe ser el JSON que devuelve getMe (con "id" y "username").' },
  ),
  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_FROM: optionalText,
  TWILIO_API_ROOT: optionalUrl('TWILIO_API_ROOT'),
  CONTACT_RETENTION_DAYS: z.coerce
    .number({ error: 'CONTACT_RETENTION_DAYS debe ser un número de días.' })
    .int({ error: 'CONTACT_RETENTION_DAYS debe ser un número entero de días.' })
    .min(1, { error: 'CONTACT_RETENTION_DAYS debe ser al menos 1.' })
    .max(3650, { error: 'CONTACT_RETENTION_DAYS no puede pasar de 3650 días.' })
    .default(90),
});

export type Config = z.output<typeof configSchema>;

/**
 * Reads the configuration once, at start. Throws an Error whose message names every variable that
 * is wrong and how to fix it.
 *
 * @example const config = parseConfig(process.env)
 */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `- ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`La configuración no es válida:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
