import { safeHoursWindow } from '../safe-hours.ts';
import type { BotChoice, BotEffect, BotMessage, BotState, StepContext, StepOutput } from '../engine/types.ts';
import { showMenu } from './menu.ts';
import {
  ANY_HOUR,
  HOURS_NOT_UNDERSTOOD,
  YES_NO,
  at,
  fit,
  perform,
  picked,
  resultOf,
  say,
  str,
  textOf,
  type Flow,
  type InputEvent,
  RETRY,
  retryOrMenu,
} from './shared.ts';

const FLOW = 'line198';

/**
 * Every message of this flow opens with a neutral line: a lock screen shows only the first line,
 * and the phone may be read by the person who hurts her (victim-safety rules 2 and 3).
 */
export const NEUTRAL_FIRST_LINE = 'Información';

function neutral(text: string, choices?: BotChoice[]): BotMessage {
  return say(`${NEUTRAL_FIRST_LINE}\n${text}`, choices);
}

const SHARED: BotChoice[] = [
  { value: 'yes', label: 'Sí' },
  { value: 'no', label: 'No' },
  { value: 'unsure', label: 'No sé' },
];
const OPTIONS: BotChoice[] = [
  { value: 'line198.option.callback', label: 'Que me contacten por aquí' },
  { value: 'line198.option.operator', label: 'Escribir con una persona' },
  { value: 'line198.option.protection', label: 'Medidas de protección' },
  { value: 'line198.option.support', label: 'Apoyo psicológico' },
  { value: 'line198.option.call', label: 'Cómo llamar al 198' },
  { value: 'menu', label: 'Menú' },
];
const PAUSED: BotChoice[] = [
  { value: 'continue', label: 'Ya puedo escribir' },
  { value: 'menu', label: 'Menú' },
];
const SKIP: BotChoice = { value: 'skip', label: 'Omitir' };

const CALL_198 = 'Puede llamar al 198: es gratis, atiende 24 horas, es confidencial y no necesita saldo.';
const ERASE = 'Para borrar esta conversación, escriba «borrar».';
const RELAY_HINT = 'Escriba aquí su mensaje para la operadora. Para salir, escriba «menú».';
/** «menú» in the relay: she leaves it, and can come back to her case with «Seguimiento». */
export const RELAY_LEFT = 'Salió de la conversación. Para volver a escribir, elija «Seguimiento» con su código y su palabra clave.';

const QUESTIONS: Record<string, (data: Record<string, unknown>) => BotMessage> = {
  safe: () => say('Gracias por escribir.\n¿Es seguro escribir ahora?', YES_NO),
  shared: () => neutral('¿Alguien más puede leer este teléfono?', SHARED),
  paused: () => neutral(`Cuando sea seguro, elija «Ya puedo escribir». ${CALL_198} ${ERASE}`, PAUSED),
  options: () =>
    neutral(
      'La línea 198 ayuda a poner una denuncia, pedir medidas de protección y recibir apoyo psicológico. Es gratis y confidencial. ¿Qué necesita?',
      OPTIONS,
    ),
  operator: () =>
    neutral(
      'Crearemos un caso y podrá escribir aquí con una operadora: ella lee sus mensajes y le responde por aquí, en el horario que elija. Puede tardar un poco. ¿Seguimos?',
      YES_NO,
    ),
  hours: () => neutral('¿A qué horas es seguro escribirle? Por ejemplo: «lunes a viernes de 9 a 11».', [ANY_HOUR]),
  leaveMessage: () => neutral('Si no responde, ¿podemos dejarle un mensaje?', YES_NO),
  // Her answer is secret: the web chat keeps it out of the transcript.
  codeWord: () => ({
    ...neutral('Elija una palabra clave que solo usted sepa (no su nombre). La necesitará para seguir su caso. Escríbala ahora.'),
    expectsSecret: true,
  }),
  summary: () => neutral('Si quiere, cuente en pocas palabras qué pasa. O elija «Omitir».', [SKIP]),
  failed: () => neutral('¿Intentamos registrar su pedido de nuevo?', RETRY),
  sending: () => neutral('¿Intentamos registrar su pedido de nuevo?', RETRY),
  relay: () => neutral(RELAY_HINT),
  relaySending: () => neutral(RELAY_HINT),
};

