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

// Results show the same titles and summaries again and again: each text is split into words once,
// each word folded once, and its stem taken once and only when a search asks for stems (splitting,
// folding and stemming the words of every result was a quarter of an uncached search's time).
// Only the texts of recent results are kept (a summary's words are a few kilobytes of objects, and
// an isolate on Workers has 128 MB): the maps are emptied when they grow past their limits.
const TEXTS_LIMIT = 2_000;
const FOLDED_LIMIT = 50_000;

interface Token {
  word: string;
  start: number;
  folded: string;
  /** Its Snowball stem, taken the first time a search with stems reads it. */
  stem?: string;
}

const tokensByText = new Map<string, Token[]>();
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

function tokensOf(text: string): Token[] {
  let tokens = tokensByText.get(text);
  if (tokens === undefined) {
    tokens = [];
    for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) tokens.push({ word: match[0], start: match.index ?? 0, folded: foldedWord(match[0]) });
    if (tokensByText.size >= TEXTS_LIMIT) tokensByText.clear();
    tokensByText.set(text, tokens);
  }
  return tokens;
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
  const stems = terms.stems !== undefined && terms.stems.size > 0 ? terms.stems : null;
  for (const token of tokensOf(text)) {
    const hit =
      terms.words.has(token.folded) ||
      terms.prefixes.some((prefix) => token.folded.startsWith(prefix)) ||
      (stems !== null && stems.has((token.stem ??= spanishStem(token.word))));
    if (!hit) continue;
    out += `${escapeHtml(text.slice(last, token.start))}<mark>${escapeHtml(token.word)}</mark>`;
    last = token.start + token.word.length;
  }
  return out + escapeHtml(text.slice(last));
}
