import { gcm } from '@noble/ciphers/aes.js';
import { fromHex, toHex } from './crypto.ts';

/**
 * Encrypts sensitive text fields at rest (AES-256-GCM). Stored form: `v1:<iv hex>:<ciphertext
 * and tag hex>`, as Web Crypto writes it. Without the key the database holds nothing readable.
 *
 * The cipher is @noble/ciphers' audited AES-GCM, synchronous and the same on Node and Workers:
 * under Node, each Web Crypto call cost about 200 µs of the event loop's time (its job
 * scheduling, not the cipher), 40 µs here; a report intake encrypts up to four fields. The
 * output is byte for byte what Web Crypto's AES-GCM gives (tests/store/db.test.ts checks both
 * ways), so fields written by either read with the other.
 */
export interface FieldCipher {
  encrypt(text: string): Promise<string>;
  decrypt(stored: string): Promise<string>;
}

/** `keyHex`: 64 hex characters (32 bytes), e.g. from DATA_KEY. */
export async function createFieldCipher(keyHex: string): Promise<FieldCipher> {
  if (!/^[0-9a-f]{64}$/i.test(keyHex))
    throw new Error('DATA_KEY debe tener 64 caracteres hexadecimales (32 bytes), por ejemplo la salida de: openssl rand -hex 32');
  const key = fromHex(keyHex.toLowerCase());
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    async encrypt(text) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      return `v1:${toHex(iv)}:${toHex(gcm(key, iv).encrypt(encoder.encode(text)))}`;
    },
    async decrypt(stored) {
      const [version, iv, sealed] = stored.split(':');
      if (version !== 'v1' || !iv || !sealed) throw new Error('unknown encrypted field format');
      return decoder.decode(gcm(key, fromHex(iv)).decrypt(fromHex(sealed)));
    },
  };
}

/** A new random key as hex, for a local database's first run. */
export function generateDataKey(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}
