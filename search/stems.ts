import { stemmer as spanishStemmer } from '@orama/stemmers/spanish';
import { stemmer as englishStemmer } from '@orama/stemmers/english';
import { foldText } from './query.ts';

// Snowball's Spanish rules read accents («vacunación» → «vacun», «vacunaron» → «vacun»), so words
// are stemmed in lower case with their accents and the stem is folded afterwards. A word typed
// without its accents («vacunacion») may keep a longer stem; the exact-word column still finds it.
const CACHE_LIMIT = 200_000;
const spanishCache = new Map<string, string>();

/**
 * The folded Snowball stem of one Spanish word, as the index's stem columns hold it.
 *
 * @example spanishStem('Divorciándome') // 'divorci'
 */
export function spanishStem(word: string): string {
  const lower = word.toLowerCase();
  let stem = spanishCache.get(lower);
  if (stem === undefined) {
    stem = /^\d+$/.test(lower) ? lower : foldText(spanishStemmer(lower));
    if (spanishCache.size >= CACHE_LIMIT) spanishCache.clear();
    spanishCache.set(lower, stem);
  }
  return stem;
}

/** Stems a word may have as typed: with its accents and folded (they differ only for some suffixes). */
export function spanishStemsOf(word: string): string[] {
  const typed = spanishStem(word);
  const folded = spanishStem(foldText(word));
  return typed === folded ? [typed] : [typed, folded];
}

/** English (Porter) stem of a folded word, for english.json phrases: «renewing» → «renew». */
export function englishStem(word: string): string {
  return foldText(englishStemmer(word.toLowerCase()));
}

/**
 * The text of an index stem column: every word of `text` replaced by its stem, separated by spaces.
 *
 * @example stemText('Renovación de pasaportes') // 'renov de pasaport'
 */
export function stemText(text: string): string {
  const words = text.match(/[\p{L}\p{N}]+/gu);
  if (!words) return '';
  let out = '';
  for (const word of words) out += (out === '' ? '' : ' ') + spanishStem(word);
  return out;
}
