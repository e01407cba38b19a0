import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from './crypto.ts';

/**
 * Keys derived from DATA_KEY (HKDF-SHA256, one `info` label per purpose). None of them is ever
 * written anywhere: each process derives the same keys from the same DATA_KEY, so several Node
 * processes or Workers isolates agree, and a copy of the database alone opens nothing.
 */
export interface StoreKeys {
  /**
   * HMAC-SHA256 (hex) under the audit key, for the log's chain and its signed checkpoint.
   * Synchronous on purpose: an append happens inside the write transaction, and an asynchronous
   * Web Crypto call there leaves every other write waiting on the thread pool (it was a sixth of
   * intake time). The same key bytes as the Web Crypto key before, so existing chains verify.
   */
  audit: { mac(text: string): string };
  /**
   * A keyed hash of a client's address that changes every day («one per client per day», rate
   * limits). The day's key is derived, held in memory and never written, so `feedback_once` and
   * `rate_limits` cannot be turned back into addresses by guessing (a /16 is 65,536 guesses).
   */
  clientHash(address: string, day: string): Promise<string>;
  /** A keyed fingerprint of a text, to group equal texts that are stored only encrypted. */
  fingerprint(text: string): Promise<string>;
}

async function hkdf(dataKey: Uint8Array<ArrayBuffer>, info: string, salt = ''): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', dataKey, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode(salt), info: new TextEncoder().encode(info) },
    base,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign', 'verify'],
  );
}

/** The raw bytes of an HKDF-derived 256-bit key: what `hkdf()` would give as an HMAC key. */
async function hkdfBytes(dataKey: Uint8Array<ArrayBuffer>, info: string, salt = ''): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', dataKey, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode(salt), info: new TextEncoder().encode(info) },
    base,
    256,
  );
  return new Uint8Array(bits);
}

export async function hmacWith(key: CryptoKey, text: string): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text)));
}

/** `dataKeyHex`: DATA_KEY, 64 hex characters. */
export async function deriveStoreKeys(dataKeyHex: string): Promise<StoreKeys> {
  const raw = fromHex(dataKeyHex.toLowerCase());
  const auditKey = await hkdfBytes(raw, 'portal-tramites audit chain v1');
  const encoder = new TextEncoder();
  const audit = { mac: (text: string) => toHex(hmac(sha256, auditKey, encoder.encode(text))) };
  const fingerprintKey = await hkdf(raw, 'portal-tramites text fingerprint v1');
  // Two days at most: yesterday's key is still asked for around midnight.
  const daily = new Map<string, Promise<CryptoKey>>();
  return {
    audit,
    async clientHash(address, day) {
      let key = daily.get(day);
      if (!key) {
        key = hkdf(raw, 'portal-tramites client address v1', day);
        daily.set(day, key);
        while (daily.size > 2) daily.delete(daily.keys().next().value as string);
      }
      return (await hmacWith(await key, address)).slice(0, 32);
    },
    async fingerprint(text) {
      return (await hmacWith(fingerprintKey, text)).slice(0, 32);
    },
  };
}
