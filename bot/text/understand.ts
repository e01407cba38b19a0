import { normalize, sameWord, words } from './normalize.ts';
import { GLOBAL_WORDS, GREETINGS, NO_WORDS, NUMBER_WORDS, STOP_WORDS, SYNONYMS, YES_WORDS } from './vocabulary.ts';

export interface Choosable {
  value: string;
  label: string;
}

/** «menú», «salir», «borrar», «ayuda» as the whole message, or null. */
export function globalCommand(text: string): 'menu' | 'forget' | 'help' | null {
  return GLOBAL_WORDS[normalize(text)] ?? null;
}

/** «3», «tres», «3.», «opción 3» → 3; anything else → null. */
export function numberIn(text: string): number | null {
  const folded = words(text).filter((word) => word !== 'opcion' && word !== 'numero' && word !== 'la' && word !== 'el');
  if (folded.length !== 1) return null;
  const [word] = folded;
  if (/^\d{1,2}$/.test(word)) return Number(word);
  return NUMBER_WORDS[word] ?? null;
}

/**
 * What `understand` needs of a label or synonym, folded once: labels and synonyms come from the UI
 * strings and the vocabulary (a few hundred), plus the titles of the procedures a search offered;
 * kept up to LABELS_KEPT, the oldest forgotten first.
 */
const LABELS_KEPT = 2000;
const folds = new Map<string, { folded: string; keywords: string[]; words: string[] }>();
function fold(label: string) {
  let entry = folds.get(label);
  if (entry === undefined) {
    const labelWords = words(label);
    entry = { folded: labelWords.join(' '), keywords: labelWords.filter((word) => !STOP_WORDS.has(word) && !/^\d+$/.test(word)), words: labelWords };
    if (folds.size >= LABELS_KEPT) folds.delete(folds.keys().next().value as string);
    folds.set(label, entry);
  }
  return entry;
}

function phraseIn(typed: string[], phrase: string): boolean {
  const target = fold(phrase).words;
  if (target.length === 0) return false;
  for (let at = 0; at + target.length <= typed.length; at++) {
    let all = true;
    for (let k = 0; all && k < target.length; k++) all = sameWord(typed[at + k], target[k]);
    if (all) return true;
  }
  return false;
}

/**
 * Which of a step's choices a free text means, or null when none or more than one fits: the number
 * shown («1», «uno»), the label's words («emerjencia» → Emergencia; accents, case and small typos
 * ignored) or a synonym from the vocabulary («denuncia» → the complaint choice).
 *
 * @example understand('emerjencia', [{ value: 'menu.emergency', label: 'Emergencia' }]) // 'menu.emergency'
 */
export function understand(text: string, choices: readonly Choosable[]): string | null {
  const number = numberIn(text);
  if (number !== null) return choices[number - 1]?.value ?? null;
  const typed = words(text);
  if (typed.length === 0) return null;
  const folded = typed.join(' ');
  // A whole label or synonym typed exactly wins outright.
  const exact = choices.filter((choice) => fold(choice.label).folded === folded || (SYNONYMS[choice.value] ?? []).includes(folded));
  if (exact.length === 1) return exact[0].value;
  let best: string | null = null;
  let bestScore = 0;
  let tie = false;
  for (const choice of choices) {
    const keywords = fold(choice.label).keywords;
    let score = 0;
    for (const keyword of keywords) if (typed.some((word) => !STOP_WORDS.has(word) && sameWord(word, keyword))) score += 1;
    for (const synonym of SYNONYMS[choice.value] ?? []) if (phraseIn(typed, synonym)) score += synonym.includes(' ') ? 2 : 1;
    if (score > bestScore) {
      best = choice.value;
      bestScore = score;
      tie = false;
    } else if (score === bestScore && score > 0) tie = true;
  }
  return tie ? null : best;
}

/** «sí», «si», «claro», «simón» → 'yes'; «no», «nel» → 'no'; otherwise null. */
export function yesNo(text: string): 'yes' | 'no' | null {
  const folded = normalize(text);
  if (NO_WORDS.includes(folded) || folded.startsWith('no ')) return 'no';
  if (YES_WORDS.includes(folded) || YES_WORDS.some((word) => folded.startsWith(`${word} `))) return 'yes';
  return null;
}

/** Whether a text is only a greeting or small talk («hola, buenas tardes»). */
export function isGreeting(text: string): boolean {
  const typed = words(text);
  return typed.length === 0 || typed.every((word) => GREETINGS.some((greeting) => greeting.split(' ').includes(word)) || STOP_WORDS.has(word));
}
