import { escapeHtml } from '../api/edge/html.ts';
import { foldText } from './query.ts';
import type { QueryPlan } from './plan.ts';
import { spanishStem } from './stems.ts';

export interface HighlightTerms {
  words: Set<string>;
  prefixes: string[];
  /** Stems searched for (search/stems.ts): «divorcio» is marked for «divorciándome». */
  stems?: Set<string>;
}

/** The words (and prefixes) a plan searches for, folded: what to mark in results. */
export function highlightTerms(plan: QueryPlan): HighlightTerms {
  const words = new Set<string>();
  const prefixes: string[] = [];
  const stems = new Set<string>();
  for (const group of plan.groups) {
    for (const alternative of group.stems) for (const stem of alternative.words) stems.add(stem);
    for (const alternative of [...group.exact, ...group.fuzzy]) {
      alternative.words.forEach((word, index) => {
        if (alternative.prefix && index === alternative.words.length - 1) prefixes.push(word);
        else words.add(word);
      });
    }
  }
  return { words, prefixes, stems };
}

// Results show the same titles and summaries again and again: each word is folded once (folding
// every word of 20 results was a fifth of a search's time). The words of a catalog are bounded.
const FOLDED_LIMIT = 50_000;
const folded = new Map<string, string>();

function foldedWord(word: string): string {
  let value = folded.get(word);
  if (value === undefined) {
    value = foldText(word);
    if (folded.size >= FOLDED_LIMIT) folded.clear();
    folded.set(word, value);
  }
  return value;
}

/**
 * Escapes `text` for HTML and wraps the words the search matched in <mark>, comparing them the way
 * the index does (case and accents folded), so «Emisión» is marked for «emision».
 *
 * @example markTerms('Emisión del DUI', { words: new Set(['dui']), prefixes: ['emis'] }) // '<mark>Emisión</mark> del <mark>DUI</mark>'
 */
export function markTerms(text: string, terms: HighlightTerms): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    const folded = foldedWord(word);
    const hit =
      terms.words.has(folded) ||
      terms.prefixes.some((prefix) => folded.startsWith(prefix)) ||
      (terms.stems !== undefined && terms.stems.size > 0 && terms.stems.has(spanishStem(word)));
    if (!hit) continue;
    const start = match.index ?? 0;
    out += `${escapeHtml(text.slice(last, start))}<mark>${escapeHtml(word)}</mark>`;
    last = start + word.length;
  }
  return out + escapeHtml(text.slice(last));
}
