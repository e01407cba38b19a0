import type { BotChoice, BotMessage, StepOutput } from '../engine/types.ts';
import { say } from './shared.ts';

export const MENU_CHOICES: BotChoice[] = [
  { value: 'menu.emergency', label: 'Emergencia' },
  { value: 'menu.line198', label: 'Línea 198' },
  { value: 'menu.search', label: 'Buscar un trámite' },
  { value: 'menu.tracking', label: 'Seguimiento de mi caso' },
  { value: 'menu.complaint', label: 'Presentar una queja o denuncia' },
  { value: 'menu.help', label: 'Ayuda' },
];

/** Which flow each menu choice starts. */
export const MENU_TARGETS: Record<string, string> = {
  'menu.emergency': 'emergency',
  'menu.line198': 'line198',
  'menu.search': 'search',
  'menu.tracking': 'tracking',
  'menu.complaint': 'complaint',
  'menu.help': 'help',
};

export function menuMessage(intro = 'Hola. ¿En qué le puedo ayudar?'): BotMessage {
  return say(`${intro}\nElija una opción o escriba su número. Si hay peligro ahora, llame al 911.`, MENU_CHOICES);
}

/** The start menu, with optional messages before it. */
export function showMenu(before: BotMessage[] = [], intro?: string): StepOutput {
  return { messages: [...before, menuMessage(intro)], state: { flow: 'menu', step: 'choose', data: {} } };
}
