import { fromHex, toHex } from './crypto.ts';

/**
 * Keys derived from DATA_KEY (HKDF-SHA256, one `info` label per purpose). None of them is ever
 * written anywhere: each process derives the same keys from the same DATA_KEY, so several Node
 * processes or Workers isolates agree, and a copy of the database alone opens nothing.
 */
export interface StoreKeys {
  /** HMAC-SHA256 key of the audit log's chain and of its signed checkpoint. */
  audit: CryptoKey;
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

export async function hmacWith(key: CryptoKey, text: string): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text)));
}

/** `dataKeyHex`: DATA_KEY, 64 hex characters. */
export async function deriveStoreKeys(dataKeyHex: string): Promise<StoreKeys> {
  const raw = fromHex(dataKeyHex.toLowerCase());
  const audit = await hkdf(raw, 'portal-tramites audit chain v1');
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
