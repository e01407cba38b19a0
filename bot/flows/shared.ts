import type { BotChoice, BotEffect, BotEvent, BotMessage, BotState, EffectResult, StepContext, StepOutput } from '../engine/types.ts';
import { understand } from '../text/understand.ts';

/**
 * One conversation flow: plain functions over a small state object (STYLE rule 12). The engine
 * handles global words, danger, unsupported events and stale input before a flow sees an event.
 */
export interface Flow {
  name: string;
  /** Entering the flow from the menu. */
  start(context: StepContext): StepOutput;
  /** The current step's question again (after help, danger guidance or an unreadable event); null for an unknown step. */
  question(state: BotState, context: StepContext): BotMessage[] | null;
  /** A message, choice, location or matching resume at a known step. */
  handle(state: BotState, event: InputEvent, context: StepContext): StepOutput;
  /**
   * Steps that take her own account of what happened: an answer that trips the danger detector is
   * still kept there (after the 911 guidance), not thrown away.
   */
  accountSteps: readonly string[];
  /** Flows about violence open every message with a neutral first line (victim-safety rule 3). */
  sensitive?: boolean;
}

export type InputEvent = Exclude<BotEvent, { type: 'unsupported' }>;

/** The data key under which a state remembers which effect it waits for. */
export const PENDING = 'pending';

/** The choice offered where she is asked for safe hours. */
export const ANY_HOUR: BotChoice = { value: 'any', label: 'Cualquier hora' };

/** Her hours could not be read (bot/safe-hours.ts): asked again, with the forms that work. */
export const HOURS_NOT_UNDERSTOOD = 'No entendí esas horas. Escríbalas así: «de 8 a 12» o «de 2 a 5 de la tarde», o elija «Cualquier hora».';

export const YES_NO: BotChoice[] = [
  { value: 'yes', label: 'Sí' },
  { value: 'no', label: 'No' },
];

export function say(text: string, choices?: BotChoice[], extra: Partial<BotMessage> = {}): BotMessage {
  return { text, ...(choices ? { choices } : {}), ...extra };
}

/** A state at `step` of `flow`, with no effect pending. */
export function at(flow: string, step: string, data: Record<string, unknown>): BotState {
  const { [PENDING]: _pending, ...rest } = data;
  return { flow, step, data: rest };
}

/** Output that asks the runner for an effect and waits for its `resume`. */
export function perform(flow: string, step: string, data: Record<string, unknown>, effect: BotEffect, messages: BotMessage[] = []): StepOutput {
  return { messages, state: { flow, step, data: { ...data, [PENDING]: effect.type } }, effect };
}

export function pendingOf(state: BotState): string | null {
  const pending = state.data[PENDING];
  return typeof pending === 'string' ? pending : null;
}

/** What a choice step received: a value among `choices`, `unknown` (stale button), or null (not understood). */
export function picked(event: InputEvent, choices: readonly BotChoice[]): string | null {
  if (event.type === 'choice') return choices.some((choice) => choice.value === event.value) ? event.value : null;
  if (event.type === 'message') return understand(event.text, choices);
  return null;
}

/** The free text of a message event, trimmed and capped (a 4,096-character message is kept to 2,000). */
export function textOf(event: InputEvent, max = 2000): string | null {
  if (event.type !== 'message') return null;
  const text = event.text.trim().replace(/\s+/g, ' ');
  return text === '' ? null : text.slice(0, max);
}

export function resultOf<T extends EffectResult['type']>(event: InputEvent, type: T): Extract<EffectResult, { type: T }> | null {
  return event.type === 'resume' && event.result.type === type ? (event.result as Extract<EffectResult, { type: T }>) : null;
}

export function str(data: Record<string, unknown>, key: string): string | undefined {
  const value = data[key];
  return typeof value === 'string' ? value : undefined;
}

/** Fit a text into `max` characters, ending with «…» when cut. */
export function fit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** The choices after a report could not be filed: try again, or go back to the menu. */
export const RETRY: BotChoice[] = [
  { value: 'retry', label: 'Intentar de nuevo' },
  { value: 'menu', label: 'Menú' },
];

/** The «failed» step every report flow shares: `retry` files again, `menu` leaves, anything else asks again. */
export function retryOrMenu(
  event: InputEvent,
  actions: { retry: () => StepOutput; menu: () => StepOutput; again: (before: string) => StepOutput },
): StepOutput {
  const value = picked(event, RETRY);
  if (value === 'retry') return actions.retry();
  if (value === 'menu') return actions.menu();
  return actions.again('Elija una opción.');
}

export const NOT_UNDERSTOOD = 'No entendí su respuesta. Elija una opción o escriba su número.';
export const MENU_HINT = 'Escriba «menú» para volver al inicio.';
