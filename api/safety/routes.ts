import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { endSession } from '../../store/people/sessions.ts';
import { clearSessionCookie, sessionCookieName } from '../admin/auth.ts';
import { CHAT_COOKIE } from '../bot/web-chat.ts';
import { siteOrigin } from '../edge/origin-check.ts';
import { NEUTRAL_SITE_URL, QUICK_EXIT_PATH } from '../edge/sensitive.ts';
import type { ApiEnv } from '../env.ts';

/**
 * The citizen's cookies the quick exit expires, each on the path it was set for: the follow-up
 * session of /seguimiento and the report draft notice of /denuncia. A new cookie of a sensitive
 * page belongs here too (Clear-Site-Data only reaches browsers on HTTPS).
 */
export const QUICK_EXIT_COOKIES = [{ name: 'caso', path: '/seguimiento' }, { name: 'aviso', path: '/denuncia' }, CHAT_COOKIE] as const;

/** Ends every session this browser holds here; never fails, since the person must get out anyway. */
async function endSessions(c: Context<ApiEnv>): Promise<void> {
  const secure = siteOrigin(c).startsWith('https:');
  // The chat's cookie is only sent to /chat, so it is expired here, not read: without it the
  // conversation (a keyed hash away, encrypted) cannot be opened again, and it ends in 30 minutes.
  for (const cookie of QUICK_EXIT_COOKIES) deleteCookie(c, cookie.name, { path: cookie.path, secure });
  const workspace = getCookie(c, sessionCookieName(c));
  if (workspace) clearSessionCookie(c);
  if (workspace && workspace.length <= 100) {
    try {
      await endSession(c.var.store, workspace);
    } catch (error) {
      c.var.log.error('quick exit: the workspace session could not be ended', { error: error instanceof Error ? error.message : String(error) });
    }
  }
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
}

/**
 * «Salir rápido» on the server. `GET /salir` is the button without JavaScript: it ends the sessions
 * and answers 303 to the neutral site. `POST /salir` is the script's beacon, sent while the page
 * is already blank and leaving: 204.
 *
 * Clear-Site-Data: "cookies" also signs an officer out of the workspace in this browser, which is
 * what a quick exit should do. "cache" only on the beacon: a navigation that carries it may wait
 * until the whole cache is cleared, and the sensitive page stays on screen meanwhile; sensitive
 * pages are never stored anyway (no-store).
 */
export function safetyRoutes() {
  const app = new Hono<ApiEnv>();
  app.get(QUICK_EXIT_PATH, async (c) => {
    await endSessions(c);
    c.header('Clear-Site-Data', '"cookies"');
    return c.redirect(NEUTRAL_SITE_URL, 303);
  });
  app.post(QUICK_EXIT_PATH, async (c) => {
    await endSessions(c);
    c.header('Clear-Site-Data', '"cache", "cookies"');
    return c.body(null, 204);
  });
  return app;
}
