import { z } from 'zod';
import type { Branding } from './env.ts';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = (name: string) =>
  optionalText.refine((value) => value === undefined || URL.canParse(value), {
    error: `${name} debe ser una URL completa (por ejemplo https://portal.gob.sv).`,
  });

/**
 * Text a deployment shows about itself: control characters and runs of spaces become one space,
 * and it is rendered as text, never as markup (site/layouts/Base.astro).
 */
const brandText = (name: string, max: number) =>
  z
    .string()
    .transform((value) => value.replace(/[\p{Cc}\p{Cf}\s]+/gu, ' ').trim())
    .pipe(z.string().max(max, { error: `${name} admite hasta ${max} caracteres; acórtelo.` }));

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
  // Operations: the daily backup's folder (Node with a local file store) and the bearer token of /metrics.
  BACKUP_DIR: optionalText,
  METRICS_TOKEN: optionalText.refine((value) => value === undefined || value.length >= 16, {
    error: 'METRICS_TOKEN debe tener al menos 16 caracteres (por ejemplo: openssl rand -hex 32).',
  }),
  // Branding (site/layouts/Base.astro). Unset, the defaults in site/i18n/es.ts, which say plainly
  // that this is not an official government site: only a deployment that is one may say so.
  SITE_NAME: brandText('SITE_NAME', 60)
    .transform((value) => (value === '' ? undefined : value))
    .optional(),
  // Set but empty: no banner at all.
  SITE_BANNER: brandText('SITE_BANNER', 200).optional(),
  SITE_FOOTER: brandText('SITE_FOOTER', 400)
    .transform((value) => (value === '' ? undefined : value))
    .optional(),
});

export type Config = z.output<typeof configSchema>;

/**
 * The branding the pages get (`Astro.locals.branding`) from SITE_NAME, SITE_BANNER and SITE_FOOTER.
 *
 * @example brandingFromConfig(parseConfig({ SITE_NAME: 'Portal de trámites', SITE_BANNER: '' })) // { siteName: 'Portal de trámites', banner: '' }
 */
export function brandingFromConfig(config: Config): Branding {
  return {
    ...(config.SITE_NAME !== undefined && { siteName: config.SITE_NAME }),
    ...(config.SITE_BANNER !== undefined && { banner: config.SITE_BANNER }),
    ...(config.SITE_FOOTER !== undefined && { footer: config.SITE_FOOTER }),
  };
}

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
