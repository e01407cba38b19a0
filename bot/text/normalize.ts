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

/**
 * Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), stopping
 * early once it exceeds `max`: «emergensia» → «emergencia» is 1, «emegrencia» is 1 (a swap).
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous2: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, previous2[j - 2] + 1);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    previous2 = previous;
    previous = current;
  }
  return previous[b.length];
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
  return budget > 0 && editDistance(typed, expected, budget) <= budget;
}
