import { editDistance } from '../../search/fuzzy.ts';

/**
 * Text folding shared by the bot's understanding and the danger detector: lower case, accents and
 * punctuation gone, whitespace collapsed, so «¡Emergéncia!» and «emergencia» compare equal.
 * Web-standard only (the site's search imports it too).
 *
 * @example normalize('  ¡Sí, CLARO! ') // 'si claro'
 */
export function normalize(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9ñ\s]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The words of a text, folded. */
export function words(text: string): string[] {
  const folded = normalize(text);
  return folded === '' ? [] : folded.split(' ');
}

/** Edit distance (optimal string alignment: a swap of neighbours is one edit), as the search's typo tolerance counts it. */
export { editDistance };

/**
 * Whether two words are at most one edit apart, as `editDistance(a, b, 1) <= 1` says, without a
 * table: one letter changed, added or dropped, or two neighbours swapped. The danger detector
 * asks this of every word against every phrase, on every message and every search.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const difference = a.length - b.length;
  if (difference > 1 || difference < -1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (difference === 0) {
    return sameFrom(a, i + 1, b, i + 1) || (i + 1 < a.length && a[i] === b[i + 1] && a[i + 1] === b[i] && sameFrom(a, i + 2, b, i + 2));
  }
  return difference > 0 ? sameFrom(a, i + 1, b, i) : sameFrom(a, i, b, i + 1);
}

/** Whether a from `ai` and b from `bi` are the same to their ends. */
function sameFrom(a: string, ai: number, b: string, bi: number): boolean {
  if (a.length - ai !== b.length - bi) return false;
  for (; ai < a.length; ai++, bi++) if (a[ai] !== b[bi]) return false;
  return true;
}

/** Typos tolerated for a word of this length: none under 4 letters, 1 up to 7, 2 from 8. */
export function typoBudget(word: string): number {
  if (word.length < 4) return 0;
  return word.length < 8 ? 1 : 2;
}

/** Whether a typed word is the expected word, give or take the typos its length allows. */
export function sameWord(typed: string, expected: string): boolean {
  if (typed === expected) return true;
  const budget = Math.min(typoBudget(expected), typoBudget(typed));
  if (budget <= 0) return false;
  return budget === 1 ? withinOneEdit(typed, expected) : editDistance(typed, expected, budget) <= budget;
}
