import type { BotChoice, BotMessage, BotState, StepContext, StepOutput } from '../engine/types.ts';
import { formatTrackingCode, normalizeTrackingCode } from '../../store/reports/tracking-code.ts';
import { showMenu } from './menu.ts';
import { at, fit, perform, picked, resultOf, say, str, textOf, type Flow, type InputEvent } from './shared.ts';

const FLOW = 'tracking';

const AFTER: BotChoice[] = [
  { value: 'tracking.reply', label: 'Responder' },
  { value: 'menu', label: 'Menú' },
];
const NO_WORD: BotChoice = { value: 'tracking.noword', label: 'No tengo palabra clave' };

/** «2026-12-01T10:00:00Z» → «01/12/2026» (no clock, no time zone: the date as stored). */
function dateOf(iso: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return match ? `${match[3]}/${match[2]}/${match[1]}` : fit(iso, 30);
}

const QUESTIONS: Record<string, (data: Record<string, unknown>) => BotMessage> = {
  code: () => say('Escriba el código de su caso. Lo recibió al presentar su reporte (por ejemplo: K7QM-2XDT-9RBH-4C).'),
  codeWord: () =>
    say('No encontré un caso con esos datos. Si eligió una palabra clave, escríbala. O escriba el código de nuevo.', [NO_WORD], { expectsSecret: true }),
  found: (data) => say('¿Qué desea hacer?', data.closed ? AFTER.slice(1) : AFTER),
  reply: () => say('Escriba su mensaje para el caso. Lo verá quien lo atiende.'),
  looking: () => say('Escriba el código de su caso de nuevo.'),
  replying: () => say('Escriba su mensaje de nuevo.'),
};

function ask(step: string, data: Record<string, unknown>, before: BotMessage[] = []): StepOutput {
  return { messages: [...before, QUESTIONS[step](data)], state: at(FLOW, step, data) };
}

function lookup(data: Record<string, unknown>): StepOutput {
  const code = str(data, 'code')!;
  const codeWord = str(data, 'codeWord');
  return perform(FLOW, 'looking', data, { type: 'lookupCase', code, ...(codeWord ? { codeWord } : {}) });
}

export const tracking: Flow = {
  name: FLOW,
  accountSteps: ['reply'],
  start: () => ask('code', {}),
  question: (state) => (QUESTIONS[state.step] ? [QUESTIONS[state.step](state.data)] : null),
  handle(state: BotState, event: InputEvent, _context: StepContext): StepOutput {
    const data = state.data;
    switch (state.step) {
      case 'code':
      case 'looking': {
        const result = resultOf(event, 'lookupCase');
        if (result) {
          if (!result.found) {
            // The same answer whether the code does not exist or the code word is missing or wrong:
            // a code alone reveals nothing of a case that has a code word (victim-safety rule 2).
            if (str(data, 'codeWord')) return ask('code', {}, [say('No encontramos un caso con ese código y esa palabra clave.')]);
            return ask('codeWord', data);
          }
          const update = result.lastUpdate ? fit(result.lastUpdate, 160) : 'todavía no hay novedades.';
          return ask('found', { ...data, closed: result.closed }, [
            say(fit(`Estado de su caso: ${result.status}\nActualizado: ${dateOf(result.updatedAt)}\nÚltima novedad: ${update}`, 300)),
          ]);
        }
        const text = textOf(event, 60);
        if (!text) return ask('code', data);
        const code = normalizeTrackingCode(text);
        if (!code) return ask('code', data, [say('Ese código no parece correcto. Revise las letras y los números.')]);
        return lookup({ code: formatTrackingCode(code) });
      }
      case 'codeWord': {
        if (picked(event, [NO_WORD]) === 'tracking.noword' && event.type === 'choice') {
          return ask('code', {}, [say('Entonces revise el código: no encontramos ese caso.')]);
        }
        const text = textOf(event, 60);
        if (!text) return ask('codeWord', data);
        const code = normalizeTrackingCode(text);
        if (code) return lookup({ code: formatTrackingCode(code) });
        return lookup({ ...data, codeWord: text });
      }
      case 'found': {
        const value = picked(event, data.closed ? AFTER.slice(1) : AFTER);
        if (value === 'tracking.reply') return ask('reply', data);
        if (value === 'menu') return showMenu();
        return ask('found', data, [say('Elija una opción.')]);
      }
      case 'reply':
      case 'replying': {
        const result = resultOf(event, 'replyToCase');
        if (result) {
          if (result.ok) return ask('found', data, [say('Enviamos su mensaje. Le avisaremos cuando haya respuesta, si pidió que la contacten.')]);
          return ask('found', data, [say(fit(`No pudimos enviar su mensaje${result.problem ? `: ${result.problem}` : '.'}`, 240))]);
        }
        const code = str(data, 'code');
        if (!code) return ask('code', {});
        const message = textOf(event);
        if (!message) return ask('reply', data);
        const codeWord = str(data, 'codeWord');
        return perform(FLOW, 'replying', data, { type: 'replyToCase', code, ...(codeWord ? { codeWord } : {}), message });
      }
    }
    return ask('code', {});
  },
};
