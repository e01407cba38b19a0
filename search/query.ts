/** Turning what a person typed into safe search terms. Raw text never reaches FTS5 MATCH. */

/** Longest query looked at; the rest is ignored (a pasted page is not a search). */
export const MAX_QUERY_CHARS = 200;
const MAX_TERMS = 12;

// Words that carry no meaning for finding a procedure.
const STOP_WORDS = new Set(
  'a al como con de del el en es la las lo los me mi mis o para por que se su sus un una unos unas y ya quiero necesito hacer como donde'.split(' '),
);

/** Lower case, accents removed, control characters dropped: «Pasaporte RENOVACIÓN» → «pasaporte renovacion». */
export function foldText(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .toLowerCase();
}

/**
 * The words of a query, folded, without stop words, at most 12. The last word of the text is marked
 * as a prefix when the text does not end in a space (the person is still typing it).
 */
export function queryTerms(raw: string): { terms: string[]; lastIsPrefix: boolean } {
  const text = foldText(raw.slice(0, MAX_QUERY_CHARS));
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  const meaningful = words.filter((word) => !STOP_WORDS.has(word));
  const terms = (meaningful.length > 0 ? meaningful : words).slice(0, MAX_TERMS);
  return { terms, lastIsPrefix: terms.length > 0 && !/\s$/.test(raw.slice(0, MAX_QUERY_CHARS)) };
}

/**
 * An FTS5 MATCH expression built only from quoted terms, so no user text is read as FTS5 syntax.
 *
 * @example ftsExpression(['pasaporte', 'ren'], true, 'AND') // '"pasaporte" AND "ren"*'
 */
export function ftsExpression(terms: string[], lastIsPrefix: boolean, operator: 'AND' | 'OR'): string {
  return terms
    .map((term, index) => {
      const quoted = `"${term.replace(/"/g, '""')}"`;
      return index === terms.length - 1 && lastIsPrefix && term.length >= 2 ? `${quoted}*` : quoted;
    })
    .join(` ${operator} `);
}

/** Escapes text for HTML and turns the engine's markers into <mark> elements. */
export function markHighlight(text: string, open: string, close: string): string {
  const escaped = text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
  return escaped.split(open).join('<mark>').split(close).join('</mark>');
}
