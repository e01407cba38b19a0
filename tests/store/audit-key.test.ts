import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../store/crypto.ts';
import { deriveStoreKeys } from '../../store/keys.ts';

describe('the audit key', () => {
  it('signs exactly as the Web Crypto HMAC key derived from DATA_KEY did, so chains written before still verify', async () => {
    const dataKey = 'a1'.repeat(32);
    const keys = await deriveStoreKeys(dataKey);
    const base = await crypto.subtle.importKey('raw', fromHex(dataKey), 'HKDF', false, ['deriveKey']);
    const webCryptoKey = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: new TextEncoder().encode('portal-tramites audit chain v1') },
      base,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    );
    for (const text of ['', 'v2\n1\n0000\nactor', 'ñandú «señal» 🙂'.repeat(50)]) {
      const expected = toHex(await crypto.subtle.sign('HMAC', webCryptoKey, new TextEncoder().encode(text)));
      expect(keys.audit.mac(text)).toBe(expected);
    }
  });
});
