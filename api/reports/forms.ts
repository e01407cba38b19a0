import { Hono, type Context } from 'hono';
import { limitBody } from '../body-limit.ts';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { AppError, isAppError } from '../../store/app-error.ts';
import { KIND_TEXT, kindFromSlug, type ReportKind } from '../../store/reports/kinds.ts';
import { addCitizenMessage, citizenCaseId, closeByCitizen, createReport, deleteCitizenContact } from '../../store/reports/reports.ts';
import { normalizeTrackingCode } from '../../store/reports/tracking-code.ts';
import { CACHE_CONTROL } from '../edge/http-cache.ts';
import type { ApiEnv } from '../env.ts';
import {
  CASE_COOKIE,
  COOKIE_VALUE_MAX,
  cookieAttributes,
  cookieIsSecure,
  NOTICE_COOKIE,
  openCookie,
  sealCookie,
  type IntakeFormNotice,
} from './citizen-cookies.ts';
import { guardLookup, intakeLimit } from './citizen-access.ts';
import { formFieldOf, intakeBody, keptValues, orderedErrors } from './intake-form.ts';
import { citizenActionSchema, citizenMessageSchema, toNewReport } from './schemas.ts';

/**
 * The citizen's HTML forms: /denuncia (intake) and /seguimiento (follow-up), post/redirect/get,
 * without JavaScript. They run the JSON API's schemas and store functions (api/reports/routes.ts)
 * and its rate limits; what she wrote travels only in the sealed cookies of
 * api/reports/citizen-cookies.ts, never in a URL, and nothing she wrote is logged.
 *
 * Redirect targets carry only fixed words (`?error=no-encontrado`), which the pages turn into text.
 */

/** The follow-up page's notices, by the word in `?error=` / `?hecho=` (site/pages/seguimiento*.astro). */
export const FOLLOW_UP_ERRORS = ['codigo', 'codigo-invalido', 'no-encontrado', 'limite', 'caducado', 'mensaje', 'cerrado', 'accion'] as const;
export const FOLLOW_UP_DONE = ['salida', 'mensaje', 'cerrado', 'retirado', 'contacto-borrado'] as const;

/** A random per-form nonce (site/pages/denuncia.astro), used as the submission's Idempotency-Key. */
const NONCE = /^[A-Za-z0-9-]{16,64}$/;

const lookupFormSchema = z.object({
  codigo: z.string().max(40).default(''),
  clave: z.string().max(200).default(''),
});

async function formFields(c: Context<ApiEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const form: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') form[key] = value;
  return form;
}

function secure(c: Context<ApiEnv>): boolean {
  return cookieIsSecure(c.var.publicOrigin || undefined, c.req.url);
}

/** 303 with no-store: the answer to every form here (the edge sets no-store on these paths too). */
function seeOther(c: Context<ApiEnv>, location: string): Response {
  c.header('Cache-Control', CACHE_CONTROL.private);
  return c.redirect(location, 303);
}

/**
 * Seals a form sent back. If a very long story does not fit in a cookie, the beginning that fits
 * is kept and she is told so (it can only happen past the length limit, or with unusual text).
 */
async function sealForm(c: Context<ApiEnv>, notice: IntakeFormNotice): Promise<string> {
  let sealed = await sealCookie(c.var.store, notice, NOTICE_COOKIE.ttlMs);
  let description = notice.values.description ?? '';
  while (sealed.length > COOKIE_VALUE_MAX && description.length > 0) {
    description = description.slice(0, Math.floor(description.length * 0.75));
    const errors = {
      ...notice.errors,
      description:
        'Su relato era muy largo y solo pudimos conservar el comienzo: revíselo, complételo si hace falta (hasta 4,000 caracteres) y envíelo de nuevo.',
    };
    sealed = await sealCookie(c.var.store, { ...notice, values: { ...notice.values, description }, errors: orderedErrors(errors) }, NOTICE_COOKIE.ttlMs);
  }
  return sealed;
}

