import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { AppError, isAppError } from '../../store/app-error.ts';
import { archiveProcedure, getEditableDocument, publishProcedure, undoVerification, verifyProcedure } from '../../store/catalog/editing.ts';
import { formatFromFileName, parseExchangeFile } from '../../store/catalog/exchange-files.ts';
import { importCatalog, type ImportReport } from '../../store/catalog/import.ts';
import { discardDraft, publishDraft } from '../../store/catalog/drafts.ts';
import { saveCategory, saveInstitution, saveInstitutionProfile } from '../../store/catalog/reference.ts';
import { constantTimeEqual } from '../../store/crypto.ts';
import { resolveFeedback } from '../../store/feedback/feedback.ts';
import { changePassword, createPerson, disablePerson, resetPassword } from '../../store/people/people.ts';
import { clearFlash, endSession, keepFlash, peekFlash, sessionActor, type ActiveSession } from '../../store/people/sessions.ts';
import { createApiToken, revokeToken } from '../../store/people/tokens.ts';
import { isAdmin } from '../../store/policy.ts';
import { CACHE_CONTROL } from '../edge/http-cache.ts';
import { pageRefusal } from '../edge/page-refusal.ts';
import type { AdminLocals, PageLocals, PagesEnv, RenderPage } from '../env.ts';
import { asAppError } from '../errors.ts';
import { registerCaseWorkspace } from '../reports/workspace.ts';
import { clearSessionCookie, currentSession, sessionCookieName } from './auth.ts';
import { NEW_PROCEDURE_PATH } from './paths.ts';
import { documentFromForm, MAX_OFFICES, officeCount } from './procedure-form.ts';
import { profileFromForm } from './institution-form.ts';
import { newPersonSchema, newTokenSchema, parseFields, passwordChangeSchema, resolveFeedbackSchema, signInSchema, undoVerificationSchema } from './schemas.ts';
import { signIn } from './sign-in.ts';

export type { AdminLocals } from '../env.ts';

const PUBLIC_PATHS = new Set(['/admin/entrar']);
/** The pages that show a kept one-time secret. */
const SECRET_PAGES = new Set(['/admin/personas', '/admin/tokens']);
const PASSWORD_PATHS = new Set(['/admin/clave', '/admin/salir']);

/**
 * Where to go after signing in: only a path inside the workspace, made of safe URL characters
 * (never another site, never a header-breaking CR/LF); anything else goes to /admin.
 */
