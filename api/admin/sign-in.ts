import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { AppError } from '../../store/app-error.ts';
import { authenticate, type Person } from '../../store/people/people.ts';
import { createSession, endSession } from '../../store/people/sessions.ts';
import type { ApiVariables } from '../env.ts';
import { createRateLimiter } from '../../store/rate-limits.ts';
import { clientIdentity, RATE_LIMITS } from '../rate-limit.ts';
import { sessionCookieName, setSessionCookie } from './auth.ts';

/**
 * The one sign-in, for the JSON API and the HTML form alike: the same counters (kept in the store),
 * 10 failures per 15 minutes per client address and per account. Only failures count, so an
 * office whose staff share one address is not locked out by its own successful sign-ins. A new
 * session id every time; the previous session of this browser ends.
 *
 * @throws AppError 429 (too many failures) or 401 (wrong email or password: one message for both)
 */
export async function signIn(c: Context, credentials: { email: string; password: string }): Promise<Person> {
  const vars = c.var as ApiVariables;
  const store = vars.store;
  const byAddress = createRateLimiter(store, RATE_LIMITS.signInAddress);
  const byEmail = createRateLimiter(store, RATE_LIMITS.signInEmail);
  const address = clientIdentity(c);
  const email = credentials.email.trim().toLowerCase();
  if ((await byAddress.exhausted(address)) || (await byEmail.exhausted(email))) {
    throw new AppError('too_many_attempts', 'Demasiados intentos de inicio de sesión. Espere 15 minutos e intente de nuevo.', {
      status: 429,
      fields: { password: 'Demasiados intentos. Espere 15 minutos e intente de nuevo.' },
    });
  }
  const person = await authenticate(store, email, credentials.password, { iterations: vars.passwordIterations });
  if (!person) {
    await byAddress.count(address);
    await byEmail.count(email);
    throw new AppError('invalid_credentials', 'El correo o la contraseña no son correctos.', {
      status: 401,
      fields: { password: 'El correo o la contraseña no son correctos.' },
    });
  }
  const previous = getCookie(c, sessionCookieName(c));
  if (previous && previous.length <= 100) await endSession(store, previous);
  const { cookieValue } = await createSession(store, person);
  setSessionCookie(c, cookieValue);
  return person;
}