async function backToForm(
  c: Context<ApiEnv>,
  kind: ReportKind,
  form: Record<string, string>,
  errors: Record<string, string>,
  status?: number,
): Promise<Response> {
  const values = keptValues(form);
  const notice: IntakeFormNotice = { purpose: 'intake-form', kind, values, errors: orderedErrors(errors), ...(status ? { status } : {}) };
  setCookie(c, NOTICE_COOKIE.name, await sealForm(c, notice), cookieAttributes(NOTICE_COOKIE, secure(c)));
  const search = new URLSearchParams({ tipo: KIND_TEXT[kind].slug });
  // The procedure search words (not her story) keep the radios she was choosing from.
  const words = values.tramite_q?.trim();
  if (words) search.set('tramite_q', words.slice(0, 100));
  return seeOther(c, `/denuncia?${search}`);
}

async function setCaseCookie(c: Context<ApiEnv>, reportId: number): Promise<void> {
  setCookie(c, CASE_COOKIE.name, await sealCookie(c.var.store, { purpose: 'case', reportId }, CASE_COOKIE.ttlMs), cookieAttributes(CASE_COOKIE, secure(c)));
}

/** The case her `caso` cookie names, sliding its 30 minutes; null when it expired (or never was). */
async function currentCase(c: Context<ApiEnv>): Promise<number | null> {
  const session = await openCookie(c.var.store, getCookie(c, CASE_COOKIE.name), 'case');
  if (!session) return null;
  await setCaseCookie(c, session.reportId);
  return session.reportId;
}

/** Runs a follow-up action on her case; a closed case or bad input come back as a notice on the page. */
async function onCase(c: Context<ApiEnv>, work: (reportId: number) => Promise<string>): Promise<Response> {
  const reportId = await currentCase(c);
  if (reportId === null) {
    deleteCookie(c, CASE_COOKIE.name, { path: CASE_COOKIE.path, secure: secure(c) });
    return seeOther(c, '/seguimiento?error=caducado');
  }
  try {
    return seeOther(c, `/seguimiento/caso?hecho=${await work(reportId)}`);
  } catch (error) {
    if (isAppError(error) && error.code === 'case_closed') return seeOther(c, '/seguimiento/caso?error=cerrado');
    if (isAppError(error) && error.status === 404) {
      deleteCookie(c, CASE_COOKIE.name, { path: CASE_COOKIE.path, secure: secure(c) });
      return seeOther(c, '/seguimiento?error=caducado');
    }
    if (isAppError(error) && error.status < 500) return seeOther(c, `/seguimiento/caso?error=${error.fields?.message ? 'mensaje' : 'accion'}`);
    throw error;
  }
}

