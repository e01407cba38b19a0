import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../store/crypto.ts';
import { purePrimitives } from '../../store/field-cipher.ts';
import { deriveStoreKeys } from '../../store/keys.ts';
import { nativePrimitives } from '../../store/native-crypto.node.ts';

/** The HMAC keys as they were derived before the MACs became synchronous (Web Crypto deriveKey). */
async function webCryptoMac(dataKey: string, info: string, salt: string, text: string): Promise<string> {
  const base = await crypto.subtle.importKey('raw', fromHex(dataKey), 'HKDF', false, ['deriveKey']);
  const key = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode(salt), info: new TextEncoder().encode(info) },
    base,
    { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    ['sign'],
  );
  return toHex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text)));
}

// Both sets of primitives: the pure ones (Workers, tests) and Node's native ones (the server).
describe.each([
  ['pure JavaScript', purePrimitives],
  ['Node native', nativePrimitives],
])('keys derived from DATA_KEY (%s)', (_name, primitives) => {
  const dataKey = 'a1'.repeat(32);
  const texts = ['', 'v2\n1\n0000\nactor', 'ñandú «señal» 🙂'.repeat(50)];

  it('sign the audit chain exactly as before, so chains written earlier still verify', async () => {
    const keys = await deriveStoreKeys(dataKey, primitives);
    for (const text of texts) expect(keys.audit.mac(text)).toBe(await webCryptoMac(dataKey, 'portal-tramites audit chain v1', '', text));
  });

  it('hash clients and fingerprint texts exactly as before, so counters and retries carry over a restart', async () => {
    const keys = await deriveStoreKeys(dataKey, primitives);
    for (const text of texts) {
      expect(await keys.clientHash(text, '2026-11-20')).toBe(
        (await webCryptoMac(dataKey, 'portal-tramites client address v1', '2026-11-20', text)).slice(0, 32),
      );
      expect(await keys.fingerprint(text)).toBe((await webCryptoMac(dataKey, 'portal-tramites text fingerprint v1', '', text)).slice(0, 32));
    }
    expect(await keys.clientHash('192.0.2.1', '2026-11-20')).not.toBe(await keys.clientHash('192.0.2.1', '2026-11-21'));
  });
});
