import { complaint } from '../flows/complaint.ts';
import { emergency } from '../flows/emergency.ts';
import { helpMessage } from '../flows/help.ts';
import { line198, NEUTRAL_FIRST_LINE, RELAY_LEFT } from '../flows/line198.ts';
import { MENU_CHOICES, MENU_TARGETS, menuMessage, showMenu } from '../flows/menu.ts';
import { searchFlow, searchFromMenu } from '../flows/search.ts';
import { pendingOf, picked, say, type Flow, type InputEvent } from '../flows/shared.ts';
import { tracking } from '../flows/tracking.ts';
import { detectDanger } from '../text/danger.ts';
import { normalize, words } from '../text/normalize.ts';
import { globalCommand, isGreeting } from '../text/understand.ts';
import type { BotChannel, BotEvent, BotMessage, BotState, Step, StepContext, StepOutput } from './types.ts';

const FLOWS: Record<string, Flow> = Object.fromEntries([emergency, line198, searchFlow, tracking, complaint].map((flow) => [flow.name, flow]));

/** Immediate danger: 911 first, then 198 for violence (victim-safety rule 1). Neutral first line. */
export function emergencyGuidance(): BotMessage {
  return say(
    'Si está en peligro ahora, llame al 911.\nSi es violencia contra una mujer, también puede llamar al 198: gratis, 24 horas, confidencial y sin saldo. Si puede, vaya a un lugar seguro.',
  );
}

/** Violence that may not be immediate (the site's search shows the same help). */
function violenceHelp(): StepOutput {
  return {
    messages: [
      say('Información\nLa línea 198 le escucha y le ayuda: gratis, 24 horas, confidencial y sin saldo. Si hay peligro ahora, llame al 911.', [
        { value: 'menu.line198', label: 'Línea 198' },
        { value: 'menu.emergency', label: 'Emergencia' },
        { value: 'menu.search', label: 'Buscar un trámite' },
      ]),
    ],
    state: { flow: 'menu', step: 'choose', data: {} },
  };
}

function violencePointer(): BotMessage {
  return say('Información\nSi vive violencia, la línea 198 le ayuda: gratis, 24 horas, confidencial y sin saldo. Escriba «menú» y elija «Línea 198».');
}

function goodbye(channel: BotChannel): BotMessage {
  const rest: Record<BotChannel, string> = {
    telegram: 'También borramos los mensajes de este chat que Telegram nos deja borrar (los de las últimas 48 horas). Lo demás, bórrelo desde su teléfono.',
    sms: 'Los mensajes que están en su teléfono no los podemos borrar: borre esta conversación en su aplicación de mensajes.',
    web: 'Cierre esta pestaña. El historial del navegador no lo podemos borrar: bórrelo desde el menú del navegador.',
  };
  return say(`Listo. Borramos lo que guardamos de esta conversación.\n${rest[channel]}`);
}

/** The current step's question, or null when the state is not one this version knows. */
function questionOf(state: BotState | null, context: StepContext): BotMessage[] | null {
  if (!state || state.flow === 'menu') return [menuMessage()];
  const flow = FLOWS[state.flow];
  try {
    return flow ? flow.question(state, context) : null;
  } catch {
    return null;
  }
}

function startFlow(target: string, context: StepContext, before: BotMessage[] = []): StepOutput {
  if (target === 'help') return showMenu([...before, helpMessage()], '¿Qué desea hacer?');
  const output = FLOWS[target].start(context);
  return { ...output, messages: [...before, ...output.messages] };
}

function lost(intro: string): StepOutput {
  return showMenu([say(intro)], 'Volvamos al inicio.');
}

function validState(state: BotState | null): state is BotState {
  return (
    state !== null &&
    typeof state === 'object' &&
    typeof state.flow === 'string' &&
    typeof state.step === 'string' &&
    state.data !== null &&
    typeof state.data === 'object' &&
    !Array.isArray(state.data)
  );
}

