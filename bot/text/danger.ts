import { IMMEDIATE, VIOLENCE, type DangerPattern } from './danger-phrases.ts';
import { normalize, withinOneEdit } from './normalize.ts';

export type DangerLevel = 'immediate' | 'violence';

export interface DangerResult {
  /** `immediate`: call 911 now; `violence`: the 198 line; null: nothing detected. */
  level: DangerLevel | null;
  /** The folded words that matched, for logs and tests (never stored with a case). */
  matched: string | null;
}

interface Slot {
  alternatives: string[][];
  optional: boolean;
}

function compile(pattern: string): Slot[] {
  const slots: Slot[] = [];
  for (const raw of pattern.split(' ')) {
    const optional = raw.endsWith('?');
    const body = optional ? raw.slice(0, -1) : raw;
    slots.push({ alternatives: body.split('|').map((word) => [word]), optional });
  }
  return slots;
}

function wordMatches(typed: string, expected: string): boolean {
  if (typed === expected) return true;
  if (expected.length < 6 || typed.length < 5) return false;
  return withinOneEdit(typed, expected);
}

function matchAt(words: string[], at: number, slots: Slot[], slot: number): number | null {
  if (slot === slots.length) return at;
  const { alternatives, optional } = slots[slot];
  for (const alternative of alternatives) {
    // Plain loops: this runs for every word of every message and search, against every pattern.
    let all = at + alternative.length <= words.length;
    for (let k = 0; all && k < alternative.length; k++) all = wordMatches(words[at + k], alternative[k]);
    if (all) {
      const end = matchAt(words, at + alternative.length, slots, slot + 1);
      if (end !== null) return end;
    }
  }
  return optional ? matchAt(words, at, slots, slot + 1) : null;
}

interface Compiled {
  slots: Slot[];
  unless: string[];
}
/** `unless` phrases are kept padded with spaces, to be found as whole words in the padded text. */
const compiled = (patterns: DangerPattern[]): Compiled[] =>
  patterns.map(({ pattern, unless }) => ({ slots: compile(pattern), unless: (unless ?? []).map((phrase) => ` ${phrase} `) }));
const IMMEDIATE_COMPILED = compiled(IMMEDIATE);
const VIOLENCE_COMPILED = compiled(VIOLENCE);

function find(words: string[], padded: string, patterns: Compiled[]): string | null {
  for (const { slots, unless } of patterns) {
    if (unless.some((phrase) => padded.includes(phrase))) continue;
    for (let at = 0; at < words.length; at++) {
      const end = matchAt(words, at, slots, 0);
      if (end !== null && end > at) return words.slice(at, end).join(' ');
    }
  }
  return null;
}

/**
 * The one danger detector, shared by the bot (at every step) and the site's search: is this text
 * someone in danger now, or someone living with violence? Plain function, no bot dependencies.
 *
 * @example detectDanger('ayuda me están golpeando') // { level: 'immediate', matched: 'me estan golpeando' }
 * @example detectDanger('mi esposo me golpea') // { level: 'violence', matched: 'me golpea' }
 * @example detectDanger('golpe de calor') // { level: null, matched: null }
 */
export function detectDanger(text: string): DangerResult {
  // Long messages are scanned in full but capped, so a 4,096-character message costs the same.
  const folded = normalize(text.slice(0, 5000));
  if (folded === '') return { level: null, matched: null };
  const words = folded.split(' ');
  const padded = ` ${folded} `;
  const immediate = find(words, padded, IMMEDIATE_COMPILED);
  if (immediate) return { level: 'immediate', matched: immediate };
  const violence = find(words, padded, VIOLENCE_COMPILED);
  if (violence) return { level: 'violence', matched: violence };
  return { level: null, matched: null };
}
