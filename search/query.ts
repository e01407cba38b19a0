import { escapeHtml } from '../api/edge/html.ts';
/** Turning what a person typed into safe search terms. Raw text never reaches FTS5 MATCH. */

/** Longest query looked at; the rest is ignored (a pasted page is not a search). */
export const MAX_QUERY_CHARS = 200;

/** Lower case, accents removed, control characters dropped: «Pasaporte RENOVACIÓN» → «pasaporte renovacion». */
export function foldText(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .toLowerCase();
}

/** Markers an engine puts around matches; private-use characters never typed by people. */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';

/** Escapes text for HTML and turns the engine's markers into <mark> elements. */
export function markHighlight(text: string, open: string, close: string): string {
  const escaped = escapeHtml(text);
  return escaped.split(open).join('<mark>').split(close).join('</mark>');
}
