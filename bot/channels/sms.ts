import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { SegmentedMessage } from 'sms-segments-calculator';
import type { Store } from '../../store/db.ts';
import { isOptedOut, optIn, optOut } from '../../store/bot/conversations.ts';
import type { BotMessage, BotRunner } from '../engine/types.ts';

/**
 * The SMS channel (Twilio): signature check, GSM-7 text, keywords before the engine, TwiML.
 * Web-standard only (Web Crypto), so it runs on Workers too, where the twilio package does not.
 */

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Compares two strings in time that depends only on their lengths (no early exit on the first difference). */
function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}

/**
 * Checks `X-Twilio-Signature`: Twilio signs the full URL it called (our PUBLIC_BASE_URL + path,
 * never the request's Host) followed by every POST parameter sorted by name, each as name+value,
 * with HMAC-SHA1 keyed by the auth token, base64-encoded.
 *
 * @example await validateTwilioSignature(token, 'https://portal.gob.sv/api/sms/twilio', { Body: 'hola', From: '+50370000000' }, header)
 */
export async function validateTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
  signature: string | undefined | null,
): Promise<boolean> {
  if (!signature || !authToken) return false;
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    // Repeated parameters are signed in value order, as twilio's own validator does.
    for (const one of Array.isArray(value) ? [...value].sort() : [value]) data += name + one;
  }
  // @noble/hashes, synchronous and the same on Node and Workers: Web Crypto's call costs far more
  // event-loop time under Node than this short HMAC-SHA1 itself (the same finding as store/keys.ts).
  const expected = toBase64(hmac(sha1, encoder.encode(authToken), encoder.encode(data)));
  return constantTimeEqual(expected, signature);
}

// GSM 03.38: the basic table and the extension table (each extension character costs 2 septets).
const GSM_BASIC = new Set('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà');
const GSM_EXTENDED = new Set('^{}\\[~]|€');

const REPLACEMENTS: Record<string, string> = {
  '«': '"',
  '»': '"',
  '“': '"',
  '”': '"',
  '„': '"',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '´': "'",
  '`': "'",
  '–': '-',
  '—': '-',
  '−': '-',
  '‐': '-',
  '…': '...',
  '•': '-',
  '·': '-',
  '\u00a0': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
  '\t': ' ',
  ç: 'c',
  º: 'o',
  ª: 'a',
  '°': 'o',
};

/** Any one character outside both GSM-7 tables (the whole code point: emoji included). */
const NOT_GSM7 = new RegExp(`[^${[...GSM_BASIC, ...GSM_EXTENDED].map((char) => (/[\\\]\[^-]/.test(char) ? `\\${char}` : char)).join('')}]`, 'gu');

function gsm7For(char: string): string {
  if (char in REPLACEMENTS) return REPLACEMENTS[char];
  const base = char.normalize('NFD').replace(/\p{M}/gu, '');
  // Emoji, symbols and scripts GSM-7 cannot write are left out.
  return base.length > 0 && isGsm7(base) ? base : '';
}

/** True when every character of `text` is in GSM-7 (basic or extension table). */
export function isGsm7(text: string): boolean {
  for (const char of text) if (!GSM_BASIC.has(char) && !GSM_EXTENDED.has(char)) return false;
  return true;
}

/**
 * Spanish text as GSM-7, so an SMS costs 160 characters a segment instead of UCS-2's 70:
 * á í ó ú (and capitals) lose the accent, which GSM-7 lacks; ñ, é, ü, ¿, ¡ stay (GSM-7 has them);
 * typographic quotes and dashes become plain ones; anything else loses its accent or is dropped
 * (emoji).
 *
 * @example toGsm7('¿Línea 198? «Sí» — ñandú…') // '¿Linea 198? "Si" - ñandu...'
 */
export function toGsm7(text: string): string {
  // Only the characters GSM-7 lacks are visited (a message is mostly plain letters).
  return text.normalize('NFC').replace(NOT_GSM7, gsm7For).replace(/ {2,}/g, ' ');
}

/** How many SMS segments `text` needs (sms-segments-calculator's count). */
export function smsSegments(text: string): number {
  return new SegmentedMessage(text, 'auto').segmentsCount;
}

