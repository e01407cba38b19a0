import { foldName } from '../store/territory/territory.ts';

/**
 * Her safe hours as she wrote them to the bot («de 8 a 12», «9-11», «de 2 a 5 de la tarde»,
 * «en la mañana», «cualquier hora») in the form a case's contact keeps: `HH:MM-HH:MM`, El Salvador
 * time (store/reports/reports.ts). Days («lunes a viernes») are not kept: the contact has hours only.
 *
 * @returns the window; `undefined` when any hour is fine; `null` when it cannot be read
 * @example safeHoursWindow('de 8 a 12') // '08:00-12:00'
 */
export function safeHoursWindow(text: string | undefined): string | undefined | null {
  if (text === undefined) return undefined;
  const said = foldName(text).replace(/\./g, '');
  if (/^\s*$/.test(said) || /cualquier|toda hora|todo el dia|siempre|a cualquier/.test(said)) return undefined;
  const time = String.raw`(\d{1,2})(?::(\d{2})|h(\d{2})?)?\s*(am|pm|a m|p m)?`;
  const range = new RegExp(`${time}\\s*(?:-|–|a|hasta|y)\\s*${time}`).exec(said);
  const afternoon = /tarde|noche/.test(said);
  if (range) {
    let from = Number(range[1]);
    const fromMinutes = Number(range[2] ?? range[3] ?? 0);
    let to = Number(range[5]);
    const toMinutes = Number(range[6] ?? range[7] ?? 0);
    const fromHalf = range[4]?.replace(' ', '');
    const toHalf = range[8]?.replace(' ', '');
    if (fromHalf === 'pm' && from < 12) from += 12;
    if (toHalf === 'pm' && to < 12) to += 12;
    if (fromHalf === 'am' && from === 12) from = 0;
    if (toHalf === 'am' && to === 12) to = 0;
    // «de 2 a 5 de la tarde», «de 9 a 5»: the afternoon when it says so or when the end would come first.
    if (!fromHalf && !toHalf && afternoon && from < 12 && to <= 12) {
      if (from <= to) from += 12;
      to += 12;
    } else if (!toHalf && to < from && to + 12 <= 24) to += 12;
    if (from > 23 || to > 24 || fromMinutes > 59 || toMinutes > 59 || from === to) return null;
    const pad = (n: number) => String(n).padStart(2, '0');
    // «hasta las 12 de la noche»: the day's last minute.
    const end = to === 24 ? '23:59' : `${pad(to)}:${pad(toMinutes)}`;
    return `${pad(from)}:${pad(fromMinutes)}-${end}`;
  }
  if (/manana/.test(said)) return '08:00-12:00';
  if (/tarde/.test(said)) return '13:00-18:00';
  if (/noche/.test(said)) return '18:00-21:00';
  return null;
}
