import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { AppError, isAppError } from '../../store/app-error.ts';
import { archiveProcedure, publishProcedure, verifyProcedure } from '../../store/catalog/editing.ts';
import { formatFromFileName, parseExchangeFile } from '../../store/catalog/exchange-files.ts';
import { importCatalog } from '../../store/catalog/import.ts';
import { constantTimeEqual } from '../../store/crypto.ts';
import { resolveFeedback } from '../../store/feedback/feedback.ts';
import { authenticate, changePassword, createApiToken, createPerson, createSession, disablePerson, endSession, personActor, type ActiveSession, type Role } from '../../store/people/people.ts';
import { revokeToken, saveCategory, saveInstitution } from '../../store/catalog/admin-reference.ts';
import type { ApiEnv } from '../app.ts';
import { clientAddress, createRateLimiter } from '../rate-limit.ts';
import type { PageLocals, RenderPage } from '../web-app.ts';
import { assertSameOrigin, clearSessionCookie, currentSession, sessionCookieName, setSessionCookie } from './auth.ts';
import { documentFromForm } from './procedure-form.ts';

/** What /admin pages find in `Astro.locals.admin`. */
export interface AdminLocals {
  session: ActiveSession | null;
  /** A form sent back with its values and Spanish errors by field (re-rendered, not redirected). */
  form?: { values: Record<string, string>; errors: Record<string, string>; preview?: unknown };
  importReport?: unknown;
  forbidden?: boolean;
  /** A refusal to explain instead of the page (expired form, wrong role…). */
  error?: string;
  /** Shown once after creating an account or a token. */
  secret?: { label: string; value: string };
}

type PagesEnv = { Variables: ApiEnv['Variables'] & { session: ActiveSession | null; form: Record<string, string> } };

const today = () => new Date().toISOString().slice(0, 10);
const PUBLIC_PATHS = new Set(['/admin/entrar']);

/**
 * The officers' workspace as HTML forms: every POST checks session, origin and CSRF token, runs the
 * same store functions as the JSON API (scope enforced there), then redirects (post/redirect/get),
 * or renders the page again with the values and Spanish errors.
 */
