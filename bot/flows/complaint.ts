import type { BotChoice, BotEffect, BotMessage, BotState, StepContext, StepOutput } from '../engine/types.ts';
import { showMenu } from './menu.ts';
import { YES_NO, at, fit, perform, picked, resultOf, say, str, textOf, type Flow, type InputEvent, RETRY, retryOrMenu } from './shared.ts';

const FLOW = 'complaint';

const KINDS: BotChoice[] = [
  { value: 'complaint.kind.complaint', label: 'Queja por un mal servicio' },
  { value: 'complaint.kind.corruption', label: 'Corrupción (le pidieron dinero o favores)' },
  { value: 'complaint.kind.missing_requirement', label: 'Requisito no publicado' },
];
const KIND_OF: Record<string, 'complaint' | 'corruption' | 'missing_requirement'> = {
  'complaint.kind.complaint': 'complaint',
  'complaint.kind.corruption': 'corruption',
  'complaint.kind.missing_requirement': 'missing_requirement',
};
const NAME_OF: Record<string, string> = { complaint: 'queja', corruption: 'denuncia', missing_requirement: 'aviso' };
const SKIP: BotChoice = { value: 'skip', label: 'Omitir' };

const QUESTIONS: Record<string, (data: Record<string, unknown>) => BotMessage> = {
  kind: () => say('¿Qué quiere presentar?', KINDS),
  what: () => say('Cuéntenos qué pasó: cuándo, dónde y qué le pidieron o dijeron.'),
  where: () => say('¿En qué institución o trámite fue? Escríbalo, o elija «Omitir».', [SKIP]),
  contact: () => say('¿Quiere que le escribamos por aquí para darle seguimiento?', YES_NO),
  failed: () => say('¿Intentamos registrarla de nuevo?', RETRY),
  sending: () => say('¿Intentamos registrarla de nuevo?', RETRY),
};

function ask(step: string, data: Record<string, unknown>, before: BotMessage[] = []): StepOutput {
  return { messages: [...before, QUESTIONS[step](data)], state: at(FLOW, step, data) };
}

function report(data: Record<string, unknown>): BotEffect {
  const where = str(data, 'where');
  return {
    type: 'createReport',
    report: {
      kind: KIND_OF[str(data, 'kind') ?? ''] ?? 'complaint',
      description: where ? `${str(data, 'what') ?? ''}\nInstitución o trámite: ${where}` : (str(data, 'what') ?? ''),
      ...(data.contact === 'yes' ? { followUp: {} } : {}),
    },
  };
}

export const complaint: Flow = {
  name: FLOW,
  accountSteps: ['what'],
  start: () => ask('kind', {}),
  question: (state) => (QUESTIONS[state.step] ? [QUESTIONS[state.step](state.data)] : null),
  handle(state: BotState, event: InputEvent, _context: StepContext): StepOutput {
    const data = state.data;
    const again = (before: string) => ask(state.step, data, [say(before)]);
    switch (state.step) {
      case 'kind': {
        const value = picked(event, KINDS);
        return value ? ask('what', { ...data, kind: value }) : again('No entendí. Elija el número de una opción.');
      }
      case 'what': {
        const text = textOf(event);
        return text ? ask('where', { ...data, what: text }) : again('Escriba qué pasó, en pocas palabras.');
      }
      case 'where': {
        const skipped = picked(event, [SKIP]) === 'skip' && (event.type === 'choice' || (event.type === 'message' && event.text.trim().length < 12));
        if (skipped) return ask('contact', data);
        const text = textOf(event, 200);
        return text ? ask('contact', { ...data, where: text }) : again('Escriba la institución o elija «Omitir».');
      }
      case 'contact': {
        const value = picked(event, YES_NO);
        if (!value) return again('Responda «sí» o «no».');
        const next = { ...data, contact: value };
        return perform(FLOW, 'sending', next, report(next));
      }
      case 'sending': {
        const result = resultOf(event, 'createReport');
        if (!result) return ask('failed', data, [say('Aún no se registró.')]);
        if (!result.ok) return ask('failed', data, [say(fit(`No pudimos registrarla: ${result.problem}`, 240))]);
        const name = NAME_OF[KIND_OF[str(data, 'kind') ?? ''] ?? 'complaint'];
        return {
          messages: [
            say(`Recibimos su ${name}.\nCódigo: ${result.code}\nGuárdelo para ver el estado en «Seguimiento de mi caso».`),
            say(fit(`Plazo de respuesta: ${result.acknowledgeWithin}.`, 300)),
          ],
          state: null,
        };
      }
      case 'failed': {
        return retryOrMenu(event, { retry: () => perform(FLOW, 'sending', data, report(data)), menu: showMenu, again });
      }
    }
    return again('No entendí.');
  },
};
