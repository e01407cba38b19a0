import conceptData from '../data/search/concepts.json' with { type: 'json' };
import englishData from '../data/search/english.json' with { type: 'json' };
import englishStopWordData from '../data/search/stopwords-en.json' with { type: 'json' };
import { foldText } from './query.ts';
import { englishStem, spanishStemsOf } from './stems.ts';
import type { Phrase } from './synonyms.ts';

/** The shape of data/search/concepts.json and data/search/english.json. */
export interface ConceptFile {
  _about?: string;
  entries: { id: string; when: string[]; means: string[]; expect?: string[] }[];
}

export type ConceptLanguage = 'es' | 'en';

export interface Concept {
  id: string;
  language: ConceptLanguage;
  /** Each `when` phrase as the stems of its content words (all of them must be in the query). */
  when: string[][];
  /** Catalog phrases searched for the concept, folded, stop words dropped. */
  means: Phrase[];
}

export interface ConceptBook {
  concepts: Concept[];
  /**
   * Concepts by the stems their `when` words may be met with (each stem, and it less its last
   * letter for the one-letter tolerance of `stemMatches`): a query looks only at those.
   */
  byStem: Map<string, Set<Concept>>;
  /** data/search/stopwords-en.json, folded. */
  englishStopWords: Set<string>;
}

/** A concept found in a query, and which of the query's words said it. */
export interface ConceptMatch {
  concept: Concept;
  /** Positions (in the words given to `matchConcepts`) that matched a `when` word. */
  positions: number[];
}

const words = (text: string) => foldText(text).match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * Compiles concepts.json (Spanish) and english.json for matching. `stopWords` are the Spanish stop
 * words and filler (search/synonyms.ts); English phrases drop data/search/stopwords-en.json.
 *
 * @example buildConcepts(new Set(['me'])).concepts[0].when // [['golpe'], …]
 */
export function buildConcepts(
  stopWords: Set<string>,
  data: { spanish: ConceptFile; english: ConceptFile } = { spanish: conceptData, english: englishData },
): ConceptBook {
  const englishStop = new Set(englishStopWordData.map(foldText));
  const concepts: Concept[] = [];
  const compile = (file: ConceptFile, language: ConceptLanguage) => {
    for (const entry of file.entries) {
      const stop = language === 'es' ? stopWords : englishStop;
      const when = entry.when
        .map((phrase) => {
          const all = language === 'es' ? (phrase.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) : words(phrase);
          const content = all.filter((word) => !stop.has(foldText(word)));
          return (content.length > 0 ? content : all).map((word) => (language === 'es' ? spanishStemsOf(word)[0] : englishStem(word)));
        })
        .filter((phrase) => phrase.length > 0);
      const means = entry.means
        .map((phrase) => {
          const all = words(phrase);
          const kept = all.filter((word) => !stopWords.has(word));
          return kept.length > 0 ? kept : all;
        })
        .filter((phrase) => phrase.length > 0);
      if (when.length > 0 && means.length > 0) concepts.push({ id: entry.id, language, when, means });
    }
  };
  compile(data.spanish, 'es');
  compile(data.english, 'en');
  const byStem = new Map<string, Set<Concept>>();
  const file = (key: string, concept: Concept) => {
    const set = byStem.get(key) ?? new Set<Concept>();
    set.add(concept);
    byStem.set(key, set);
  };
  for (const concept of concepts) {
    for (const stem of concept.when.flat()) {
      file(`${concept.language}:${stem}`, concept);
      if (concept.language === 'es' && stem.length >= 5) file(`es:${stem.slice(0, -1)}`, concept);
    }
  }
  return { concepts, byStem, englishStopWords: englishStop };
}

/**
 * Whether a query word's stem stands for a `when` word's stem. Snowball leaves some forms of one
 * verb apart («golpea» → golpe, «golpear» → golp), so a stem of 4 or more letters also matches a
 * stem one letter longer that starts with it (two would let «contra» say «contratar»).
 */
function stemMatches(query: string, expected: string): boolean {
  if (query === expected) return true;
  const [short, long] = query.length < expected.length ? [query, expected] : [expected, query];
  return short.length >= 4 && long.length - short.length === 1 && long.startsWith(short);
}

/**
 * The concepts a query says, at most `limit`, the ones with more matched words first.
 * `typed` are the query's words in lower case with their accents, stop words and filler removed.
 *
 * @example matchConcepts(['esposo', 'golpeó'], book) // [{ concept: violencia-pareja, positions: [1] }]
 */
export function matchConcepts(typed: string[], book: ConceptBook, limit = 3): ConceptMatch[] {
  const spanish = typed.map((word) => spanishStemsOf(word));
  const english = typed.map((word) => englishStem(foldText(word)));
  // Only concepts one of whose words this query has a stem for can match.
  const candidates = new Set<Concept>();
  const consider = (key: string) => book.byStem.get(key)?.forEach((concept) => candidates.add(concept));
  for (const stems of spanish) {
    for (const stem of stems) {
      consider(`es:${stem}`);
      if (stem.length >= 5) consider(`es:${stem.slice(0, -1)}`);
    }
  }
  for (const stem of english) consider(`en:${stem}`);
  const found: ConceptMatch[] = [];
  for (const concept of book.concepts) {
    if (!candidates.has(concept)) continue;
    let best: number[] | null = null;
    for (const phrase of concept.when) {
      const positions: number[] = [];
      const all = phrase.every((expected) => {
        const at =
          concept.language === 'es'
            ? spanish.findIndex((stems, index) => !positions.includes(index) && stems.some((stem) => stemMatches(stem, expected)))
            : english.findIndex((stem, index) => !positions.includes(index) && stem === expected);
        if (at < 0) return false;
        positions.push(at);
        return true;
      });
      if (all && (!best || positions.length > best.length)) best = positions;
    }
    if (best) found.push({ concept, positions: best });
  }
  return found.sort((a, b) => b.positions.length - a.positions.length).slice(0, limit);
}
