import { Hono, type Context } from 'hono';
import { limitBody } from '../body-limit.ts';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { BotEvent, BotRunner } from '../../bot/engine/types.ts';
import { APOLOGY } from '../../bot/runner.ts';
import { AppError } from '../../store/app-error.ts';
import { deleteConversation } from '../../store/bot/conversations.ts';
import { toHex } from '../../store/crypto.ts';
import { CACHE_CONTROL } from '../edge/http-cache.ts';
import type { ApiEnv } from '../env.ts';
import { cookieIsSecure } from '../reports/citizen-cookies.ts';

/**
 * The web chat at /chat: the bot's conversation as plain forms, without JavaScript. Each POST is
 * one event for the runner (channel `web`), answered 303 back to /chat (post/redirect/get); the
 * page (site/pages/chat.astro) shows the last messages, kept encrypted with the conversation.
 * She is known by a random id in the `chat` cookie (HttpOnly, SameSite=Strict, only for /chat,
 * gone when the browser closes); the store keeps only its keyed hash.
 *
 * Redirects carry only fixed words (`?error=vacio`), never what she wrote.
 */

export const CHAT_COOKIE = { name: 'chat', path: '/chat' } as const;

/** The page's notices, by the word in `?error=` / `?hecho=`. */
export const CHAT_ERRORS = ['vacio', 'largo', 'no-disponible', 'fallo'] as const;

/** What one message may be: Telegram's own limit, so every channel reads the same. */
export const CHAT_MESSAGE_MAX = 4096;

const IDENTITY = /^[0-9a-f]{32}$/;
/** A random nonce per rendered form: a double submit (or a re-sent POST) is one event. */
const TURN = /^[A-Za-z0-9-]{16,64}$/;

/** The chat's id from its cookie, when well formed. */
export function chatIdentity(cookie: string | undefined): string | null {
  return cookie !== undefined && IDENTITY.test(cookie) ? cookie : null;
}

function secure(c: Context<ApiEnv>): boolean {
  return cookieIsSecure(c.var.publicOrigin || undefined, c.req.url);
}

function seeOther(c: Context<ApiEnv>, location: string): Response {
  c.header('Cache-Control', CACHE_CONTROL.private);
  return c.redirect(location, 303);
}

/** Deletes the conversation and the cookie, then says so (and what the browser keeps). */
async function forget(c: Context<ApiEnv>, identity: string | null): Promise<Response> {
  if (identity) await deleteConversation(c.var.store, 'web', identity);
  deleteCookie(c, CHAT_COOKIE.name, { path: CHAT_COOKIE.path, secure: secure(c) });
  return seeOther(c, '/chat?hecho=borrada');
}

/**
 * `POST /chat`. Without a runner (the bot not configured) it sends her back with a notice.
 *
 * @example app.route('/', webChatRoutes(deps.bot?.runner))
 */
export function webChatRoutes(runner: BotRunner | undefined) {
  const app = new Hono<ApiEnv>();
  app.post(
    CHAT_COOKIE.path,
    limitBody({
      maxSize: 32 * 1024,
      onError: () => {
        throw new AppError('payload_too_large', `El mensaje es demasiado largo: escriba hasta ${CHAT_MESSAGE_MAX} caracteres.`, { status: 413 });
      },
    }),
    async (c) => {
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const field = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
      const known = chatIdentity(getCookie(c, CHAT_COOKIE.name));

      if (field('action') === 'borrar') return forget(c, known);
      if (!runner) return seeOther(c, '/chat?error=no-disponible');

      const choice = field('choice').trim();
      const text = field('message').trim();
      let event: BotEvent;
      if (choice) {
        if (choice.length > 64) return seeOther(c, '/chat?error=vacio');
        event = { type: 'choice', value: choice };
      } else if (!text) {
        return seeOther(c, '/chat?error=vacio');
      } else if (text.length > CHAT_MESSAGE_MAX) {
        return seeOther(c, '/chat?error=largo');
      } else {
        event = { type: 'message', text };
      }

      const identity = known ?? toHex(crypto.getRandomValues(new Uint8Array(16)));
      // A session cookie (no Max-Age): it ends with the browser; the conversation itself after 30 minutes.
      if (!known) setCookie(c, CHAT_COOKIE.name, identity, { path: CHAT_COOKIE.path, httpOnly: true, sameSite: 'Strict', secure: secure(c) });
      const turn = field('turn');
      const answer = await runner.handle({ channel: 'web', identity, event, dedupeKey: TURN.test(turn) ? `${identity}:${turn}` : undefined });
      // «salir» / «borrar» typed: the same as the button, cookie included.
      if (answer.forget) return forget(c, identity);
      // The runner kept the state as it was; the page says so instead of showing nothing new.
      if (answer.messages.length === 1 && answer.messages[0] === APOLOGY) return seeOther(c, '/chat?error=fallo');
      return seeOther(c, '/chat#ultimo');
    },
  );
  return app;
}
