/**
 * Caching rules in one place: the ETag every cacheable answer carries and how a repeat request is
 * answered with 304, and the Cache-Control policies the portal uses.
 */

export const CACHE_CONTROL = {
  /** Public pages and JSON: browsers and CDNs may keep them a minute, then must ask again. */
  revalidateMinute: 'public, max-age=60, must-revalidate',
  /** Search answers may lag a change by 30 s (see the micro-cache). */
  shortPublic: 'public, max-age=30',
  /** Build assets with a hash in the name never change under it. */
  immutable: 'public, max-age=31536000, immutable',
  /** Anything personal: the workspace, the admin API, sensitive pages. Never kept anywhere. */
  private: 'no-store',
} as const;

/** A weak ETag from the parts that decide an answer's content (ids, versions, dates, build). */
export function weakEtag(...parts: (string | number)[]): string {
  return `W/"${parts.join('-')}"`;
}

/** Whether the client's If-None-Match already names `etag` (a list, `*`, weak or strong forms). */
export function matchesIfNoneMatch(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => candidate.trim() === '*' || bare(candidate) === bare(etag));
}

/**
 * Sets ETag and Cache-Control on `headers` and returns a 304 when the client's copy is current,
 * or null when the caller should send the full answer.
 *
 * @example const unchanged = conditional(request, headers, weakEtag('p', id, version)); if (unchanged) return unchanged;
 */
export function conditional(request: Request, headers: Headers, etag: string, cacheControl: string = CACHE_CONTROL.revalidateMinute): Response | null {
  headers.set('ETag', etag);
  headers.set('Cache-Control', cacheControl);
  if (matchesIfNoneMatch(request.headers.get('If-None-Match'), etag)) {
    return new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': cacheControl } });
  }
  return null;
}
