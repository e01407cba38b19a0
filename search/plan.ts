import { matchConcepts, type ConceptBook } from './concepts.ts';
import type { Vocabulary } from './fuzzy.ts';
import { foldText, MAX_QUERY_CHARS } from './query.ts';
import { spanishStem, spanishStemsOf } from './stems.ts';
import type { Intent, Phrase, Thesaurus } from './synonyms.ts';

/** One meaningful unit of a query: a word, a known phrase or a concept, with what may stand for it. */
export interface TermGroup {
  /** What the person typed for this unit, folded. */
  typed: string;
  /** The unit itself (corrected when misspelled) and its synonyms. */
  exact: Alternative[];
  /** Spelling variants within the typo budget. */
  fuzzy: Alternative[];
  /** Snowball stems of the unit, searched in the stem columns: another form of the word. */
  stems: Alternative[];
  /** Set for a group that stands for a concept of concepts.json or english.json (its id). */
  concept?: string;
  /**
   * Set for a word with one-way expansions («sacar», «renovar»): what people do rather than what
   * they look for. Suggestions as you type require the other groups and only rank by this one.
   */
  action?: boolean;
}

export interface Alternative {
  words: Phrase;
  /** Match the last word as a prefix (the person may still be typing it). */
  prefix: boolean;
}

export interface QueryPlan {
  groups: TermGroup[];
  /** The query with misspelled words replaced, when any were (for «Mostrando resultados para…»). */
  corrected: string | null;
  /** What the question asks about («¿cuánto cuesta…?» → cost), if it says. */
  intent: Intent | null;
}

const MAX_GROUPS = 10;
const MAX_FUZZY = 4;
/** Stems of shorter words are too often another word's stem. */
const MIN_STEMMED_LENGTH = 4;

/**
 * Turns what a person typed into search units: folds case and accents, finds what a question asks
 * («cuánto cuesta» → cost), drops stop words and filler («necesito», «quiero»), recognises concepts
 * and English («me golpea», «passport»), joins known phrases («licencia de manejar»), adds synonyms,
 * stems and spelling variants. Only words made of letters and digits survive, so nothing of the raw
 * text can reach the engine as syntax.
 *
 * @example planQuery('sacar dui', thesaurus, vocabulary).groups.map((g) => g.typed) // ['sacar', 'dui']
 */
