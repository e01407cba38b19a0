/**
 * How a page says «no» without deciding it: the store refuses (AppError from the policy module),
 * site/middleware.ts turns that into an empty response with this header (the Spanish reason) and
 * the error's status, and the web app draws it — the workspace's «Sin acceso» page, or a plain
 * message on public pages.
 */
export const REFUSAL_HEADER = 'X-Portal-Refusal';

export function refusalResponse(status: number, message: string): Response {
  return new Response(null, { status, headers: { [REFUSAL_HEADER]: encodeURIComponent(message), 'Cache-Control': 'no-store' } });
}

/** The status and reason of a refused page, or null for a page drawn normally. */
export function pageRefusal(response: Response): { status: number; message: string } | null {
  const reason = response.headers.get(REFUSAL_HEADER);
  return reason === null ? null : { status: response.status, message: decodeURIComponent(reason) };
}
