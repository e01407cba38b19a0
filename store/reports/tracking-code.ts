/**
 * Tracking codes: what a person reads aloud on the phone and types on a small keyboard.
 *
 * - Alphabet: Crockford's base 32 without Z (31 symbols, a prime): no I, L, O or U; on input O is
 *   read as 0, I and L as 1, Z as 2, and spaces, hyphens and lower case are ignored.
 * - 13 random symbols (13 × log2 31 ≈ 64.4 bits, from the Web Crypto random source) and one check
 *   symbol: the weighted sum Σ (i+1)·vᵢ mod 31. With a prime modulus and distinct non-zero weights,
 *   any single wrong symbol and any swap of two symbols (adjacent or not) changes the sum, so it is
 *   caught before a lookup is spent on it.
 * - Shown in groups of four: `K7QM-2XDT-9RBH-4C`. Stored without hyphens.
 */

export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXY';
const BASE = CODE_ALPHABET.length; // 31
export const CODE_RANDOM_LENGTH = 13;
export const CODE_LENGTH = CODE_RANDOM_LENGTH + 1;

function checkSymbol(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += (i + 1) * CODE_ALPHABET.indexOf(body[i]);
  return CODE_ALPHABET[sum % BASE];
}

/** A new random code, canonical (no hyphens). */
export function generateTrackingCode(random: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes)): string {
  let body = '';
  while (body.length < CODE_RANDOM_LENGTH) {
    for (const byte of random(new Uint8Array(32))) {
      // 248 = 8 × 31: rejecting larger bytes keeps every symbol equally likely.
      if (byte < 248 && body.length < CODE_RANDOM_LENGTH) body += CODE_ALPHABET[byte % BASE];
    }
  }
  return body + checkSymbol(body);
}

/**
 * What a person typed, made canonical; `null` when it cannot be a code (wrong length, a symbol
 * outside the alphabet, or a check symbol that does not match: a typo).
 *
 * @example normalizeTrackingCode('k7qm 2xdt-9rbh-4c') // 'K7QM2XDT9RBH4C' when its check matches
 */
export function normalizeTrackingCode(input: string): string | null {
  const cleaned = input
    .toUpperCase()
    .replace(/[\s\-–—.·_]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
    .replace(/Z/g, '2');
  if (cleaned.length !== CODE_LENGTH) return null;
  for (const symbol of cleaned) if (!CODE_ALPHABET.includes(symbol)) return null;
  const body = cleaned.slice(0, CODE_RANDOM_LENGTH);
  return checkSymbol(body) === cleaned[CODE_RANDOM_LENGTH] ? cleaned : null;
}

/** `K7QM2XDT9RBH4C` → `K7QM-2XDT-9RBH-4C`. */
export function formatTrackingCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}
