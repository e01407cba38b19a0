/**
 * Dates in the workspace, in Spanish and in El Salvador's time: a stored instant (UTC) is shown
 * on the day it was there, «1 de diciembre de 2026», never as «2026-12-01».
 */
const TIME_ZONE = 'America/El_Salvador';
const day = new Intl.DateTimeFormat('es-SV', { dateStyle: 'long', timeZone: TIME_ZONE });
const moment = new Intl.DateTimeFormat('es-SV', { dateStyle: 'long', timeStyle: 'short', timeZone: TIME_ZONE });

/** «1 de diciembre de 2026» for an instant (`2026-12-01T15:00:00Z`) or a calendar day (`2026-12-01`). */
export function formatDay(value: string): string {
  // A bare calendar day names no instant: noon UTC is the same day in El Salvador.
  return day.format(new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T12:00:00Z` : value));
}

/** «1 de diciembre de 2026, 9:00 a. m.» in El Salvador's time. */
export function formatMoment(iso: string): string {
  return moment.format(new Date(iso));
}