/** Segments one SMS we send may take: two (306 GSM-7 characters) read as one message on phones. */
export const MAX_SMS_SEGMENTS = 2;

/**
 * Two GSM-7 segments carry 2 × 153 septets; an extension character (€, [, ] …) takes two and is
 * never split across segments, so keep 2 in reserve. Counted here, not with the library, because
 * the splitter asks for every candidate (a webhook answers within milliseconds); the tests check
 * the result against sms-segments-calculator.
 */
const MAX_SEPTETS = 2 * 153 - 2;

/** Septets of `text` in GSM-7, or -1 when a character is not GSM-7 (then the library counts). */
function septets(text: string): number {
  let count = 0;
  for (const char of text) {
    if (GSM_EXTENDED.has(char)) count += 2;
    else if (GSM_BASIC.has(char)) count += 1;
    else return -1;
  }
  return count;
}

/** Whether a text of `count` septets (-1: not GSM-7, then `text()` is counted) fits in MAX_SMS_SEGMENTS. */
function fitsCount(count: number, text: () => string): boolean {
  return count >= 0 ? count <= MAX_SEPTETS : smsSegments(text()) <= MAX_SMS_SEGMENTS;
}

function fits(text: string): boolean {
  return fitsCount(septets(text), () => text);
}

/** Septets of two texts joined by one separator character (a space or a newline: one septet each). */
const joined = (left: number, right: number) => (left < 0 || right < 0 ? -1 : left + 1 + right);

/** Splits a line that alone is too long at sentence ends, then words, then characters. */
function splitLine(line: string): string[] {
  const parts: string[] = [];
  let current = '';
  const pieces = line.split(/(?<=[.!?])\s+|\s+/u);
  for (const piece of pieces) {
    const candidate = current ? `${current} ${piece}` : piece;
    if (fits(candidate)) {
      current = candidate;
      continue;
    }
    if (current) parts.push(current);
    current = piece;
    while (!fits(current)) {
      let cut = current.length - 1;
      while (cut > 0 && !fits(current.slice(0, cut))) cut--;
      parts.push(current.slice(0, cut));
      current = current.slice(cut);
    }
  }
  if (current) parts.push(current);
  return parts;
}

/** Packs lines into as few SMS of at most two segments as possible, never splitting a line that fits. */
function packLines(text: string): string[] {
  const messages: string[] = [];
  // Septets are counted once per line and added up, not recounted for every longer candidate.
  let current = '';
  let currentCount = 0;
  for (const line of text.split('\n')) {
    const lineCount = septets(line);
    const candidate = () => (current === '' ? line : `${current}\n${line}`);
    const candidateCount = current === '' ? lineCount : joined(currentCount, lineCount);
    if (fitsCount(candidateCount, candidate)) {
      current = candidate();
      currentCount = candidateCount;
      continue;
    }
    if (current.trim()) messages.push(current.trim());
    if (fitsCount(lineCount, () => line)) {
      current = line;
      currentCount = lineCount;
    } else {
      const parts = splitLine(line);
      messages.push(...parts.slice(0, -1));
      current = parts.at(-1) ?? '';
      currentCount = septets(current);
    }
  }
  if (current.trim()) messages.push(current.trim());
  return messages;
}

/**
 * The engine's messages as SMS bodies: GSM-7, choices as a numbered list («1 Emergencia»), each
 * body at most two segments (a long message is split at line, then sentence, then word breaks).
 *
 * @example renderSms([{ text: '¿Qué necesita?', choices: [{ value: 'e', label: 'Emergencia' }] }]) // ['¿Que necesita?\n1 Emergencia']
 */
export function renderSms(messages: BotMessage[]): string[] {
  const bodies: string[] = [];
  for (const message of messages) {
    let text = message.text.replace(/\r\n?/g, '\n');
    if (message.choices && message.choices.length > 0) {
      text += '\n' + message.choices.map((choice, index) => `${index + 1} ${choice.label}`).join('\n');
    }
    bodies.push(...packLines(toGsm7(text)));
  }
  return bodies;
}

export type SmsKeyword = 'help' | 'optOut' | 'optIn' | 'menu';