export function adminPages(deps: { renderPage: RenderPage; locals: PageLocals }) {
  const loginLimiter = createRateLimiter({ limit: 10, windowMs: 15 * 60 * 1000 });
  const app = new Hono<PagesEnv>();

  async function render(c: Context<PagesEnv>, admin: Partial<AdminLocals>, status = 200, path?: string): Promise<Response> {
    const request = path ? new Request(new URL(path, c.req.url), { headers: c.req.raw.headers }) : c.req.raw;
    const response = await deps.renderPage(request, { ...deps.locals, admin: { session: c.var.session, ...admin } });
    const headers = new Headers(response.headers);
    headers.set('Cache-Control', 'no-store');
    return new Response(response.body, { status: response.status === 200 ? status : response.status, headers });
  }

  app.use('*', async (c, next) => {
    const session = await currentSession(c, c.var.store);
    c.set('session', session);
    const path = c.req.path.replace(/\/$/, '') || '/admin';
    if (c.req.method === 'POST') {
      assertSameOrigin(c);
      const body: Record<string, string | File> = await c.req.parseBody().catch(() => ({}));
      const form: Record<string, string> = {};
      for (const [key, value] of Object.entries(body)) if (typeof value === 'string') form[key] = value;
      c.set('form', form);
      // Signing in needs no token (there is no session to protect yet; the origin check applies).
      if (session && !PUBLIC_PATHS.has(path) && !(typeof body.csrf === 'string' && constantTimeEqual(body.csrf, session.csrfToken))) {
        throw new AppError('csrf', 'El formulario caducó. Vuelva a la página, recárguela e intente de nuevo.', { status: 403 });
      }
    }
    if (PUBLIC_PATHS.has(path)) return next();
    if (!session) {
      const back = new URL(c.req.url);
      return c.redirect(`/admin/entrar?volver=${encodeURIComponent(back.pathname + back.search)}`, 303);
    }
    if (session.person.mustChangePassword && path !== '/admin/clave' && path !== '/admin/salir') return c.redirect('/admin/clave', 303);
    if (session.person.role === 'operator' && path !== '/admin/clave' && path !== '/admin/salir') return render(c, { forbidden: true }, 403, '/admin/aviso');
    return next();
  });

  app.post('/entrar', async (c) => {
    const { email = '', password = '', volver = '' } = c.var.form;
    const client = clientAddress(c.req.raw.headers, c.var.remoteAddress(c));
    if (!(await loginLimiter.allow(`ip:${client}`)) || !(await loginLimiter.allow(`email:${email.trim().toLowerCase()}`))) {
      return render(c, { form: { values: { email, volver }, errors: { password: 'Demasiados intentos. Espere 15 minutos e intente de nuevo.' } } }, 429);
    }
    const errors: Record<string, string> = {};
    if (!email.trim()) errors.email = 'Escriba su correo.';
    if (!password) errors.password = 'Escriba su contraseña.';
    const person = Object.keys(errors).length === 0 ? await authenticate(c.var.store.db, email, password) : null;
    if (!person) {
      if (Object.keys(errors).length === 0) errors.password = 'El correo o la contraseña no son correctos.';
      return render(c, { form: { values: { email, volver }, errors } }, 401);
    }
    const previous = getCookie(c, sessionCookieName(c));
    if (previous) await endSession(c.var.store, previous);
    const { cookieValue } = await createSession(c.var.store, person);
    setSessionCookie(c, cookieValue);
    // Only back into the workspace: never an open redirect to another site.
    return c.redirect(/^\/admin(\/|$|\?)/.test(volver) ? volver : '/admin', 303);
  });

  app.post('/salir', async (c) => {
    const value = getCookie(c, sessionCookieName(c));
    if (value) await endSession(c.var.store, value);
    clearSessionCookie(c);
    return c.redirect('/admin/entrar?salida=1', 303);
  });

  app.post('/clave', async (c) => {
    const session = c.var.session as ActiveSession;
    const { nueva = '', repetir = '' } = c.var.form;
    if (nueva !== repetir) return render(c, { form: { values: {}, errors: { repetir: 'Las dos contraseñas no coinciden; escríbala igual en ambos campos.' } } }, 400);
    try {
      await changePassword(c.var.store, session.person, nueva, { keepSessionHash: session.idHash });
    } catch (error) {
      if (isAppError(error) && error.fields) return render(c, { form: { values: {}, errors: { nueva: error.message } } }, 400);
      throw error;
    }
    return c.redirect('/admin?aviso=clave', 303);
  });

  async function save(c: Context<PagesEnv>, slugFromPath: string | null): Promise<Response> {
    const session = c.var.session as ActiveSession;
    const values = c.var.form;
    if (slugFromPath) values.slug = slugFromPath;
    const institution = session.person.role === 'admin' ? (values.institution ?? '').trim() : (session.person.institutionSlug ?? '');
    const result = documentFromForm(values, institution);
    if (!result.document) return render(c, { form: { values, errors: result.errors } }, 400);
    if (values.accion === 'vista-previa') return render(c, { form: { values, errors: {}, preview: result.document } });
    try {
      await publishProcedure(c.var.store, personActor(session.person), result.document, {
        note: values.nota?.trim() || undefined,
        kind: values.tipo_cambio === 'minor' ? 'minor' : 'major',
        today: today(),
      });
    } catch (error) {
      if (isAppError(error) && error.status === 403) return render(c, { forbidden: true, error: error.message }, 403, '/admin/aviso');
      throw error;
    }
    return c.redirect(`/admin/tramites/${result.document.slug}?aviso=publicado`, 303);
  }

  app.post('/tramites/nuevo', (c) => save(c, null));
  app.post('/tramites/:slug{[a-z0-9-]+}', (c) => save(c, c.req.param('slug')));

  app.post('/tramites/:slug{[a-z0-9-]+}/verificar', async (c) => {
    await verifyProcedure(c.var.store, personActor((c.var.session as ActiveSession).person), c.req.param('slug'), today());
    return c.redirect('/admin?aviso=verificado', 303);
  });

  app.post('/tramites/:slug{[a-z0-9-]+}/archivar', async (c) => {
    await archiveProcedure(c.var.store, personActor((c.var.session as ActiveSession).person), c.req.param('slug'), c.var.form.nota);
    return c.redirect('/admin?aviso=archivado', 303);
  });

  app.post('/opiniones/:id{[0-9]+}/resolver', async (c) => {
    const { nota = '', version = '' } = c.var.form;
    if (nota.trim().length < 3) return c.redirect(`/admin/opiniones?error=nota&id=${c.req.param('id')}`, 303);
    await resolveFeedback(c.var.store, personActor((c.var.session as ActiveSession).person), Number(c.req.param('id')), nota.trim(), version ? Number(version) : undefined);
    return c.redirect('/admin/opiniones?aviso=resuelta', 303);
  });

  app.post('/importar', async (c) => {
    const session = c.var.session as ActiveSession;
    // Hono keeps the body parsed by the middleware; this reads it again with the file.
    const body: Record<string, string | File> = await c.req.parseBody().catch(() => ({}));
    const file = body.archivo;
    if (!(file instanceof File) || file.size === 0) return render(c, { form: { values: {}, errors: { archivo: 'Elija un archivo .json o .csv del formato de intercambio.' } } }, 400);
    let report;
    try {
      const rows = parseExchangeFile(await file.text(), formatFromFileName(file.name));
      report = await importCatalog(c.var.store, rows, {
        source: `person:${session.person.id}`,
        actor: personActor(session.person),
        dryRun: body.prueba === 'on',
        allowedInstitutions: session.person.role === 'admin' ? undefined : [session.person.institutionSlug ?? ''],
      });
    } catch (error) {
      if (isAppError(error)) return render(c, { form: { values: {}, errors: { archivo: error.message } } }, error.status >= 500 ? 500 : 400);
      throw error;
    }
    return render(c, { importReport: report }, report.issues.length > 0 ? 422 : 200);
  });

  // --- Administration: institutions, themes, people, tokens (the store refuses non-admins) ---
  const adminActor = (c: Context<PagesEnv>) => personActor((c.var.session as ActiveSession).person);
  const withFieldErrors = async (c: Context<PagesEnv>, work: () => Promise<void>, done: string) => {
    try {
      await work();
    } catch (error) {
      if (isAppError(error) && error.fields) return render(c, { form: { values: c.var.form, errors: error.fields } }, error.status);
      throw error;
    }
    return c.redirect(done, 303);
  };
  app.post('/instituciones', (c) =>
    withFieldErrors(c, () => saveInstitution(c.var.store, adminActor(c), { slug: c.var.form.slug ?? '', name: c.var.form.name ?? '', acronym: c.var.form.acronym, website: c.var.form.website }), '/admin/instituciones?aviso=guardada'),
  );
  app.post('/temas', (c) =>
    withFieldErrors(c, () => saveCategory(c.var.store, adminActor(c), { slug: c.var.form.slug ?? '', name: c.var.form.name ?? '', description: c.var.form.description }), '/admin/temas?aviso=guardado'),
  );
  app.post('/personas', async (c) => {
    const { email = '', role = '', institution, queue } = c.var.form;
    try {
      const { person, oneTimePassword } = await createPerson(c.var.store, { email, role: role as Role, institutionSlug: institution || undefined, queue: queue || undefined }, adminActor(c));
      return render(c, { secret: { label: `Contraseña de un solo uso para ${person.email} (no se volverá a mostrar):`, value: oneTimePassword } });
    } catch (error) {
      if (isAppError(error) && error.fields) return render(c, { form: { values: c.var.form, errors: error.fields } }, error.status);
      throw error;
    }
  });
  app.post('/personas/:id{[0-9]+}/desactivar', async (c) => {
    await disablePerson(c.var.store, adminActor(c), Number(c.req.param('id')));
    return c.redirect('/admin/personas?aviso=desactivada', 303);
  });
  app.post('/tokens', async (c) => {
    const { institution = '', name = '' } = c.var.form;
    if (name.trim().length < 3) return render(c, { form: { values: c.var.form, errors: { name: 'Escriba para qué sistema es el token (al menos 3 caracteres).' } } }, 400);
    const token = await createApiToken(c.var.store, adminActor(c), institution, name.trim());
    return render(c, { secret: { label: `Token para «${name.trim()}» (${institution}); cópielo ahora, no se volverá a mostrar:`, value: token } });
  });
  app.post('/tokens/:id{[0-9]+}/revocar', async (c) => {
    await revokeToken(c.var.store, adminActor(c), Number(c.req.param('id')));
    return c.redirect('/admin/tokens?aviso=revocado', 303);
  });

  // Every other request (GET pages) renders with the session in locals.
  app.all('*', (c) => render(c, {}));
  // Refusals become a page in the workspace's layout, with the right status, never a bare 500.
  app.onError((error, c) => {
    if (!isAppError(error)) throw error;
    return render(c as Context<PagesEnv>, { error: error.message, forbidden: error.status === 403 }, error.status, '/admin/aviso');
  });
  return app;
}
