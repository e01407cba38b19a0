import { routeLabel } from '../system/request-log.ts';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { AppError, isAppError } from '../../store/app-error.ts';
import { clearFlash, keepFlash, peekFlash, sessionActor, type ActiveSession } from '../../store/people/sessions.ts';
import { QUEUES, type Actor } from '../../store/policy.ts';
import { addReportEvent, caseVersion, openContact, queueVersion, type HandlerEventType } from '../../store/reports/handling.ts';
import { deleteRoute, saveRoute } from '../../store/reports/routing.ts';
import { formatTrackingCode, normalizeTrackingCode } from '../../store/reports/tracking-code.ts';
import { currentSession } from '../admin/auth.ts';
import { parseFields } from '../admin/schemas.ts';
import { CACHE_CONTROL } from '../edge/http-cache.ts';
import type { AdminLocals, ApiEnv, PagesEnv } from '../env.ts';
import { errorResponse } from '../errors.ts';
import { handlerEventSchema, reportRouteSchema } from './schemas.ts';

/**
 * The operators' and officers' case workspace under /admin: the live queue's change feed
 * (server-sent events, and the same version as JSON for runtimes without long-lived streams), and
 * the case page's and routing table's HTML forms. The store decides what each person may see and
 * do; here requests are only shaped, sent on, and answered with post/redirect/get.
 */

// --- Live queue -----------------------------------------------------------------------------------

export interface LiveQueueOptions {
  /** How often the store is asked whether anything changed (default 2 s). */
  pollMs?: number;
  /** A comment line keeps proxies from closing a quiet stream (default 15 s). */
  heartbeatMs?: number;
  /** A stream ends after this long; the browser's EventSource reconnects by itself (default 10 min). */
  lifetimeMs?: number;
}

/** The tracking-code segment of a case address, as a Hono path pattern. */
const CODE = '[0-9A-Za-z-]{1,40}';

function queueOf(c: Context): string | undefined {
  const queue = c.req.query('cola');
  if (queue === undefined || queue === '') return undefined;
  if (!(QUEUES as readonly string[]).includes(queue)) {
    throw new AppError('invalid_filter', `Use en «cola» una de: ${QUEUES.join(', ')}.`, { status: 400, fields: { cola: `Use una de: ${QUEUES.join(', ')}.` } });
  }
  return queue;
}

/**
 * The person watching, from the session cookie, without touching the session: a queue left open
 * on a screen polls by itself, and must not keep an unattended workstation signed in past its
 * 30-minute idle limit. No session: 401; a one-time password: 403 (sessionActor).
 */
async function watcher(c: Context<ApiEnv>): Promise<Actor> {
  const session = await currentSession(c, c.var.store, { touch: false });
  if (!session) throw new AppError('unauthorized', 'Inicie sesión para ver la bandeja (/admin/entrar).', { status: 401 });
  return sessionActor(session);
}

/**
 * `GET /admin/casos/eventos?cola=…` (server-sent events) and `GET /admin/casos/version?cola=…`
 * (JSON), mounted at /admin/casos ahead of the workspace pages. Both read `queueVersion`, a value
 * that changes whenever a case the person may see changes; it lives in the store, so a case filed
 * through any process (or a bot webhook) reaches every open queue page.
 *
 * @example app.route('/admin/casos', liveQueueRoutes())
 */
