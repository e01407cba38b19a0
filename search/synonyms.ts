import synonymData from '../data/search/synonyms.json' with { type: 'json' };
import stopWordData from '../data/search/stopwords-es.json' with { type: 'json' };
import { foldText } from './query.ts';

/** A word sequence as the index sees it: folded, without stop words. */
export type Phrase = string[];

export interface Thesaurus {
  stopWords: Set<string>;
  /** «licencia manejar» → every phrase equivalent to it (itself included) plus one-way expansions. */
  phrases: Map<string, Phrase[]>;
  /** Longest phrase, in words. */
  longest: number;
  /** Every word that appears in some phrase (known words are never «corrected»). */
  words: Set<string>;
}

function words(text: string, stopWords: Set<string>): Phrase {
  const all = foldText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
  const kept = all.filter((word) => !stopWords.has(word));
  return kept.length > 0 ? kept : all;
}

/**
 * Compiles the synonym data (data/search/synonyms.json) for lookups by phrase.
 *
 * @example const thesaurus = buildThesaurus(); thesaurus.phrases.get('dui')
 */
export function buildThesaurus(
  data: { equivalent: string[][]; expansions: Record<string, string[]> } = synonymData,
  stopWordList: string[] = stopWordData,
): Thesaurus {
  const stopWords = new Set(stopWordList.map((word) => foldText(word)));
  const phrases = new Map<string, Phrase[]>();
  const known = new Set<string>();
  const add = (key: Phrase, alternatives: Phrase[]) => {
    const id = key.join(' ');
    const list = phrases.get(id) ?? [];
    for (const alternative of alternatives) {
      if (!list.some((existing) => existing.join(' ') === alternative.join(' '))) list.push(alternative);
    }
    phrases.set(id, list);
    for (const word of [...key, ...alternatives.flat()]) known.add(word);
  };
  for (const group of data.equivalent) {
    const all = group.map((phrase) => words(phrase, stopWords)).filter((phrase) => phrase.length > 0);
    for (const phrase of all) add(phrase, all);
  }
  for (const [word, targets] of Object.entries(data.expansions)) {
    const key = words(word, stopWords);
    add(key, [key, ...targets.map((target) => words(target, stopWords))]);
  }
  const longest = Math.max(1, ...[...phrases.keys()].map((key) => key.split(' ').length));
  return { stopWords, phrases, longest, words: known };
}