const KEYWORDS: Record<string, SmsKeyword> = {
  AYUDA: 'help',
  HELP: 'help',
  INFO: 'help',
  ALTO: 'optOut',
  BAJA: 'optOut',
  PARAR: 'optOut',
  CANCELAR: 'optOut',
  STOP: 'optOut',
  STOPALL: 'optOut',
  UNSUBSCRIBE: 'optOut',
  END: 'optOut',
  QUIT: 'optOut',
  INICIO: 'optIn',
  START: 'optIn',
  UNSTOP: 'optIn',
  MENU: 'menu',
};

/**
 * A keyword SMS: the whole body is one word (any case, accents, surrounding punctuation), like
 * carriers and Twilio match them — «stop», «Alto.», «menú». Twilio itself only knows the English
 * ones, so the Spanish ones are ours to honour.
 */
export function smsKeyword(body: string): SmsKeyword | undefined {
  const word = body
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N}]/gu, '')
    .toUpperCase();
  return KEYWORDS[word];
}

/**
 * Who asked for no more messages on a channel. The store's functions (store/bot, another part)
 * implement it; the channel and the delivery only depend on this.
 */
export interface OptOuts {
  isOptedOut(channel: 'sms' | 'telegram', identity: string): Promise<boolean>;
  optOut(channel: 'sms' | 'telegram', identity: string): Promise<void>;
  optIn(channel: 'sms' | 'telegram', identity: string): Promise<void>;
}

/** The store's opt-outs (store/bot/conversations.ts, kept as keyed hashes of the number or chat). */
export function storeOptOuts(store: Store): OptOuts {
  return {
    isOptedOut: (channel, identity) => isOptedOut(store, channel, identity),
    optOut: (channel, identity) => optOut(store, channel, identity),
    optIn: (channel, identity) => optIn(store, channel, identity),
  };
}

/** What the SMS channel says itself (GSM-7 on the way out). The first line never names the subject. */
export const SMS_TEXT = {
  optedOut: 'Listo. No le enviaremos mas mensajes a este numero. Para volver a escribirnos, envie INICIO.',
  optedIn: 'Listo. Puede volver a escribirnos.',
  trouble: 'No pudimos atender su mensaje en este momento. Intente de nuevo en unos minutos. Si su vida corre peligro, llame al 911.',
} as const;

const escapeXml = (text: string) => text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[char]!);

/** A TwiML answer: one `<Message>` per body (none: Twilio sends nothing). */
export function twiml(bodies: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${bodies.map((body) => `<Message>${escapeXml(body)}</Message>`).join('')}</Response>`;
}

/**
 * One inbound SMS (already signature-checked): keywords first (opt-out recorded and confirmed
 * once; nothing more to an opted-out number until INICIO/START), then the engine. Returns the
 * SMS bodies to answer with.
 */
export async function handleInboundSms(
  input: { from: string; body: string; messageSid?: string },
  deps: { runner: BotRunner; optOuts: OptOuts },
): Promise<string[]> {
  const keyword = smsKeyword(input.body);
  if (keyword === 'optOut') {
    if (await deps.optOuts.isOptedOut('sms', input.from)) return [];
    await deps.optOuts.optOut('sms', input.from);
    return [toGsm7(SMS_TEXT.optedOut)];
  }
  const optedOut = await deps.optOuts.isOptedOut('sms', input.from);
  if (optedOut && keyword !== 'optIn') return [];
  if (optedOut) await deps.optOuts.optIn('sms', input.from);
  const text = keyword === 'help' ? 'ayuda' : keyword === 'menu' || keyword === 'optIn' ? 'menú' : input.body.slice(0, 4096);
  const result = await deps.runner.handle({ channel: 'sms', identity: input.from, event: { type: 'message', text }, dedupeKey: input.messageSid });
  if (result.duplicate) return [];
  const bodies = renderSms(result.messages);
  if (result.forget) bodies.push(toGsm7('Para borrar también los mensajes de su teléfono, mantenga presionada esta conversación y elija Eliminar.'));
  return optedOut ? [toGsm7(SMS_TEXT.optedIn), ...bodies] : bodies;
}
