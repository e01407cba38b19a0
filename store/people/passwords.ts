import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import { constantTimeEqual, fromHex, randomToken, toHex } from '../crypto.ts';

/**
 * PBKDF2-HMAC-SHA256 through Web Crypto, the same on Node and Workers. Workers refuse more than
 * 100,000 iterations (OWASP's 2023 figure is 600,000), so 100,000 it is; each hash carries its own
 * count, and a sign-in with a hash of another count rehashes it with this one.
 */
export const PBKDF2_ITERATIONS = 100_000;
export const MIN_PASSWORD_LENGTH = 12;

// Words Salvadorans would use that the English-centred common list misses.
const LOCAL_WORDS = [
  'contraseña',
  'contrasena',
  'elsalvador',
  'salvador',
  'sansalvador',
  'cuscatlan',
  'teamo',
  'tequiero',
  'pupusa',
  'pupusas',
  'gobierno',
  'tramites',
  'portal',
  'clave',
  'secreto',
  'admin',
  'administrador',
  'oficial',
  'institucion',
];

let checker: ZxcvbnFactory | null = null;

/**
 * Why a password is not acceptable, in Spanish, or null when it is: at least 12 characters and not
 * guessable (not a common password, nor a variation of one, nor built from the email).
 */
export function passwordProblem(password: string, context: string[] = []): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `Use al menos ${MIN_PASSWORD_LENGTH} caracteres en la contraseña.`;
  if ([...password].length > 200) return 'Use como máximo 200 caracteres en la contraseña.';
  checker ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  const result = checker.check(password, [...LOCAL_WORDS, ...context]);
  if (result.score < 3) return 'Esa contraseña es muy común o fácil de adivinar. Use una frase larga con palabras que no vayan juntas.';
  return null;
}

/** A strong random password to hand over once (first admin, new accounts). */
export function generatePassword(): string {
  return randomToken(15);
}

/** `pbkdf2-sha256$iterations$salt$hash`, everything needed to check it later. */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${toHex(salt)}$${hash}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split('$');
  if (scheme !== 'pbkdf2-sha256' || !/^\d{1,7}$/.test(iterations ?? '') || !salt || !hash) return false;
  return constantTimeEqual(await derive(password, fromHex(salt), Number(iterations)), hash);
}

/** The iteration count a stored hash was made with (0 when unreadable). */
export function hashIterations(stored: string): number {
  const [scheme, iterations] = stored.split('$');
  return scheme === 'pbkdf2-sha256' && /^\d{1,7}$/.test(iterations ?? '') ? Number(iterations) : 0;
}

/** A hash to check against when the account does not exist, so timing reveals nothing. */
export const DUMMY_HASH = `pbkdf2-sha256$${PBKDF2_ITERATIONS}$00000000000000000000000000000000$00`;

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password.normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
  return toHex(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256));
}
