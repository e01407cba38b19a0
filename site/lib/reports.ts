import type { AstroCookies } from 'astro';
import { CASE_COOKIE, cookieAttributes, cookieIsSecure, NOTICE_COOKIE } from '../../api/reports/citizen-cookies.ts';

/** What the citizen's report pages share: dates in El Salvador's time, and their cookies' attributes. */

const when = new Intl.DateTimeFormat('es-SV', { dateStyle: 'long', timeStyle: 'short', timeZone: 'America/El_Salvador' });

/** «20 de noviembre de 2026, 9:00 a. m.»: a stored timestamp as people in El Salvador read it. */
export function formatWhen(iso: string): string {
  return when.format(new Date(iso));
}

/** «3 días», «5 horas», «12 minutos»: how long is left, rounded down, never «0». */
export function durationText(ms: number): string {
  const minutes = Math.max(1, Math.floor(ms / 60_000));
  if (minutes < 120) return `${minutes} ${minutes === 1 ? 'minuto' : 'minutos'}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} horas`;
  return `${Math.floor(hours / 24)} días`;
}

type CitizenCookie = typeof NOTICE_COOKIE | typeof CASE_COOKIE;

// As the form handlers decide (api/reports/forms.ts): PUBLIC_BASE_URL when it says HTTPS, else the
// request's own scheme (locals.publicBaseUrl falls back to the local http address, which proves nothing).
const isSecure = (locals: App.Locals, url: URL) => cookieIsSecure(locals.publicBaseUrl.startsWith('https:') ? locals.publicBaseUrl : undefined, url.href);

/** Sets one of the citizen's sealed cookies from a page, with the attributes the form handlers use. */
export function setCitizenCookie(cookies: AstroCookies, cookie: CitizenCookie, value: string, locals: App.Locals, url: URL): void {
  cookies.set(cookie.name, value, cookieAttributes(cookie, isSecure(locals, url)));
}

/** Expires one of the citizen's cookies on its path. */
export function clearCitizenCookie(cookies: AstroCookies, cookie: CitizenCookie, locals: App.Locals, url: URL): void {
  const { path, httpOnly, sameSite, secure } = cookieAttributes(cookie, isSecure(locals, url));
  cookies.delete(cookie.name, { path, httpOnly, sameSite, secure });
}
