/**
 * Fixed-window rate limits per client. A client is a keyed hash of its address: the raw address is
 * never stored, and the key is random per process so hashes cannot be reversed by guessing.
 */
export interface RateLimiter {
  /** True when this client may go on; false when it has used up `limit` in the current window. */
  allow(clientAddress: string): Promise<boolean>;
}

export function createRateLimiter(options: { limit: number; windowMs: number; now?: () => number }): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const keyPromise = crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const now = options.now ?? Date.now;
  return {
    async allow(clientAddress) {
      const key = await keyPromise;
      const digest = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(clientAddress));
      const client = btoa(String.fromCharCode(...new Uint8Array(digest).slice(0, 16)));
      const time = now();
      if (windows.size > 50_000) {
        for (const [id, window] of windows) if (time - window.start >= options.windowMs) windows.delete(id);
      }
      const window = windows.get(client);
      if (!window || time - window.start >= options.windowMs) {
        windows.set(client, { start: time, count: 1 });
        return true;
      }
      window.count++;
      return window.count <= options.limit;
    },
  };
}

/** The client's address as the runtime reports it (or the first proxy hop when configured to trust it). */
export function clientAddress(headers: Headers, remote: string | undefined): string {
  return remote ?? headers.get('cf-connecting-ip') ?? 'desconocido';
}
