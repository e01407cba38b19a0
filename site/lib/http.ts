/** Page-level HTTP helpers: validators for repeat views, and reading page numbers from URLs. */

/**
 * Sets ETag and Cache-Control and tells whether the browser's copy is still good. When it returns
 * a Response (304), the page returns it instead of rendering.
 */
export function conditional(request: Request, headers: Headers, tag: string): Response | null {
  const etag = `W/"${tag}-${__BUILD_ID__}"`;
  headers.set('ETag', etag);
  headers.set('Cache-Control', 'public, max-age=60, must-revalidate');
  const sent = request.headers.get('If-None-Match');
  if (sent && sent.split(',').some((candidate) => candidate.trim() === etag)) {
    return new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': 'public, max-age=60, must-revalidate' } });
  }
  return null;
}

/** `?pagina=3` → 3; anything else → null (the page answers 400). Missing → 1. */
export function pageNumber(url: URL, name = 'pagina'): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return 1;
  if (!/^\d{1,4}$/.test(raw)) return null;
  const page = Number(raw);
  return page >= 1 && page <= 1000 ? page : null;
}
