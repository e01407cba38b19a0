import { AppError } from '../../store/app-error.ts';
import { sessionActor } from '../../store/people/sessions.ts';
import type { Actor } from '../../store/policy.ts';

/**
 * The actor of the signed-in person drawing a workspace page. Pages pass it to store functions,
 * which decide (through store/policy.ts) what it may see; a refusal is drawn by the web app.
 */
export function workspaceActor(locals: App.Locals): Actor {
  const session = locals.admin?.session;
  if (!session) throw new AppError('unauthorized', 'Inicie sesión para continuar.', { status: 401 });
  return sessionActor(session);
}