export function planQuery(raw: string, thesaurus: Thesaurus, vocabulary: Vocabulary | null, concepts: ConceptBook | null = null): QueryPlan {
  const text = raw.slice(0, MAX_QUERY_CHARS);
  const stillTyping = text.length > 0 && !/\s$/.test(text);
  const written = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const all = written.map((word) => foldText(word));

  const questionAt = new Set<number>();
  let intent: Intent | null = null;
  for (let i = 0; i < all.length; i++) {
    const found = thesaurus.intents.find((entry) => entry.words.every((word, k) => all[i + k] === word));
    if (!found) continue;
    intent ??= found.intent;
    for (let k = 0; k < found.words.length; k++) questionAt.add(i + k);
    i += found.words.length - 1;
  }
  // Filler phrases («el salvador») go like filler words where their words come together, but
  // only after concepts had them: «mudarme a El Salvador» is a situation that names the country.
  const fillerPhraseAt = new Set<number>();
  for (let i = 0; i < all.length; i++) {
    const phrase = thesaurus.fillerPhrases.find((words) => words.every((word, k) => all[i + k] === word));
    if (!phrase) continue;
    for (let k = 0; k < phrase.length; k++) fillerPhraseAt.add(i + k);
    i += phrase.length - 1;
  }
  const isContent = (word: string, index: number) => !questionAt.has(index) && !thesaurus.stopWords.has(word) && !thesaurus.filler.has(word);
  let positions = all.map((_, index) => index).filter((index) => isContent(all[index], index));
  // A query made only of question words («requisitos») is searched as typed.
  if (positions.length === 0) positions = all.map((_, index) => index);
  // One letter still being typed after other words («sacar d») says nothing yet.
  if (stillTyping && positions.length > 1 && positions.at(-1) === all.length - 1 && all[all.length - 1].length === 1) positions = positions.slice(0, -1);
  positions = positions.slice(0, MAX_GROUPS * 2);

  // Concepts first, the one said with more words before the others.
  const conceptGroups: TermGroup[] = [];
  if (concepts) {
    const matches = matchConcepts(
      positions.map((index) => written[index]),
      concepts,
    );
    const said = new Set<number>();
    // Said in English: the English stop words around it («for my») go too, unless the catalog uses them.
    if (matches.some((match) => match.concept.language === 'en'))
      positions.forEach((index, p) => {
        if (concepts.englishStopWords.has(all[index]) && (!vocabulary || vocabulary.documents(all[index]) === 0)) said.add(p);
      });
    for (const match of matches) {
      const typed = match.positions.map((p) => all[positions[p]]).join(' ');
      // In Spanish the words she typed stay one of the group's phrases: a catalog that uses them
      // as written still matches every word (instead of falling back to any word).
      const own = match.concept.language === 'es' ? [match.positions.map((p) => all[positions[p]])] : [];
      conceptGroups.push(conceptGroup(match.concept.id, typed, [...match.concept.means, ...own]));
      // A Spanish concept stands instead of its words; English words stay when the catalog uses
      // them too (a Spanish word that happens to be English must keep its own matches).
      for (const p of match.positions) {
        const word = all[positions[p]];
        if (match.concept.language === 'es' || !vocabulary || vocabulary.documents(word) === 0) said.add(p);
      }
    }
    positions = positions.filter((_, p) => !said.has(p));
  }
  const beyondFiller = positions.filter((index) => !fillerPhraseAt.has(index));
  // «El Salvador» alone is what she looks for.
  if (beyondFiller.length > 0 || conceptGroups.length > 0) positions = beyondFiller;

  const tokens = positions.map((index) => all[index]);
  const originals = positions.map((index) => written[index]);
  const lastTyped = all[all.length - 1];
  const lastIndex = all.length - 1;
  const isLast = (index: number) => stillTyping && index === tokens.length - 1 && positions[index] === lastIndex && tokens[index] === lastTyped;

  // Misspelled words are corrected before phrases are looked up, so «partida de nacimieto» still
  // reaches the «partida de nacimiento» synonyms.
  const corrections = tokens.map((token, index) => correct(token, isLast(index), thesaurus, vocabulary));
  const words = corrections.map((c) => c.word);

  const groups: TermGroup[] = [...conceptGroups];
  for (let i = 0; i < words.length && groups.length < MAX_GROUPS;) {
    let matched = false;
    for (let size = Math.min(thesaurus.longest, words.length - i); size >= 2; size--) {
      const key = words.slice(i, i + size).join(' ');
      const alternatives = thesaurus.phrases.get(key);
      if (!alternatives) continue;
      groups.push({
        typed: tokens.slice(i, i + size).join(' '),
        exact: dedupe(alternatives.map((phrase) => ({ words: phrase, prefix: false }))),
        fuzzy: [],
        stems: [],
      });
      i += size;
      matched = true;
      break;
    }
    if (matched) continue;
    const prefix = isLast(i);
    const correction = corrections[i];
    const own: Alternative = { words: [words[i]], prefix };
    // A prefix the index completes in a few ways is searched as those words: FTS5 answers exact
    // words from its doclists directly, while a long prefix merges every matching term (4× slower).
    const completions = prefix && vocabulary && words[i].length >= 5 ? vocabulary.completions(words[i], 12) : null;
    const ownAlternatives: Alternative[] = completions && completions.length > 0 ? completions.map((word) => ({ words: [word], prefix: false })) : [own];
    // Another form of a word the synonyms know («saco» for «sacar») shares its synonyms.
    const stemKey = words[i].length >= 4 && !prefix ? thesaurus.byStem.get(spanishStem(originals[i])) : undefined;
    const synonyms = (thesaurus.phrases.get(words[i]) ?? (stemKey ? thesaurus.phrases.get(stemKey) : undefined) ?? []).map((phrase) => ({
      words: phrase,
      prefix: false,
    }));
    const exact = dedupe([...ownAlternatives, ...synonyms]);
    const fuzzy = correction.variants
      .filter((variant) => variant !== words[i])
      .slice(0, MAX_FUZZY)
      .map((variant) => ({ words: [variant], prefix: false }));
    // A corrected word is itself a typo match: it must not outrank words typed right.
    const action = thesaurus.expansionKeys.has(words[i]) || (stemKey !== undefined && thesaurus.expansionKeys.has(stemKey));
    const group: TermGroup =
      correction.word !== tokens[i]
        ? { typed: tokens[i], exact: synonyms.length > 0 ? dedupe(synonyms) : [], fuzzy: dedupe([...ownAlternatives, ...fuzzy]), stems: [] }
        : // A word many procedures use is searched as itself: its other forms would only widen the
          // matches (and the ranking's work) past what the person typed. Forms the catalog uses
          // rarely or never («divorciándome», «vacunaron») also go by their stems.
          {
            typed: tokens[i],
            exact,
            fuzzy,
            stems: (vocabulary?.documents(words[i]) ?? 0) >= STEMS_UNTIL_DOCUMENTS ? [] : wordStems(originals[i], prefix),
          };
    groups.push(action ? { ...group, action } : group);
    i += 1;
  }
  const corrected = corrections.some((c) => c.word !== c.typed) ? words.join(' ') : null;
  return { groups, corrected, intent };
}