export function reportForms() {
  const app = new Hono<ApiEnv>();
  // Scoped to these paths: a sub-app's `use('*')` would reach every route of the app it joins.
  app.on('POST', ['/denuncia', '/denuncia/*', '/seguimiento', '/seguimiento/*'], (c, next) =>
    limitBody({
      maxSize: 64 * 1024,
      onError: () => {
        throw new AppError('payload_too_large', 'Lo enviado es demasiado grande (máximo 64 KB). Acorte el relato a 4,000 caracteres.', { status: 413 });
      },
    })(c, next),
  );

  app.post('/denuncia', async (c) => {
    // The edge has checked the origin (api/edge/origin-check.ts).
    const form = await formFields(c);
    const kind = kindFromSlug(form.tipo ?? '');
    if (!kind) return seeOther(c, '/denuncia');
    // Honeypot: people never see the field; a bot that fills it is answered as if it had worked.
    if (form.sitio_web) return seeOther(c, '/denuncia/recibida');

    const { body, errors } = intakeBody(kind, form);
    if (!body) return backToForm(c, kind, form, errors);

    const nonce = form.envio && NONCE.test(form.envio) ? `web-form:${form.envio}` : undefined;
    let code: string;
    try {
      // The intake limit is counted with the report; a repeat of a stored submission (a double click) is answered even over it.
      ({ code } = await createReport(c.var.store, toNewReport(body, 'web'), {
        idempotencyKey: nonce,
        codeWordIterations: c.var.passwordIterations,
        limit: intakeLimit(c),
      }));
    } catch (error) {
      if (isAppError(error) && error.status === 429) return backToForm(c, kind, form, { form: error.message }, 429);
      if (isAppError(error) && error.code === 'idempotency_key_reused') {
        return backToForm(c, kind, form, {
          form: 'Este formulario ya se envió con otros datos. Revise lo que escribió y envíelo otra vez: contará como un caso nuevo.',
        });
      }
      if (isAppError(error) && error.fields && error.status < 500) {
        const fields: Record<string, string> = {};
        for (const [field, message] of Object.entries(error.fields)) fields[formFieldOf(field)] ??= message;
        return backToForm(c, kind, form, fields);
      }
      throw error;
    }
    // Acknowledged only now, after the commit: the code travels sealed, never in the URL.
    setCookie(
      c,
      NOTICE_COOKIE.name,
      await sealCookie(c.var.store, { purpose: 'intake-received', kind, code }, NOTICE_COOKIE.ttlMs),
      cookieAttributes(NOTICE_COOKIE, secure(c)),
    );
    return seeOther(c, '/denuncia/recibida');
  });

  // Never a GET: the code (and the code word) must not land in history or logs.
  app.post('/seguimiento', async (c) => {
    const parsed = lookupFormSchema.safeParse(await formFields(c));
    if (!parsed.success) return seeOther(c, '/seguimiento?error=codigo-invalido');
    const { codigo, clave } = parsed.data;
    if (codigo.trim() === '') return seeOther(c, '/seguimiento?error=codigo');
    // A typo is caught by the check symbol before a lookup is spent on it; it says nothing of any case.
    if (!normalizeTrackingCode(codigo)) return seeOther(c, '/seguimiento?error=codigo-invalido');
    let guard: Awaited<ReturnType<typeof guardLookup>>;
    try {
      guard = await guardLookup(c);
    } catch (error) {
      if (isAppError(error) && error.status === 429) return seeOther(c, '/seguimiento?error=limite');
      throw error;
    }
    const reportId = await citizenCaseId(c.var.store, codigo, clave === '' ? undefined : clave);
    if (reportId === null) {
      // Unknown code, or a violence case without its right code word: the same answer.
      await guard.miss();
      return seeOther(c, '/seguimiento?error=no-encontrado');
    }
    await setCaseCookie(c, reportId);
    return seeOther(c, '/seguimiento/caso');
  });

  app.post('/seguimiento/caso/mensaje', async (c) => {
    const form = await formFields(c);
    return onCase(c, async (reportId) => {
      const parsed = citizenMessageSchema.safeParse({ message: form.message ?? '' });
      if (!parsed.success) throw new AppError('invalid_request', 'mensaje', { status: 400, fields: { message: parsed.error.issues[0].message } });
      await addCitizenMessage(c.var.store, { reportId }, parsed.data.message, 'web');
      return 'mensaje';
    });
  });

  app.post('/seguimiento/caso/cerrar', async (c) => {
    const form = await formFields(c);
    return onCase(c, async (reportId) => {
      const parsed = citizenActionSchema.safeParse({ action: form.accion, reason: form.motivo?.trim() ? form.motivo : undefined });
      if (!parsed.success || parsed.data.action === 'delete_contact') throw new AppError('invalid_request', 'accion', { status: 400 });
      const how = parsed.data.action === 'close' ? 'closed' : 'withdrawn';
      await closeByCitizen(c.var.store, { reportId }, how, 'web', parsed.data.reason);
      return how === 'closed' ? 'cerrado' : 'retirado';
    });
  });

  app.post('/seguimiento/caso/borrar-contacto', async (c) =>
    onCase(c, async (reportId) => {
      await deleteCitizenContact(c.var.store, { reportId }, 'web');
      return 'contacto-borrado';
    }),
  );

  app.post('/seguimiento/salir', (c) => {
    deleteCookie(c, CASE_COOKIE.name, { path: CASE_COOKIE.path, secure: secure(c) });
    return seeOther(c, '/seguimiento?hecho=salida');
  });

  return app;
}
