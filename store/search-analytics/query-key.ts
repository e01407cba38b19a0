import { detectDanger } from '../../bot/text/danger.ts';
import { normalize } from '../../bot/text/normalize.ts';
import { normalizeTrackingCode } from '../reports/tracking-code.ts';

/**
 * What a search is counted under: the folded text people typed, never who typed it. A text that
 * looks like personal data is counted under OTHER_QUERY and its words are not kept at all.
 */

/** The key of searches whose text was not kept. Never a folded query (those are only a-z, 0-9, spaces). */
export const OTHER_QUERY = '«otra»';

/** Longest key kept: enough for any real search, too short for a pasted letter. */
export const MAX_KEY_CHARS = 100;

/** Longer than this, a text is not a search people typed: it is not kept. */
const MAX_TEXT_CHARS = 1000;

const TRACKING_SEPARATORS = /[-–—.·_]/g;

/**
 * Whether a text may hold personal data, judged before folding (folding turns «ana@correo.sv»
 * into «ana correo sv»). Errs on the side of dropping:
 * - an e-mail address or a handle: «@» before a letter or digit, «arroba», a webmail name;
 * - 8 or more digits in a row, counting across spaces, hyphens, dots, slashes and brackets:
 *   phones (7000-0000, +503 2222 3333), the DUI (00000000-0), the NIT;
 * - a word of 5 or more digits with letters: plates (P123-456), passports, file numbers;
 * - a tracking code, whole (store/reports/tracking-code.ts) or like one (13 to 15 letters and
 *   digits, typed in one piece or in its groups of four, mistyped or not).
 *
 * @example looksPersonal('mi dui 01234567-8') // true
 * @example looksPersonal('renovar pasaporte') // false
 */
export function looksPersonal(text: string): boolean {
  const plain = text.normalize('NFKD');
  if (/@\s*[\p{L}\p{N}]/u.test(plain) || /\b(?:arroba|gmail|hotmail|yahoo|outlook|icloud)\b/iu.test(plain)) return true;
  if (/\d{8,}/.test(plain.replace(/(?<=\d)[\s.\-–—_/()+]+(?=\d)/g, ''))) return true;
  const tokens = plain.toUpperCase().split(/\s+/).filter(Boolean);
  for (const token of tokens) {
    const bare = token.replace(TRACKING_SEPARATORS, '');
    const digits = bare.replace(/\D/g, '').length;
    if (digits >= 5 && /\p{L}/u.test(bare)) return true;
    if (codeLike(bare) || normalizeTrackingCode(bare) !== null) return true;
  }
  // A code typed in groups, as it is shown: «K7QM 2XDT 9RBH 4C» (mistyped too: four, four, four, one to three).
  for (let start = 0; start < tokens.length; start++) {
    for (let end = start + 2; end <= Math.min(tokens.length, start + 5); end++) {
      const window = tokens.slice(start, end).map((token) => token.replace(TRACKING_SEPARATORS, ''));
      const joined = window.join('');
      if (normalizeTrackingCode(joined) !== null) return true;
      // Random symbols mix letters and digits in most groups; «casa 2024 para mi» does in none.
      const grouped = window.length === 4 && window.slice(0, 3).every((group) => group.length === 4) && window[3].length <= 3;
      const mixed = window.filter((group) => /\d/.test(group) && /[A-Z]/.test(group)).length >= 2;
      if (grouped && mixed && codeLike(joined) && /^[0-9A-Y]+$/.test(joined) && !joined.includes('U')) return true;
    }
  }
  return false;
}

/** 13 to 15 letters and digits, at least 2 of each: the shape of a tracking code. */
function codeLike(value: string): boolean {
  if (value.length < 13 || value.length > 15 || !/^[\p{L}\p{N}]+$/u.test(value)) return false;
  const digits = value.replace(/\D/g, '').length;
  return digits >= 2 && value.length - digits >= 2;
}

/**
 * The key a search is counted under: folded like the bot folds text (bot/text/normalize.ts: lower
 * case, no accents or punctuation, single spaces), cut at a word to MAX_KEY_CHARS; OTHER_QUERY
 * when it looks personal; null when nothing is left to count, or when it reads like someone in
 * danger (/buscar turns sensitive then, and a sensitive page has no analytics: victim-safety rule 4).
 *
 * @example searchKey('  Renovación   de PASAPORTE ') // 'renovacion de pasaporte'
 * @example searchKey('ana@correo.sv') // '«otra»'
 * @example searchKey('mi esposo me golpea') // null
 */
export function searchKey(text: string): string | null {
  if (detectDanger(text).level) return null;
  if (text.length > MAX_TEXT_CHARS || looksPersonal(text)) return text.trim() === '' ? null : OTHER_QUERY;
  const folded = normalize(text);
  if (folded === '') return null;
  if (folded.length <= MAX_KEY_CHARS) return folded;
  const cut = folded.slice(0, MAX_KEY_CHARS + 1);
  const space = cut.lastIndexOf(' ');
  return (space > 0 ? cut.slice(0, space) : cut.slice(0, MAX_KEY_CHARS)).trim();
}

/** A key as it comes back in a link (/api/search/open?q=…): OTHER_QUERY stays itself, anything else is keyed again. */
export function keyFromLink(value: string): string | null {
  return value === OTHER_QUERY ? OTHER_QUERY : searchKey(value);
}