function ask(step: string, data: Record<string, unknown>, before: BotMessage[] = []): StepOutput {
  return { messages: [...before, QUESTIONS[step](data)], state: at(FLOW, step, data) };
}

function report(data: Record<string, unknown>): BotEffect {
  const asked = data.operator ? 'Pide escribir con una operadora.' : 'Pide que la contacten.';
  const told = str(data, 'summary');
  return {
    type: 'createReport',
    report: {
      kind: 'violence',
      description: told ? `${asked} ${told}` : asked,
      followUp: {
        safeHours: str(data, 'hours') ?? 'cualquier hora',
        mayLeaveMessage: data.leaveMessage === 'yes',
        ...(data.operator ? { relay: true } : {}),
      },
      codeWord: str(data, 'codeWord'),
    },
  };
}

export const line198: Flow = {
  name: FLOW,
  sensitive: true,
  // In the relay every message is hers to pass on: danger words bring 911 first, and it is still relayed.
  accountSteps: ['summary', 'relay'],
  start: () => ask('safe', {}),
  question: (state) => (QUESTIONS[state.step] ? [QUESTIONS[state.step](state.data)] : null),
  handle(state: BotState, event: InputEvent, context: StepContext): StepOutput {
    const data = state.data;
    const again = (before: string) => ask(state.step, data, [neutral(before)]);
    switch (state.step) {
      case 'safe': {
        const value = picked(event, YES_NO);
        if (value === 'yes') return ask('shared', data);
        if (value === 'no') return ask('paused', data);
        return again('Responda «sí» o «no».');
      }
      case 'paused': {
        const value = picked(event, PAUSED);
        if (value === 'continue') return ask('shared', data);
        if (value === 'menu') return showMenu();
        return again('Elija una opción cuando pueda.');
      }
      case 'shared': {
        const value = picked(event, SHARED);
        if (value === 'no') return ask('options', { ...data, shared: false });
        // Someone else may read this phone: the safer ways first, and never a push to go on.
        if (value === 'yes' || value === 'unsure')
          return ask('options', { ...data, shared: true }, [
            neutral(`Lo más seguro: llamar al 198. ${CALL_198.replace('Puede llamar al 198: es', 'Es')} ${ERASE}`),
          ]);
        return again('Elija una opción.');
      }
      case 'options': {
        const value = picked(event, OPTIONS);
        switch (value) {
          case 'line198.option.callback':
            return ask('hours', { ...data, operator: false });
          case 'line198.option.operator':
            return ask('operator', data);
          case 'line198.option.protection':
            return ask('options', data, [
              neutral(
                'Las medidas de protección son órdenes de un juzgado para que una persona no se le acerque ni la busque. Puede pedirlas en la PNC, la Fiscalía, un juzgado de paz o llamando al 198. Son gratis.',
              ),
            ]);
          case 'line198.option.support':
            return ask('options', data, [
              neutral('El apoyo psicológico es gratis y confidencial, y no necesita poner una denuncia para recibirlo. Llame al 198 o visite Ciudad Mujer.'),
            ]);
          case 'line198.option.call':
            return ask('options', data, [neutral(`Marque 198 desde cualquier teléfono. ${CALL_198.replace('Puede llamar al 198: es', 'Es')} ${ERASE}`)]);
          case 'menu':
            return showMenu();
        }
        return again('Elija una opción o escriba su número.');
      }
      case 'operator': {
        const value = picked(event, YES_NO);
        if (value === 'yes') return ask('hours', { ...data, operator: true });
        if (value === 'no') return ask('options', data, [neutral('Entendido.')]);
        return again('Responda «sí» o «no».');
      }
      case 'hours': {
        const hours = picked(event, [ANY_HOUR]) === 'any' ? 'cualquier hora' : textOf(event, 120);
        if (!hours) return again('Escriba las horas o elija una opción.');
        // Hours that cannot be read would keep no contact at all: ask again rather than lose her call back.
        if (safeHoursWindow(hours) === null) return again(HOURS_NOT_UNDERSTOOD);
        return ask('leaveMessage', { ...data, hours });
      }
      case 'leaveMessage': {
        const value = picked(event, YES_NO);
        return value ? ask('codeWord', { ...data, leaveMessage: value }) : again('Responda «sí» o «no».');
      }
      case 'codeWord': {
        const word = textOf(event, 41);
        if (!word || word.length < 3 || word.length > 40) return again('La palabra clave debe tener entre 3 y 40 letras.');
        return ask('summary', { ...data, codeWord: word });
      }
      case 'summary': {
        const skipped = picked(event, [SKIP]) === 'skip' && (event.type === 'choice' || (event.type === 'message' && event.text.trim().length < 12));
        const summary = skipped ? undefined : textOf(event);
        if (!skipped && !summary) return again('Escriba en pocas palabras o elija «Omitir».');
        const next = summary ? { ...data, summary } : data;
        return perform(FLOW, 'sending', next, report(next));
      }
      case 'sending': {
        const result = resultOf(event, 'createReport');
        if (!result) return ask('failed', data, [neutral('Su pedido aún no se registró.')]);
        if (!result.ok) return ask('failed', data, [neutral(fit(`No pudimos registrar su pedido: ${result.problem}`, 240))]);
        if (data.operator) {
          // The live conversation: only what the relay needs is kept (code and code word).
          return {
            messages: [
              neutral(`Listo. Su código es ${result.code}. Guárdelo con su palabra clave.`),
              neutral(
                fit(
                  context.channel === 'web'
                    ? `Escriba aquí lo que quiera decir: una operadora lo lee, y su respuesta aparecerá aquí cuando vuelva a abrir esta página. Si hay peligro, llame al 911. ${ERASE}`
                    : `Escriba aquí lo que quiera decir: una operadora lo lee y le responde por aquí. Si hay peligro, llame al 911. ${ERASE}`,
                  280,
                ),
              ),
            ],
            state: at(FLOW, 'relay', { code: result.code, codeWord: str(data, 'codeWord') }),
          };
        }
        const who = 'Le escribiremos';
        return {
          messages: [
            neutral(`Listo. Su código es ${result.code}. Guárdelo con su palabra clave.`),
            neutral(fit(`${who} por aquí en el horario que eligió (plazo: ${result.acknowledgeWithin}). Si hay peligro, llame al 911. ${ERASE}`, 280)),
          ],
          state: null,
        };
      }
      case 'relay': {
        const message = textOf(event);
        if (!message) return again('Escriba su mensaje.');
        const code = str(data, 'code');
        if (!code) return showMenu();
        return perform(FLOW, 'relaySending', data, { type: 'replyToCase', code, codeWord: str(data, 'codeWord'), message });
      }
      case 'relaySending': {
        const result = resultOf(event, 'replyToCase');
        const back = at(FLOW, 'relay', data);
        if (!result) return { messages: [neutral('Su mensaje aún no se envió. Escríbalo de nuevo.')], state: back };
        if (!result.ok) return { messages: [neutral(fit(`No se pudo enviar: ${result.problem ?? 'intente de nuevo'}`, 240))], state: back };
        // The first time a short acknowledgement; after that only «✓» (a reply must not be empty).
        if (data.relayed) return { messages: [say('✓')], state: back };
        return { messages: [neutral('Enviado. Una persona le responderá aquí.')], state: at(FLOW, 'relay', { ...data, relayed: true }) };
      }
      case 'failed': {
        return retryOrMenu(event, { retry: () => perform(FLOW, 'sending', data, report(data)), menu: showMenu, again });
      }
    }
    return again('No entendí.');
  },
};
