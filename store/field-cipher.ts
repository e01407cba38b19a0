import { gcm } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from './crypto.ts';

/**
 * Encrypts sensitive text fields at rest (AES-256-GCM). Stored form: `v1:<iv hex>:<ciphertext
 * and tag hex>`, as Web Crypto writes it. Without the key the database holds nothing readable.
 *
 * The cipher is @noble/ciphers' audited AES-GCM, synchronous and the same on Node and Workers:
 * under Node, each Web Crypto call cost about 200 µs of the event loop's time (its job
 * scheduling, not the cipher), 40 µs here; a report intake encrypts up to four fields. The
 * output is byte for byte what Web Crypto's AES-GCM gives (tests/store/db.test.ts checks both
 * ways), so fields written by either read with the other. Node passes its own OpenSSL AES-GCM
 * (store/native-crypto.node.ts, several times faster on a conversation's state); the bytes are
 * the same, so either reads what the other wrote.
 */
export interface FieldCipher {
  encrypt(text: string): Promise<string>;
  decrypt(stored: string): Promise<string>;
}

/**
 * The synchronous primitives the store's cipher and keys are made of: AES-256-GCM (ciphertext
 * followed by its 16-byte tag, as Web Crypto writes it) and HMAC-SHA256. `purePrimitives` run
 * everywhere; Node has faster native ones with the same output.
 */
export interface CryptoPrimitives {
  seal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Throws when the tag does not verify (another key, or tampered bytes). */
  open(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** @noble/ciphers and @noble/hashes: audited, pure JavaScript, the same on Node and Workers. */
export const purePrimitives: CryptoPrimitives = {
  seal: (key, iv, plaintext) => gcm(key, iv).encrypt(plaintext),
  open: (key, iv, sealed) => gcm(key, iv).decrypt(sealed),
  hmacSha256: (key, data) => hmac(sha256, key, data),
};

/** `keyHex`: 64 hex characters (32 bytes), e.g. from DATA_KEY. */
export async function createFieldCipher(keyHex: string, primitives: CryptoPrimitives = purePrimitives): Promise<FieldCipher> {
  if (!/^[0-9a-f]{64}$/i.test(keyHex))
    throw new Error('DATA_KEY debe tener 64 caracteres hexadecimales (32 bytes), por ejemplo la salida de: openssl rand -hex 32');
  const key = fromHex(keyHex.toLowerCase());
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  // Random IVs are drawn from a 4 KB buffer of the system's CSPRNG, refilled when spent, each 12
  // bytes used once: one getRandomValues call per 341 fields instead of one each (in a profile of
  // the webhook benchmark the call per field cost more than the cipher).
  const pool = new Uint8Array(4092);
  let used = pool.length;
  const nextIv = (): Uint8Array => {
    if (used === pool.length) {
      crypto.getRandomValues(pool);
      used = 0;
    }
    used += 12;
    return pool.slice(used - 12, used);
  };
  return {
    async encrypt(text) {
      const iv = nextIv();
      return `v1:${toHex(iv)}:${toHex(primitives.seal(key, iv, encoder.encode(text)))}`;
    },
    async decrypt(stored) {
      const [version, iv, sealed] = stored.split(':');
      if (version !== 'v1' || !iv || !sealed) throw new Error('unknown encrypted field format');
      return decoder.decode(primitives.open(key, fromHex(iv), fromHex(sealed)));
    },
  };
}

/** A new random key as hex, for a local database's first run. */
export function generateDataKey(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}