export function liveQueueRoutes(options: LiveQueueOptions = {}) {
  const pollMs = options.pollMs ?? 2_000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const lifetimeMs = options.lifetimeMs ?? 10 * 60_000;
  const app = new Hono<ApiEnv>();

  /** Server-sent «cambio» events whenever `versionOf()` changes, for `lifetimeMs`; the browser reconnects. */
  async function changeStream(c: Context<ApiEnv>, versionOf: () => Promise<string>): Promise<Response> {
    const store = c.var.store;
    // What the page already shows: the version it was drawn at (`desde`), or the last event a
    // reconnecting EventSource saw (Last-Event-ID). A change between drawing the page and
    // opening the stream is announced at once instead of being missed.
    const given = c.req.header('Last-Event-ID') || c.req.query('desde') || '';
    let known = given && given.length <= 100 ? given : await versionOf();
    const response = streamSSE(
      c,
      async (stream) => {
        await stream.write(`retry: ${Math.min(pollMs * 2, 10_000)}\n\n`);
        const check = async () => {
          const current = await versionOf();
          if (current === known) return false;
          known = current;
          await stream.writeSSE({ event: 'cambio', id: current, data: current });
          return true;
        };
        await check();
        let quiet = 0;
        for (let elapsed = 0; elapsed < lifetimeMs; elapsed += pollMs) {
          await stream.sleep(pollMs);
          // The browser went away (or the server is closing): nothing more to ask the store.
          if (stream.aborted || stream.closed) break;
          // Signing out or a disabled account ends the session at once, and the stream with it.
          if (!(await currentSession(c, store, { touch: false }))) break;
          quiet = (await check()) ? 0 : quiet + pollMs;
          if (quiet >= heartbeatMs) {
            await stream.write(': sigue\n\n');
            quiet = 0;
          }
        }
      },
      async (error) => {
        c.var.log.error('live queue stream failed', { route: routeLabel(c), error: error.name });
      },
    );
    response.headers.set('Cache-Control', CACHE_CONTROL.private);
    // nginx and similar proxies would otherwise hold the events back in a buffer.
    response.headers.set('X-Accel-Buffering', 'no');
    return response;
  }

  app.get('/version', async (c) => {
    const actor = await watcher(c);
    const version = await queueVersion(c.var.store, actor, queueOf(c));
    c.header('Cache-Control', CACHE_CONTROL.private);
    return c.json({ version });
  });

  app.get('/eventos', async (c) => {
    // Refusals come before the stream starts, as plain 4xx answers an EventSource gives up on.
    const actor = await watcher(c);
    const queue = queueOf(c);
    return changeStream(c, () => queueVersion(c.var.store, actor, queue));
  });

  // One case's page, live (her messages in the 198 line's conversation, replies, state changes).
  app.get(`/:code{${CODE}}/version`, async (c) => {
    const actor = await watcher(c);
    const version = await caseVersion(c.var.store, actor, c.req.param('code'));
    c.header('Cache-Control', CACHE_CONTROL.private);
    return c.json({ version });
  });

  app.get(`/:code{${CODE}}/eventos`, async (c) => {
    const actor = await watcher(c);
    const code = c.req.param('code');
    await caseVersion(c.var.store, actor, code); // 404 outside the person's scope, before any stream
    return changeStream(c, () => caseVersion(c.var.store, actor, code));
  });

  app.onError((error, c) => {
    const response = errorResponse(error, c, c.var.log);
    response.headers.set('Cache-Control', CACHE_CONTROL.private);
    return response;
  });
  return app;
}

// --- Case and routing forms -------------------------------------------------------------------

/** What the workspace pages app lends its case forms (api/admin/pages.ts). */
export interface WorkspaceHelpers {
  /** Draws a workspace page (as a GET of `path`, default the request's own), with `admin` in its locals. */
  render(c: Context<PagesEnv>, admin: Partial<AdminLocals>, status?: number, path?: string): Promise<Response>;
}

/** The forms of the case page: the address word → the event it records. */
const CASE_ACTIONS = {
  tomar: 'take',
  estado: 'status',
  responder: 'public_reply',
  nota: 'internal_note',
  remitir: 'refer',
  unir: 'merge',
} as const satisfies Record<string, HandlerEventType>;
export type CaseAction = keyof typeof CASE_ACTIONS;

/** The address of a case page, with its code as people read it (or as given, when it is no code). */
export function casePath(code: string): string {
  const canonical = normalizeTrackingCode(code);
  return `/admin/casos/${canonical ? formatTrackingCode(canonical) : encodeURIComponent(code)}`;
}

const given = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** Form fields without the CSRF token: what a redrawn form is filled with. */
function formValues(form: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  const { csrf: _csrf, ...values } = form;
  return { ...values, ...extra };
}

