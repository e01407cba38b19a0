import { fromHex, toHex } from '../../store/crypto.ts';
import type { Store } from '../../store/db.ts';
import type { ReportKind } from '../../store/reports/kinds.ts';

/**
 * The citizen's two short-lived cookies, for pages that have no session: `aviso` carries a
 * /denuncia form sent back with its errors, or the tracking code to show once it was stored;
 * `caso` says which case a /seguimiento visitor proved she may see. Neither puts anything she
 * wrote in a URL (browser history, server logs).
 *
 * Both are sealed with the store's field cipher (AES-256-GCM under DATA_KEY: unreadable and
 * unforgeable without it) and carry their purpose and expiry inside the seal, so a cookie copied
 * from one purpose to another, or kept past its time, opens as nothing. HttpOnly, SameSite=Strict,
 * scoped to their path, Secure over HTTPS. The quick exit expires both (api/safety/routes.ts).
 */

export const NOTICE_COOKIE = { name: 'aviso', path: '/denuncia', ttlMs: 10 * 60_000 } as const;
export const CASE_COOKIE = { name: 'caso', path: '/seguimiento', ttlMs: 30 * 60_000 } as const;

/** Browsers keep a cookie's name and value up to 4,096 bytes (RFC 6265 §6.1); leave room for the name. */
export const COOKIE_VALUE_MAX = 4000;

/** A /denuncia form sent back: the fields as she typed them (never her code word) and the errors by field. */
export interface IntakeFormNotice {
  purpose: 'intake-form';
  kind: ReportKind;
  values: Record<string, string>;
  errors: Record<string, string>;
  /** HTTP status the redrawn page answers with (429 when over the intake limit). */
  status?: number;
}

/** A stored report's code, for /denuncia/recibida (and its reloads, for ten minutes). */
export interface IntakeReceivedNotice {
  purpose: 'intake-received';
  kind: ReportKind;
  code: string;
}

export type IntakeNotice = IntakeFormNotice | IntakeReceivedNotice;

/** Only the case id: the case itself is read fresh from the store on every page. */
export interface CaseSession {
  purpose: 'case';
  reportId: number;
}

type Sealed = IntakeNotice | CaseSession;

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

async function transform(bytes: Uint8Array<ArrayBuffer>, stream: CompressionStream | DecompressionStream): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

/**
 * Seals `payload` for `ttlMs` into a cookie value. A told story is compressed first (deflate,
 * web standard): 4,000 characters of Spanish fit in about 2,900 bytes of cookie.
 */
export async function sealCookie(store: Store, payload: Sealed, ttlMs: number): Promise<string> {
  const json = JSON.stringify({ ...payload, exp: store.clock.now().getTime() + ttlMs });
  const compressed = await transform(new TextEncoder().encode(json), new CompressionStream('deflate-raw'));
  // The cipher takes and gives text (`v1:<iv hex>:<ciphertext hex>`); the cookie carries its bytes
  // as base64url, a third of hex's size.
  const [, iv, sealed] = (await store.cipher.encrypt(base64url(compressed))).split(':');
  const ivBytes = fromHex(iv);
  const sealedBytes = fromHex(sealed);
  const joined = new Uint8Array(ivBytes.length + sealedBytes.length);
  joined.set(ivBytes);
  joined.set(sealedBytes, ivBytes.length);
  return base64url(joined);
}

const IV_BYTES = 12;

/** The payload of a cookie value sealed for `purpose` and not yet expired, or null. Never throws. */
export async function openCookie<P extends Sealed['purpose']>(
  store: Store,
  value: string | undefined,
  purpose: P,
): Promise<Extract<Sealed, { purpose: P }> | null> {
  if (!value || value.length > COOKIE_VALUE_MAX + 100 || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  try {
    const bytes = fromBase64url(value);
    if (bytes.length <= IV_BYTES + 16) return null;
    const text = await store.cipher.decrypt(`v1:${toHex(bytes.subarray(0, IV_BYTES))}:${toHex(bytes.subarray(IV_BYTES))}`);
    const json = new TextDecoder().decode(await transform(fromBase64url(text), new DecompressionStream('deflate-raw')));
    const payload = JSON.parse(json) as Sealed & { exp?: unknown };
    if (payload.purpose !== purpose || typeof payload.exp !== 'number' || payload.exp <= store.clock.now().getTime()) return null;
    return payload as Extract<Sealed, { purpose: P }>;
  } catch {
    return null;
  }
}

/** Secure cookies only where browsers see HTTPS: the public origin's scheme, or the request's own. */
export function cookieIsSecure(publicOrigin: string | undefined, requestUrl: string): boolean {
  return (publicOrigin ? new URL(publicOrigin).protocol : new URL(requestUrl).protocol) === 'https:';
}

/** The attributes of both cookies: HttpOnly, SameSite=Strict, their path, Max-Age, Secure over HTTPS. */
export function cookieAttributes(cookie: typeof NOTICE_COOKIE | typeof CASE_COOKIE, secure: boolean) {
  return { path: cookie.path, httpOnly: true, sameSite: 'strict', secure, maxAge: Math.round(cookie.ttlMs / 1000) } as const;
}