export function safeReturnPath(value: string | undefined): string {
  if (!value || value.length > 500) return '/admin';
  return /^\/admin(?:[/?][A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*)?$/.test(value) && !value.includes('//') ? value : '/admin';
}

/**
 * The officers' workspace as HTML forms. The edge has already checked the origin; here every POST
 * checks the session and its CSRF token, runs the same store functions as the JSON API (scope
 * enforced there) with the same schemas, then redirects (post/redirect/get) or draws the page
 * again with the values and Spanish errors.
 */
export function adminPages(deps: { renderPage: RenderPage; locals: PageLocals }) {
  const app = new Hono<PagesEnv>();

  /**
   * Draws a workspace page. A redraw after a POST is rendered as a GET of the page's address: the
   * page never sees the POST (nor re-checks it), and nothing in it can depend on the method.
   */
  async function render(c: Context<PagesEnv>, admin: Partial<AdminLocals>, status = 200, path?: string): Promise<Response> {
    const url = new URL(path ?? c.req.path, c.req.url);
    if (!path) url.search = new URL(c.req.url).search;
    const headers = new Headers(c.req.raw.headers);
    for (const name of ['content-type', 'content-length', 'transfer-encoding']) headers.delete(name);
    const request = c.req.method === 'GET' && !path ? c.req.raw : new Request(url, { method: 'GET', headers });
    const response = await deps.renderPage(request, { ...deps.locals, admin: { session: c.var.session, ...admin } });
    const refusal = pageRefusal(response);
    if (refusal && path !== '/admin/aviso') return render(c, { error: refusal.message, forbidden: refusal.status === 403 }, refusal.status, '/admin/aviso');
    const out = new Headers(response.headers);
    out.set('Cache-Control', CACHE_CONTROL.private);
    return new Response(response.body, { status: response.status === 200 ? status : response.status, headers: out });
  }

  const session = (c: Context<PagesEnv>) => c.var.session as ActiveSession;
  const actor = (c: Context<PagesEnv>) => sessionActor(session(c));

  app.use('*', async (c, next) => {
    const current = await currentSession(c, c.var.store);
    c.set('session', current);
    c.set('form', {});
    const path = c.req.path.replace(/\/$/, '') || '/admin';
    if (c.req.method === 'POST') {
      const body: Record<string, string | File> = await c.req.parseBody().catch(() => ({}));
      const form: Record<string, string> = {};
      for (const [key, value] of Object.entries(body)) if (typeof value === 'string') form[key] = value;
      c.set('form', form);
      // Signing in needs no token (there is no session to protect yet; the edge's origin check applies).
      if (current && !PUBLIC_PATHS.has(path) && !(typeof body.csrf === 'string' && constantTimeEqual(body.csrf, current.csrfToken))) {
        throw new AppError('csrf', 'El formulario caducó. Vuelva a la página, recárguela e intente de nuevo.', { status: 403 });
      }
    }
    if (PUBLIC_PATHS.has(path)) return next();
    if (!current) {
      const back = new URL(c.req.url);
      return c.redirect(`/admin/entrar?volver=${encodeURIComponent(back.pathname + back.search)}`, 303);
    }
    if (current.person.mustChangePassword && !PASSWORD_PATHS.has(path)) return c.redirect('/admin/clave', 303);
    return next();
  });

  app.post('/entrar', async (c) => {
    const values = { email: c.var.form.email ?? '', volver: c.var.form.volver ?? '' };
    const parsed = parseFields(signInSchema, c.var.form);
    if (!parsed.data) return render(c, { form: { values, errors: parsed.errors } }, 400);
    try {
      await signIn(c, parsed.data);
    } catch (error) {
      if (isAppError(error) && error.fields) return render(c, { form: { values, errors: error.fields } }, error.status);
      throw error;
    }
    return c.redirect(safeReturnPath(values.volver), 303);
  });

  app.post('/salir', async (c) => {
    const value = getCookie(c, sessionCookieName(c));
    if (value && value.length <= 100) await endSession(c.var.store, value);
    clearSessionCookie(c);
    return c.redirect('/admin/entrar?salida=1', 303);
  });

  app.post('/clave', async (c) => {
    const parsed = parseFields(passwordChangeSchema, c.var.form);
    if (!parsed.data) return render(c, { form: { values: {}, errors: parsed.errors } }, 400);
    try {
      await changePassword(
        c.var.store,
        session(c).person,
        { current: parsed.data.current_password, next: parsed.data.new_password },
        { iterations: c.var.passwordIterations, keepSessionHash: session(c).idHash },
      );
    } catch (error) {
      // The store names fields as the form does (passwordChangeSchema).
      if (isAppError(error) && error.fields) return render(c, { form: { values: {}, errors: error.fields } }, 400);
      throw error;
    }
    return c.redirect('/admin?aviso=clave', 303);
  });

  /**
   * The form names the change note «nota» and an office's fields `office_N_field`; the store (and
   * the JSON API) «change_note» and `offices.N.field`. (N is the office's place among those sent,
   * which is its fieldset's when no empty fieldset came before it.)
   */
  const formFields = (fields: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(fields).map(([field, message]) => {
        const office = /^offices\.(\d+)\.(\w+)$/.exec(field);
        return [field === 'change_note' ? 'nota' : office ? `office_${office[1]}_${office[2]}` : field, message];
      }),
    );

  async function save(c: Context<PagesEnv>, slugFromPath: string | null): Promise<Response> {
    const values = c.var.form;
    if (slugFromPath) values.slug = slugFromPath;
    // «Agregar otra oficina»: the same form again with one more empty fieldset; nothing is checked or saved.
    if (values.accion === 'agregar-oficina') {
      return render(c, { form: { values: { ...values, office_count: String(Math.min(officeCount(values) + 1, MAX_OFFICES)) }, errors: {} } });
    }
    const who = session(c).person;
    const institution = isAdmin(actor(c)) ? (values.institution ?? '').trim() : (who.institutionSlug ?? '');
    // The stored entry (within scope: 403 outside one's institution) keeps what the form does not show.
    const current = slugFromPath ? await getEditableDocument(c.var.store.db, actor(c), slugFromPath) : null;
    const result = documentFromForm(values, institution, current?.document);
    if (!result.document) return render(c, { form: { values, errors: result.errors } }, 400);
    if (values.accion === 'vista-previa') return render(c, { form: { values, errors: {}, preview: result.document } });
    let outcome: string;
    try {
      ({ outcome } = await publishProcedure(c.var.store, actor(c), result.document, {
        note: values.nota?.trim().slice(0, 500) || undefined,
        kind: values.tipo_cambio === 'minor' ? 'minor' : 'major',
        mustBeNew: slugFromPath === null,
      }));
    } catch (error) {
      if (isAppError(error) && error.status === 403) return render(c, { forbidden: true, error: error.message }, 403, '/admin/aviso');
      if (isAppError(error) && error.fields) return render(c, { form: { values, errors: formFields(error.fields) } }, error.status);
      throw error;
    }
    return c.redirect(`/admin/tramites/${result.document.slug}?aviso=${outcome === 'unchanged' ? 'sin-cambios' : 'publicado'}`, 303);
  }

  app.post(NEW_PROCEDURE_PATH.slice('/admin'.length), (c) => save(c, null));
  app.post('/tramites/:slug{[a-z0-9-]+}', (c) => save(c, c.req.param('slug')));

  app.post('/tramites/:slug{[a-z0-9-]+}/verificar', async (c) => {
    const slug = c.req.param('slug');
    const { previousVerifiedAt } = await verifyProcedure(c.var.store, actor(c), slug);
    // What the undo button needs: which entry, and the date to put back (checked against the audit log).
    return c.redirect(`/admin?aviso=verificado&tramite=${slug}&antes=${previousVerifiedAt ?? 'ninguna'}`, 303);
  });

  app.post('/tramites/:slug{[a-z0-9-]+}/deshacer-verificacion', async (c) => {
    const parsed = parseFields(undoVerificationSchema, c.var.form);
    if (!parsed.data) throw new AppError('invalid_date', parsed.errors.previous_verified_at ?? 'La fecha anterior no es válida.', { status: 400 });
    await undoVerification(c.var.store, actor(c), c.req.param('slug'), parsed.data.previous_verified_at);
    return c.redirect('/admin?aviso=verificacion-deshecha', 303);
  });

  app.post('/tramites/:slug{[a-z0-9-]+}/archivar', async (c) => {
    const slug = c.req.param('slug');
    const { nota = '', reemplazo = '' } = c.var.form;
    try {
      await archiveProcedure(c.var.store, actor(c), slug, nota.trim() || undefined, reemplazo.trim() || undefined);
    } catch (error) {
      // A note too long or a replacement that names no published entry: the entry's page again, the archive form filled in.
      if (isAppError(error) && error.fields)
        return render(c, { archive: { values: { nota, reemplazo }, errors: error.fields } }, error.status, `/admin/tramites/${slug}`);
      throw error;
    }
    return c.redirect('/admin?aviso=archivado', 303);
  });

  app.post('/opiniones/:id{[0-9]{1,12}}/resolver', async (c) => {
    const id = c.req.param('id');
    const parsed = parseFields(resolveFeedbackSchema, c.var.form);
    if (!parsed.data) return c.redirect(`/admin/opiniones?error=${parsed.errors.version ? 'version' : 'nota'}&id=${id}`, 303);
    await resolveFeedback(c.var.store, actor(c), Number(id), parsed.data.note, parsed.data.version);
    return c.redirect('/admin/opiniones?aviso=resuelta', 303);
  });

  app.post('/importar', async (c) => {
    // Hono keeps the body parsed by the middleware; this reads it again with the file.
    const body: Record<string, string | File> = await c.req.parseBody().catch(() => ({}));
    const file = body.archivo;
    if (!(file instanceof File) || file.size === 0)
      return render(c, { form: { values: {}, errors: { archivo: 'Elija un archivo .json o .csv del formato de intercambio.' } } }, 400);
    let report: ImportReport;
    try {
      const rows = parseExchangeFile(await file.text(), formatFromFileName(file.name));
      report = await importCatalog(c.var.store, rows, { actor: actor(c), dryRun: body.prueba === 'on' });
    } catch (error) {
      const known = asAppError(error);
      if (known && known.status < 500 && known.status !== 403) return render(c, { form: { values: {}, errors: { archivo: known.message } } }, 400);
      throw error;
    }
    return render(c, { importReport: report }, report.issues.length > 0 ? 422 : 200);
  });

  // --- Administration: institutions, themes, people, tokens (the store refuses non-admins) ---
  const withFieldErrors = async (c: Context<PagesEnv>, work: () => Promise<void>, done: string) => {
    try {
      await work();
    } catch (error) {
      if (isAppError(error) && error.fields && error.status !== 403) return render(c, { form: { values: c.var.form, errors: error.fields } }, error.status);
      throw error;
    }
    return c.redirect(done, 303);
  };
  app.post('/instituciones', (c) =>
    withFieldErrors(
      c,
      () =>
        saveInstitution(c.var.store, actor(c), {
          slug: c.var.form.slug ?? '',
          name: c.var.form.name ?? '',
          acronym: c.var.form.acronym,
          website: c.var.form.website,
        }),
      '/admin/instituciones?aviso=guardada',
    ),
  );
  // An institution's public profile: admins, or its own officers (store/catalog/reference.ts decides).
  app.post('/instituciones/:slug{[a-z0-9-]+}/perfil', async (c) => {
    const slug = c.req.param('slug');
    try {
      await saveInstitutionProfile(c.var.store, actor(c), slug, profileFromForm(c.var.form));
    } catch (error) {
      // The form again, with the values and each field's message (the page maps `information_office.email`).
      if (isAppError(error) && error.fields && error.status === 400) {
        return render(c, { form: { values: c.var.form, errors: error.fields } }, 400, `/admin/instituciones/${slug}`);
      }
      throw error;
    }
    return c.redirect(`/admin/instituciones/${slug}?aviso=guardado`, 303);
  });
  // Proposals of a bulk import (store/catalog/drafts.ts): published with a note, or discarded.
  app.post('/borradores/:slug{[a-z0-9-]+}/publicar', async (c) => {
    const slug = c.req.param('slug');
    try {
      await publishDraft(c.var.store, actor(c), slug, c.var.form.nota ?? '');
    } catch (error) {
      if (isAppError(error) && error.code === 'invalid_note') return c.redirect(`/admin/borradores?error=nota#borrador-${slug}`, 303);
      throw error;
    }
    return c.redirect('/admin/borradores?aviso=publicado', 303);
  });
  app.post('/borradores/:slug{[a-z0-9-]+}/descartar', async (c) => {
    await discardDraft(c.var.store, actor(c), c.req.param('slug'));
    return c.redirect('/admin/borradores?aviso=descartado', 303);
  });
  app.post('/temas', (c) =>
    withFieldErrors(
      c,
      () => saveCategory(c.var.store, actor(c), { slug: c.var.form.slug ?? '', name: c.var.form.name ?? '', description: c.var.form.description }),
      '/admin/temas?aviso=guardado',
    ),
  );
  // A new account's password and a new token are shown once. They are kept (encrypted) in the
  // session and shown by the page the form redirects to; a page that fails to draw leaves them
  // for a reload, so a committed secret is never lost behind an error.
  app.post('/personas', async (c) => {
    const parsed = parseFields(newPersonSchema, c.var.form);
    if (!parsed.data) return render(c, { form: { values: c.var.form, errors: parsed.errors } }, 400);
    const input = parsed.data;
    return withFieldErrors(
      c,
      async () => {
        const { person, oneTimePassword } = await createPerson(
          c.var.store,
          { email: input.email, name: input.name, role: input.role, institutionSlug: input.institution, queue: input.queue },
          actor(c),
          { iterations: c.var.passwordIterations },
        );
        await keepFlash(c.var.store, session(c), {
          label: `Contraseña de un solo uso para ${person.email} (no se volverá a mostrar):`,
          value: oneTimePassword,
        });
      },
      '/admin/personas?aviso=creada',
    );
  });
  app.post('/personas/:id{[0-9]{1,12}}/desactivar', async (c) => {
    await disablePerson(c.var.store, actor(c), Number(c.req.param('id')));
    return c.redirect('/admin/personas?aviso=desactivada', 303);
  });
  app.post('/personas/:id{[0-9]{1,12}}/nueva-clave', async (c) => {
    const { person, oneTimePassword } = await resetPassword(c.var.store, actor(c), Number(c.req.param('id')), { iterations: c.var.passwordIterations });
    await keepFlash(c.var.store, session(c), {
      label: `Contraseña nueva de un solo uso para ${person.email} (no se volverá a mostrar; deberá cambiarla al entrar):`,
      value: oneTimePassword,
    });
    return c.redirect('/admin/personas?aviso=nueva-clave', 303);
  });
  app.post('/tokens', async (c) => {
    const parsed = parseFields(newTokenSchema, c.var.form);
    if (!parsed.data) return render(c, { form: { values: c.var.form, errors: parsed.errors } }, 400);
    const { institution, name } = parsed.data;
    return withFieldErrors(
      c,
      async () => {
        const { token } = await createApiToken(c.var.store, actor(c), institution, name);
        await keepFlash(c.var.store, session(c), { label: `Token para «${name}» (${institution}); cópielo ahora, no se volverá a mostrar:`, value: token });
      },
      '/admin/tokens?aviso=creado',
    );
  });
  app.post('/tokens/:id{[0-9]{1,12}}/revocar', async (c) => {
    await revokeToken(c.var.store, actor(c), Number(c.req.param('id')));
    return c.redirect('/admin/tokens?aviso=revocado', 303);
  });

  // Cases and the routing table: api/reports/workspace.ts, behind the same session and CSRF check.
  registerCaseWorkspace(app, { render });

  // Every other request (GET pages) renders with the session in locals; a kept secret is shown
  // once and cleared only after the page that shows it was drawn.
  app.get('*', async (c) => {
    const current = c.var.session;
    const flash = current && !current.person.mustChangePassword && SECRET_PAGES.has(c.req.path) ? await peekFlash(c.var.store, current) : null;
    // A secret kept for one page (a case's contact) is never shown on another.
    const secret = flash && (flash.path === undefined || flash.path === c.req.path) ? flash : null;
    const response = await render(c, secret ? { secret } : {});
    if (secret && current && response.status === 200) await clearFlash(c.var.store, current);
    return response;
  });
  app.all('*', () => {
    throw new AppError('not_found', 'Esa acción del espacio de oficiales no existe.', { status: 404 });
  });
  // Refusals become a page in the workspace's layout, with the right status, never a bare 500.
  app.onError((error, c) => {
    const known = asAppError(error);
    if (!known) throw error;
    return render(c as Context<PagesEnv>, { error: known.message, forbidden: known.status === 403 }, known.status, '/admin/aviso');
  });
  return app;
}