function contactText(contact: { channel: string; value: string; safeHours?: string; mayLeaveMessage?: boolean }): string {
  const channel: Record<string, string> = { telegram: 'Telegram', sms: 'SMS', email: 'Correo', phone: 'Teléfono' };
  return [
    `${channel[contact.channel] ?? contact.channel}: ${contact.value}`,
    contact.safeHours ? `Horario seguro: ${contact.safeHours}` : '',
    contact.mayLeaveMessage === undefined ? '' : contact.mayLeaveMessage ? 'Se le puede dejar mensaje' : 'No deje mensajes',
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * Registers the case page's forms (`POST /admin/casos/{code}/…`), the page itself (to show an
 * opened contact once) and the routing table's forms on the workspace pages app, after its session
 * and CSRF check. Each form is shaped into the JSON API's schema, so both validate alike.
 */
export function registerCaseWorkspace(app: Hono<PagesEnv>, helpers: WorkspaceHelpers): void {
  const session = (c: Context<PagesEnv>) => c.var.session as ActiveSession;
  const actor = (c: Context<PagesEnv>) => sessionActor(session(c));

  async function caseEvent(c: Context<PagesEnv>, action: CaseAction): Promise<Response> {
    const code = c.req.param('code') ?? '';
    const path = casePath(code);
    const form = c.var.form;
    const values = formValues(form, { accion: action });
    const parsed = parseFields(handlerEventSchema, {
      type: CASE_ACTIONS[action],
      message: given(form.message),
      status: given(form.status),
      institution: given(form.institution),
      consent: form.consent === 'on' ? true : undefined,
      into: given(form.into),
    });
    // A redraw is a GET of the case page: a case outside the person's scope answers 404 there too.
    if (!parsed.data) return helpers.render(c, { form: { values, errors: parsed.errors } }, 400, path);
    try {
      await addReportEvent(c.var.store, actor(c), code, parsed.data);
    } catch (error) {
      if (isAppError(error) && error.fields) return helpers.render(c, { form: { values, errors: error.fields } }, error.status, path);
      if (isAppError(error) && error.code === 'case_closed')
        return helpers.render(c, { form: { values, errors: { form: error.message } } }, error.status, path);
      throw error;
    }
    // A referred case may leave the person's scope (an officer's institution): back to the queue.
    return c.redirect(action === 'remitir' ? '/admin/casos?aviso=remitido' : `${path}?aviso=${action}`, 303);
  }

  app.post('/casos/:code{[0-9A-Za-z-]{1,40}}/tomar', (c) => caseEvent(c, 'tomar'));
  app.post('/casos/:code{[0-9A-Za-z-]{1,40}}/estado', (c) => caseEvent(c, 'estado'));
  app.post('/casos/:code{[0-9A-Za-z-]{1,40}}/responder', (c) => caseEvent(c, 'responder'));
  app.post('/casos/:code{[0-9A-Za-z-]{1,40}}/nota', (c) => caseEvent(c, 'nota'));
  app.post('/casos/:code{[0-9A-Za-z-]{1,40}}/remitir', (c) => caseEvent(c, 'remitir'));
  app.post('/casos/:code{[0-9A-Za-z-]{1,40}}/unir', (c) => caseEvent(c, 'unir'));

  // «Ver contacto»: opened on purpose (an event and an audit record), kept encrypted in the session
  // for the case page the form redirects to, and shown there once. Never in an address.
  app.post('/casos/:code{[0-9A-Za-z-]{1,40}}/contacto', async (c) => {
    const code = c.req.param('code');
    const path = casePath(code);
    const contact = await openContact(c.var.store, actor(c), code);
    if (!contact) return c.redirect(`${path}?aviso=sin-contacto`, 303);
    await keepFlash(c.var.store, session(c), { label: 'contact', value: contactText(contact), path });
    return c.redirect(`${path}?aviso=contacto`, 303);
  });

  // The case page: an opened contact is shown only on its own case's page, then cleared.
  app.get(`/casos/:code{${CODE}}`, async (c) => {
    const flash = await peekFlash(c.var.store, session(c));
    const secret = flash && flash.path === c.req.path ? { label: flash.label, value: flash.value } : null;
    const response = await helpers.render(c, secret ? { secret } : {});
    if (secret && response.status === 200) await clearFlash(c.var.store, session(c));
    return response;
  });

  app.post('/enrutamiento', async (c) => {
    const form = c.var.form;
    const values = formValues(form);
    const parsed = parseFields(reportRouteSchema, {
      kind: given(form.kind),
      institution: given(form.institution),
      procedure: given(form.procedure),
      queue: given(form.queue),
      target: given(form.target),
      to_named: form.to_named === 'on',
      priority: given(form.priority),
    });
    if (!parsed.data) return helpers.render(c, { form: { values, errors: parsed.errors } }, 400);
    const { to_named: toNamed, ...rule } = parsed.data;
    try {
      await saveRoute(c.var.store, actor(c), { ...rule, toNamed });
    } catch (error) {
      if (isAppError(error) && error.fields && error.status !== 403) return helpers.render(c, { form: { values, errors: error.fields } }, error.status);
      throw error;
    }
    return c.redirect('/admin/enrutamiento?aviso=guardada', 303);
  });

  app.post('/enrutamiento/:id{[0-9]{1,12}}/borrar', async (c) => {
    await deleteRoute(c.var.store, actor(c), Number(c.req.param('id')));
    return c.redirect('/admin/enrutamiento?aviso=borrada', 303);
  });
}
