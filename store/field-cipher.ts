import { fromHex, toHex } from './crypto.ts';

/**
 * Encrypts sensitive text fields at rest (AES-256-GCM, Web Crypto). Stored form:
 * `v1:<iv hex>:<ciphertext hex>`. Without the key the database holds nothing readable.
 */
export interface FieldCipher {
  encrypt(text: string): Promise<string>;
  decrypt(stored: string): Promise<string>;
}

/** `keyHex`: 64 hex characters (32 bytes), e.g. from DATA_KEY. */
export async function createFieldCipher(keyHex: string): Promise<FieldCipher> {
  if (!/^[0-9a-f]{64}$/i.test(keyHex))
    throw new Error('DATA_KEY debe tener 64 caracteres hexadecimales (32 bytes), por ejemplo la salida de: openssl rand -hex 32');
  const key = await crypto.subtle.importKey('raw', fromHex(keyHex.toLowerCase()), 'AES-GCM', false, ['encrypt', 'decrypt']);
  return {
    async encrypt(text) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(text));
      return `v1:${toHex(iv)}:${toHex(sealed)}`;
    },
    async decrypt(stored) {
      const [version, iv, sealed] = stored.split(':');
      if (version !== 'v1' || !iv || !sealed) throw new Error('unknown encrypted field format');
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromHex(iv) }, key, fromHex(sealed));
      return new TextDecoder().decode(plain);
    },
  };
}

/** A new random key as hex, for a local database's first run. */
export function generateDataKey(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}
