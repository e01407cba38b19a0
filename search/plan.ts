import { allowedTypos, type Vocabulary } from './fuzzy.ts';
import { foldText, MAX_QUERY_CHARS } from './query.ts';
import type { Phrase, Thesaurus } from './synonyms.ts';

/** One meaningful unit of a query: a word or a known phrase, with what may stand for it. */
export interface TermGroup {
  /** What the person typed for this unit, folded. */
  typed: string;
  /** The unit itself (corrected when misspelled) and its synonyms. */
  exact: Alternative[];
  /** Spelling variants within the typo budget. */
  fuzzy: Alternative[];
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
}

const MAX_GROUPS = 10;
const MAX_FUZZY = 4;

/**
 * Turns what a person typed into search units: folds case and accents, drops stop words, joins
 * known phrases («licencia de manejar»), adds synonyms and spelling variants. Only words made of
 * letters and digits survive, so nothing of the raw text can reach the engine as syntax.
 *
 * @example planQuery('sacar dui', thesaurus, vocabulary).groups.map((g) => g.typed) // ['sacar', 'dui']
 */
export function planQuery(raw: string, thesaurus: Thesaurus, vocabulary: Vocabulary | null): QueryPlan {
  const text = raw.slice(0, MAX_QUERY_CHARS);
  const stillTyping = text.length > 0 && !/\s$/.test(text);
  const all = foldText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
  const meaningful = all.filter((word) => !thesaurus.stopWords.has(word));
  const tokens = (meaningful.length > 0 ? meaningful : all).slice(0, MAX_GROUPS * 2);
  const lastTyped = all[all.length - 1];
  const isLast = (index: number) => stillTyping && index === tokens.length - 1 && tokens[index] === lastTyped;

  // Misspelled words are corrected before phrases are looked up, so «partida de nacimieto» still
  // reaches the «partida de nacimiento» synonyms.
  const corrections = tokens.map((token, index) => correct(token, isLast(index), thesaurus, vocabulary));
  const words = corrections.map((c) => c.word);

  const groups: TermGroup[] = [];
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
    const synonyms = (thesaurus.phrases.get(words[i]) ?? []).map((phrase) => ({ words: phrase, prefix: false }));
    const exact = dedupe([...ownAlternatives, ...synonyms]);
    const fuzzy = correction.variants
      .filter((variant) => variant !== words[i])
      .slice(0, MAX_FUZZY)
      .map((variant) => ({ words: [variant], prefix: false }));
    // A corrected word is itself a typo match: it must not outrank words typed right.
    if (correction.word !== tokens[i])
      groups.push({ typed: tokens[i], exact: synonyms.length > 0 ? dedupe(synonyms) : [], fuzzy: dedupe([...ownAlternatives, ...fuzzy]) });
    else groups.push({ typed: tokens[i], exact, fuzzy });
    i += 1;
  }
  const corrected = corrections.some((c) => c.word !== c.typed) ? words.join(' ') : null;
  return { groups, corrected };
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

/** FTS5 text of one alternative: quoted words; several words must stand close together. */
function alternativeExpression(alternative: Alternative): string {
  const quoted = alternative.words.map((word, index) => {
    const q = `"${word.replace(/"/g, '""')}"`;
    return alternative.prefix && index === alternative.words.length - 1 && word.length >= 2 ? `${q}*` : q;
  });
  return quoted.length === 1 ? quoted[0] : `NEAR(${quoted.join(' ')}, ${quoted.length + 3})`;
}

/** Any alternative of the group (exact, synonym or typo). */
export function groupExpression(group: TermGroup, include: 'all' | 'exact' = 'all'): string | null {
  const alternatives = include === 'all' ? [...group.exact, ...group.fuzzy] : group.exact;
  if (alternatives.length === 0) return null;
  return `(${alternatives.map(alternativeExpression).join(' OR ')})`;
}

/** Every group must match (`AND`) or any may (`OR`). */
export function planExpression(plan: QueryPlan, operator: 'AND' | 'OR'): string {
  return plan.groups.map((group) => groupExpression(group) as string).join(` ${operator} `);
}
