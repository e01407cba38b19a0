import synonymData from '../data/search/synonyms.json' with { type: 'json' };
import stopWordData from '../data/search/stopwords-es.json' with { type: 'json' };
import questionData from '../data/search/questions-es.json' with { type: 'json' };
import { foldText } from './query.ts';
import { spanishStem } from './stems.ts';

/** A word sequence as the index sees it: folded, without stop words. */
export type Phrase = string[];

/** What a question asks about a procedure: its cost, its offices or its requirements. */
export type Intent = 'cost' | 'offices' | 'requirements';

/** The shape of data/search/questions-es.json. */
export interface QuestionData {
  filler: string[];
  /** Filler of several words in a row («el salvador»): dropped where they appear together. */
  filler_phrases?: string[];
  intents: Record<Intent, string[]>;
}

export interface Thesaurus {
  stopWords: Set<string>;
  /** How people ask («necesito», «quiero», «cómo»): dropped like stop words, never part of a match. */
  filler: Set<string>;
  /** Filler phrases, folded words, longest first. */
  fillerPhrases: string[][];
  /** Question phrases, folded, longest first, with what they ask about. */
  intents: { words: string[]; intent: Intent }[];
  /** «licencia manejar» → every phrase equivalent to it (itself included) plus one-way expansions. */
  phrases: Map<string, Phrase[]>;
  /** Longest phrase, in words. */
  longest: number;
  /** Every word that appears in some phrase (known words are never «corrected»). */
  words: Set<string>;
  /** One-word keys of `phrases` by Snowball stem, so «saco» finds what «sacar» means. */
  byStem: Map<string, string>;
  /** Keys of the one-way `expansions` («sacar», «renovar»): what people do, not what they look for. */
  expansionKeys: Set<string>;
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
  questions: QuestionData = questionData as QuestionData,
): Thesaurus {
  const stopWords = new Set(stopWordList.map((word) => foldText(word)));
  const filler = new Set(questions.filler.map((word) => foldText(word)));
  const fillerPhrases = (questions.filler_phrases ?? [])
    .map((phrase) => foldText(phrase).match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((phrase) => phrase.length > 0)
    .sort((a, b) => b.length - a.length);
  const intents = (Object.entries(questions.intents) as [Intent, string[]][])
    .flatMap(([intent, phrases]) => phrases.map((phrase) => ({ words: foldText(phrase).match(/[\p{L}\p{N}]+/gu) ?? [], intent })))
    .filter((entry) => entry.words.length > 0)
    .sort((a, b) => b.words.length - a.words.length);
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
  const expansionKeys = new Set<string>();
  for (const [word, targets] of Object.entries(data.expansions)) {
    const key = words(word, stopWords);
    expansionKeys.add(key.join(' '));
    add(key, [key, ...targets.map((target) => words(target, stopWords))]);
  }
  const longest = Math.max(1, ...[...phrases.keys()].map((key) => key.split(' ').length));
  const byStem = new Map<string, string>();
  for (const key of phrases.keys()) {
    if (key.includes(' ') || key.length < 4) continue;
    const stem = spanishStem(key);
    if (!byStem.has(stem)) byStem.set(stem, key);
  }
  return { stopWords, filler, fillerPhrases, intents, phrases, longest, words: known, byStem, expansionKeys };
}