/** A word in at least this many procedures is not also searched by its stem. */
const STEMS_UNTIL_DOCUMENTS = 20;

/** The stems of a word typed right: «divorciándome» also finds «divorcio». */
function wordStems(original: string, prefix: boolean): Alternative[] {
  // A word still being typed is stemmed only once long enough for its stem to mean something.
  if (original.length < (prefix ? MIN_STEMMED_LENGTH + 1 : MIN_STEMMED_LENGTH) || /^\d+$/.test(original)) return [];
  return spanishStemsOf(original).map((stem) => ({ words: [stem], prefix: false }));
}

/**
 * A concept's group: its catalog phrases as written. They are the catalog's own words (a test
 * checks each against the procedures it expects), so their stems would only widen the search.
 */
function conceptGroup(id: string, typed: string, means: Phrase[]): TermGroup {
  const exact = dedupe(means.map((phrase) => ({ words: phrase, prefix: false })));
  return { typed, exact, fuzzy: [], stems: [], concept: id };
}

interface Correction {
  typed: string;
  word: string;
  variants: string[];
}

function correct(token: string, prefix: boolean, thesaurus: Thesaurus, vocabulary: Vocabulary | null): Correction {
  const unchanged = { typed: token, word: token, variants: [] };
  if (!vocabulary || token.length < 4 || /^\d+$/.test(token)) return unchanged;
  if (vocabulary.documents(token) > 0) return unchanged;
  if (prefix && vocabulary.hasPrefix(token)) return unchanged;
  if (thesaurus.words.has(token)) return unchanged;
  // Another form of a catalog word («vacunaron», «becado») is found by its stem, not «corrected».
  if (!prefix && vocabulary.hasStem?.(spanishStemsOf(token))) return unchanged;
  const similar = vocabulary.similar(token, { asPrefix: prefix, limit: MAX_FUZZY + 1 }).map((s) => s.word);
  const variants = similar.length > 0 ? similar : vocabulary.soundsLike(token).slice(0, MAX_FUZZY);
  if (variants.length === 0) return unchanged;
  return { typed: token, word: variants[0], variants };
}

/**
 * Drops repeated alternatives, and phrases that contain a word the group already matches alone
 * («registro de marca» beside «marca»): they find nothing more and every extra phrase makes the
 * text score slower to compute for each match.
 */
function dedupe(alternatives: Alternative[]): Alternative[] {
  const seen = new Map<string, Alternative>();
  for (const alternative of alternatives) {
    const key = alternative.words.join(' ');
    const existing = seen.get(key);
    if (!existing) seen.set(key, alternative);
    else if (alternative.prefix) existing.prefix = true;
  }
  const single = new Set([...seen.values()].filter((a) => a.words.length === 1 && !a.prefix).map((a) => a.words[0]));
  return [...seen.values()].filter((a) => a.words.length === 1 || !a.words.some((word) => single.has(word)));
}

/**
 * The words a plan stands for, as one plain query for an engine without our planner (Meilisearch):
 * question words and filler dropped, concepts replaced by their catalog words, and a word the
 * catalog does not use replaced by its stem (which the documents' `stems` field holds).
 *
 * @example plainQuery(planQuery('¿cuánto cuesta el pasaporte?', thesaurus, vocabulary)) // 'pasaporte'
 */
export function plainQuery(plan: QueryPlan, vocabulary: Vocabulary | null): string {
  const out: string[] = [];
  for (const group of plan.groups) {
    if (group.concept) {
      out.push(...group.exact.flatMap((alternative) => alternative.words));
      continue;
    }
    const known = !vocabulary || group.typed.split(' ').every((word) => vocabulary.documents(word) > 0 || vocabulary.hasPrefix(word));
    out.push(known || group.stems.length === 0 ? group.typed : group.stems[0].words[0]);
  }
  return [...new Set(out)].join(' ');
}
