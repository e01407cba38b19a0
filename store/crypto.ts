/** Small Web Crypto helpers (the same on Node and Workers). */

/** Each byte's two hex digits as one 16-bit unit of char codes (little-endian order of the two). */
const HEX_PAIRS = new Uint16Array(256);
const DIGITS = '0123456789abcdef';
for (let byte = 0; byte < 256; byte++) {
  HEX_PAIRS[byte] = DIGITS.charCodeAt(byte >> 4) | (DIGITS.charCodeAt(byte & 15) << 8);
}
/** Char code → nibble, 255 for anything that is not a hex digit. */
const NIBBLES = new Uint8Array(128).fill(255);
for (let i = 0; i < 16; i++) {
  NIBBLES[DIGITS.charCodeAt(i)] = i;
  NIBBLES[DIGITS.toUpperCase().charCodeAt(i)] = i;
}
const ascii = new TextDecoder();

/**
 * Lower-case hex of `bytes`. Written as ASCII bytes and decoded once: the string built a digit
 * pair at a time cost a sealed field (kilobytes) thousands of intermediate strings.
 */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const out = new Uint8Array(view.length * 2);
  const pairs = new Uint16Array(out.buffer);
  // Uint16Array is in the platform's byte order; every platform that runs this is little-endian,
  // and the check below keeps a big-endian one correct.
  if (LITTLE_ENDIAN) for (let i = 0; i < view.length; i++) pairs[i] = HEX_PAIRS[view[i]];
  else
    for (let i = 0; i < view.length; i++) {
      out[i * 2] = DIGITS.charCodeAt(view[i] >> 4);
      out[i * 2 + 1] = DIGITS.charCodeAt(view[i] & 15);
    }
  return ascii.decode(out);
}
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes of a hex string (either case); an odd length or a character that is not a hex digit throws. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0) throw new Error('not a hex string (odd length)');
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const high = NIBBLES[hex.charCodeAt(i * 2)] ?? 255;
    const low = NIBBLES[hex.charCodeAt(i * 2 + 1)] ?? 255;
    if ((high | low) === 255 || high > 15 || low > 15) throw new Error('not a hex string');
    out[i] = (high << 4) | low;
  }
  return out;
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

export async function hmacHex(keyHex: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', fromHex(keyHex), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toHex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text)));
}

/** `bytes` random bytes as URL-safe text (session ids, tokens, one-time passwords). */
export function randomToken(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
