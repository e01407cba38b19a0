import { conditional as conditionalAnswer, weakEtag } from '../../api/edge/http-cache.ts';

/** Page-level HTTP helpers: validators for repeat views, and reading page numbers from URLs. */

/**
 * Sets ETag and Cache-Control and tells whether the browser's copy is still good. When it returns
 * a Response (304), the page returns it instead of rendering. The build id is part of the tag:
 * the same data may be drawn differently by new code.
 */
export function conditional(request: Request, headers: Headers, tag: string): Response | null {
  return conditionalAnswer(request, headers, weakEtag(tag, __BUILD_ID__));
}

/** `?pagina=3` → 3; anything else → null (the page answers 400). Missing → 1. */
export function pageNumber(url: URL, name = 'pagina'): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return 1;
  if (!/^\d{1,4}$/.test(raw)) return null;
  const page = Number(raw);
  return page >= 1 && page <= 1000 ? page : null;
}
