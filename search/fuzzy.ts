/**
 * Typo tolerance for the embedded engine, as Meilisearch does it by default: words of 5 to 8
 * letters may have 1 typo, words of 9 or more may have 2; a typo is an insertion, deletion,
 * substitution or swap of two neighbouring letters.
 */

/** How many typos a word of this length may carry. */
export function allowedTypos(word: string): number {
  const length = [...word].length;
  return length >= 9 ? 2 : length >= 5 ? 1 : 0;
}

/**
 * Optimal string alignment distance (Damerau–Levenshtein without repeated edits of one substring),
 * giving up as soon as it exceeds `max`. Returns max + 1 when over. The one implementation: the
 * bot's understanding, its danger detector and its place names use it too (bot/text/normalize.ts).
 *
 * @example editDistance('emegrencia', 'emergencia') // 1 (a swap)
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  let previous2 = new Array<number>(lb + 1).fill(0);
  let previous = Array.from({ length: lb + 1 }, (_, j) => j);
  let current = new Array<number>(lb + 1).fill(0);
  for (let i = 1; i <= la; i++) {
    current[0] = i;
    let rowMin = current[0];
    for (let j = 1; j <= lb; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
        value = Math.min(value, previous2[j - 2] + 1);
      }
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    [previous2, previous, current] = [previous, current, previous2];
  }
  return previous[lb] > max ? max + 1 : previous[lb];
}

/**
 * How a Spanish word sounds, for misspellings that are not typos but spelling by ear: «ll» and «y»,
 * «b» and «v», «s», «z» and soft «c», silent «h», «qu» and hard «c» («apostiya» → «apostilla»).
 */
export function soundKey(word: string): string {
  return word
    .replace(/h/g, '')
    .replace(/ll/g, 'y')
    .replace(/v/g, 'b')
    .replace(/c([ei])/g, 's$1')
    .replace(/z/g, 's')
    .replace(/qu([ei])/g, 'k$1')
    .replace(/c/g, 'k')
    .replace(/(.)\1+/g, '$1');
}

function trigrams(word: string): string[] {
  const padded = `  ${word} `;
  const grams: string[] = [];
  for (let i = 0; i + 3 <= padded.length; i++) grams.push(padded.slice(i, i + 3));
  return grams;
}

/**
 * The index's words, searchable by likeness. Candidates come from shared trigrams (k edits change at
 * most 3k of a word's trigrams), then the edit distance decides.
 */
export class Vocabulary {
  readonly #words: string[] = [];
  readonly #frequency: number[] = [];
  readonly #known = new Map<string, number>();
  readonly #byTrigram = new Map<string, number[]>();
  readonly #sorted: string[];
  readonly #bySound = new Map<string, number[]>();
  readonly #stems: Set<string>;

  /**
   * @param entries folded words with the number of procedures that use each
   * @param stems the index's Snowball stems (search/stems.ts), so another form of a known word is not «corrected»
   */
  constructor(entries: Iterable<[word: string, documents: number]>, stems: Iterable<string> = []) {
    this.#stems = new Set(stems);
    for (const [word, documents] of entries) {
      const id = this.#words.length;
      this.#words.push(word);
      this.#frequency.push(documents);
      this.#known.set(word, documents);
      if (word.length >= 4) {
        const key = soundKey(word);
        const same = this.#bySound.get(key);
        if (same) same.push(id);
        else this.#bySound.set(key, [id]);
      }
      if (allowedTypos(word) === 0 && word.length < 4) continue;
      for (const gram of new Set(trigrams(word))) {
        let list = this.#byTrigram.get(gram);
        if (!list) this.#byTrigram.set(gram, (list = []));
        list.push(id);
      }
    }
    this.#sorted = [...this.#words].sort();
  }

  /** Indexed words spelled differently but sounding the same, most used first. */
  soundsLike(word: string): string[] {
    return (this.#bySound.get(soundKey(word)) ?? [])
      .filter((id) => this.#words[id] !== word)
      .sort((a, b) => this.#frequency[b] - this.#frequency[a])
      .map((id) => this.#words[id]);
  }

  #firstAtOrAfter(prefix: string): number {
    let low = 0;
    let high = this.#sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#sorted[middle] < prefix) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Whether the index holds one of these stems (another form of a word it uses). */
  hasStem(stems: string[]): boolean {
    return stems.some((stem) => this.#stems.has(stem));
  }

  /** Whether some indexed word starts with `prefix`. */
  hasPrefix(prefix: string): boolean {
    const at = this.#firstAtOrAfter(prefix);
    return at < this.#sorted.length && this.#sorted[at].startsWith(prefix);
  }

  /**
   * The indexed words that start with `prefix`, or null when there are more than `limit` (then a
   * prefix query is cheaper than listing them).
   */
  completions(prefix: string, limit: number): string[] | null {
    const words: string[] = [];
    for (let at = this.#firstAtOrAfter(prefix); at < this.#sorted.length && this.#sorted[at].startsWith(prefix); at++) {
      if (words.length === limit) return null;
      words.push(this.#sorted[at]);
    }
    return words;
  }

  get size(): number {
    return this.#words.length;
  }

  /** How many procedures use this exact word (0 when none). */
  documents(word: string): number {
    return this.#known.get(word) ?? 0;
  }

  /**
   * Indexed words within the typo budget of `word`, closest and most used first.
   * With `asPrefix`, a word's beginning counts too (someone still typing «pasaprt» means «pasaporte»).
   */
  similar(word: string, options: { asPrefix?: boolean; limit?: number; maxTypos?: number } = {}): { word: string; distance: number }[] {
    const max = options.maxTypos ?? allowedTypos(word);
    if (max === 0) return [];
    const grams = [...new Set(trigrams(word))];
    const shared = new Map<number, number>();
    for (const gram of grams) {
      for (const id of this.#byTrigram.get(gram) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1);
    }
    // A prefix lacks the word-end trigram the full word has, hence one fewer for prefixes.
    const needed = Math.max(1, grams.length - 3 * max - (options.asPrefix ? 1 : 0));
    const found: { word: string; distance: number; documents: number }[] = [];
    for (const [id, count] of shared) {
      const candidate = this.#words[id];
      if (candidate === word) continue;
      if (count < needed) continue;
      let distance = editDistance(word, candidate, max);
      if (distance > max && options.asPrefix && candidate.length > word.length) {
        distance = editDistance(word, candidate.slice(0, word.length), max);
      }
      if (distance <= max) found.push({ word: candidate, distance, documents: this.#frequency[id] });
    }
    found.sort((a, b) => a.distance - b.distance || b.documents - a.documents);
    return found.slice(0, options.limit ?? 8).map(({ word: w, distance }) => ({ word: w, distance }));
  }
}
