import { fromHex, toHex } from './crypto.ts';
import { purePrimitives, type CryptoPrimitives } from './field-cipher.ts';

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

/** The raw bytes of an HKDF-SHA256-derived 256-bit key: what Web Crypto's deriveKey gave as an HMAC key before. */
async function hkdfBytes(dataKey: Uint8Array<ArrayBuffer>, info: string, salt = ''): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', dataKey, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode(salt), info: new TextEncoder().encode(info) },
    base,
    256,
  );
  return new Uint8Array(bits);
}

/** `dataKeyHex`: DATA_KEY, 64 hex characters. */
export async function deriveStoreKeys(dataKeyHex: string, primitives: CryptoPrimitives = purePrimitives): Promise<StoreKeys> {
  const raw = fromHex(dataKeyHex.toLowerCase());
  const encoder = new TextEncoder();
  // HMACs run synchronously (@noble/hashes, or Node's own) over the HKDF-derived key bytes: the
  // same values the Web Crypto keys gave, without a thread-pool round trip for each short text.
  const macWith = (key: Uint8Array) => (text: string) => toHex(primitives.hmacSha256(key, encoder.encode(text)));
  const audit = { mac: macWith(await hkdfBytes(raw, 'portal-tramites audit chain v1')) };
  const fingerprintMac = macWith(await hkdfBytes(raw, 'portal-tramites text fingerprint v1'));
  // Two days at most: yesterday's key is still asked for around midnight.
  const daily = new Map<string, Promise<(text: string) => string>>();
  return {
    audit,
    async clientHash(address, day) {
      let mac = daily.get(day);
      if (!mac) {
        mac = hkdfBytes(raw, 'portal-tramites client address v1', day).then(macWith);
        daily.set(day, mac);
        while (daily.size > 2) daily.delete(daily.keys().next().value as string);
      }
      return (await mac)(address).slice(0, 32);
    },
    async fingerprint(text) {
      return fingerprintMac(text).slice(0, 32);
    },
  };
}