function route(state: BotState | null, event: InputEvent, context: StepContext): StepOutput {
  if (event.type === 'resume') {
    const pending = state ? pendingOf(state) : null;
    if (event.result.type === 'forget' && pending === 'forget') return { messages: [goodbye(context.channel)], state: null };
    // A result for something this conversation did not ask for (a replay, a state from before a
    // restart): never act on it.
    if (!state || pending !== event.result.type) return lost('Se perdió el hilo de la conversación.');
  }
  if (!state || state.flow === 'menu') {
    const value = picked(event, MENU_CHOICES);
    // «quiero sacar el dui» reads as the search choice: search it at once instead of asking again.
    if (value === 'menu.search' && event.type === 'message' && words(event.text).length >= 2 && !/\b(buscar|tramites?)\b/.test(normalize(event.text))) {
      return searchFromMenu(event.text);
    }
    if (value) return startFlow(MENU_TARGETS[value], context);
    if (event.type === 'choice') return lost('Esa opción ya no está disponible.');
    if (event.type === 'message' && detectDanger(event.text).level === 'violence') return violenceHelp();
    // Two or more words that are not a greeting: most people just write what they need.
    if (event.type === 'message' && words(event.text).length >= 2 && !isGreeting(event.text)) return searchFromMenu(event.text);
    return showMenu(state ? [say('No entendí su respuesta.')] : []);
  }
  const flow = FLOWS[state.flow];
  const question = questionOf(state, context);
  if (!flow || !question) return lost('Esta conversación empezó con una versión anterior.');
  if (event.type === 'choice') {
    const shown = question.flatMap((message) => message.choices ?? []);
    if (!shown.some((choice) => choice.value === event.value)) return lost('Esa opción ya no está disponible.');
  }
  if (event.type === 'message' && flow.name === 'search' && !pendingOf(state) && detectDanger(event.text).level === 'violence') return violenceHelp();
  return flow.handle(state, event, context);
}

function guarded(state: BotState | null, event: InputEvent, context: StepContext): StepOutput {
  try {
    return route(state, event, context);
  } catch {
    // A flow bug must not leave her without an answer: the menu, and 911 in it.
    return lost('Algo salió mal de nuestro lado.');
  }
}

/**
 * The conversation engine: pure, synchronous, deterministic. Global words («menú», «salir»,
 * «borrar», «ayuda») work at any step; words of immediate danger bring 911 first at any step and
 * keep her place; anything unreadable gets the current question again; nothing throws.
 *
 * @example step(null, { type: 'message', text: 'hola' }, { channel: 'sms', now: '2026-12-01T12:00:00Z' }).messages[0].choices
 */
export const step: Step = (rawState, event, context) => {
  try {
    return respond(rawState, event, context);
  } catch {
    return lost('Algo salió mal de nuestro lado.');
  }
};

function respond(rawState: BotState | null, event: BotEvent, context: StepContext): StepOutput {
  const state = validState(rawState) ? rawState : null;
  if (rawState && !state) return lost('Esta conversación empezó con una versión anterior.');
  if (event.type === 'unsupported') {
    const question = questionOf(state, context) ?? [menuMessage()];
    return {
      messages: [say('Por ahora solo puedo leer texto. Escriba su respuesta, por favor.'), ...question],
      state: questionOf(state, context) ? state : { flow: 'menu', step: 'choose', data: {} },
    };
  }
  if (event.type === 'message') {
    const command = globalCommand(event.text);
    if (command === 'forget') return { messages: [], state: { flow: 'forget', step: 'wait', data: { pending: 'forget' } }, effect: { type: 'forget' } };
    if (command === 'menu') {
      const relaying = state?.flow === 'line198' && (state.step === 'relay' || state.step === 'relaySending');
      return showMenu(relaying ? [say(`${NEUTRAL_FIRST_LINE}\n${RELAY_LEFT}`)] : []);
    }
    if (command === 'help') {
      const question = questionOf(state, context);
      if (!state || state.flow === 'menu' || !question) return showMenu([helpMessage()], '¿Qué desea hacer?');
      return { messages: [helpMessage(), ...question], state };
    }
    const danger = detectDanger(event.text);
    if (danger.level === 'immediate') {
      const flow = state ? FLOWS[state.flow] : undefined;
      // In a step that asks for her own words (a description), keep them and go on; elsewhere the
      // guidance and the same question again, so she can continue where she was.
      if (flow && state && flow.accountSteps.includes(state.step) && questionOf(state, context)) {
        const output = guarded(state, event, context);
        return { ...output, messages: [emergencyGuidance(), ...output.messages] };
      }
      const question = questionOf(state, context);
      if (!question) return showMenu([emergencyGuidance()]);
      return { messages: [emergencyGuidance(), ...question], state: state ?? { flow: 'menu', step: 'choose', data: {} } };
    }
  }
  if (state?.flow === 'forget') {
    if (event.type === 'resume' && event.result.type === 'forget') return { messages: [goodbye(context.channel)], state: null };
    return guarded(null, event, context);
  }
  const output = guarded(state, event, context);
  if (
    event.type === 'message' &&
    state &&
    FLOWS[state.flow] &&
    state.flow !== 'line198' &&
    state.flow !== 'search' &&
    detectDanger(event.text).level === 'violence'
  ) {
    // Violence mentioned inside another flow: point to the 198 without taking her answer away.
    return { ...output, messages: [violencePointer(), ...output.messages] };
  }
  return output.messages.length > 0 || output.effect ? output : showMenu();
}
