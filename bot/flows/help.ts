import type { BotMessage } from '../engine/types.ts';
import { say } from './shared.ts';

/** What the bot does and the words that work anywhere. */
export function helpMessage(): BotMessage {
  return say(
    'Puedo ayudarle a reportar una emergencia, buscar trámites, ver su caso y presentar quejas o denuncias. ' +
      'Escriba «menú» para volver al inicio y «borrar» para borrar esta conversación. ' +
      'Si hay peligro ahora: 911. Línea 198: gratis, 24 horas, confidencial.',
  );
}
