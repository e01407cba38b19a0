import type { MiddlewareHandler } from 'hono';
import curated from '../../data/safety/related-procedures.json' with { type: 'json' };
import { CACHE_CONTROL } from './http-cache.ts';

/**
 * Which pages are sensitive (violence, emergencies, reports and their follow-up), in one place:
 * the edge gives their answers `no-store` and `no-referrer`, and the layout gives them the quick
 * exit, a neutral tab title and the referrer meta (site/layouts/Base.astro asks `isSensitivePath`).
 * ARCHITECTURE.md, «Victim safety», rule 4: assume the phone is shared.
 */
export const SENSITIVE_PATH_PREFIXES = [
  '/198',
  '/emergencia',
  '/denuncia',
  '/seguimiento',
  '/chat',
  '/salir',
  '/ayuda/navegar-seguro',
  '/api/reports',
] as const;

/** Where the quick exit goes: a page anyone might open, that says nothing about this site. */
export const NEUTRAL_SITE_URL = 'https://www.google.com/search?q=clima+hoy';

/** The server route of the quick exit (api/safety/routes.ts): ends the sessions, then the neutral site. */
export const QUICK_EXIT_PATH = '/salir';

/** The help pages that list hand-picked procedures (data/safety/related-procedures.json). */
export type HelpPage = keyof typeof curated.related;

/** Victim procedures: their /tramites/{slug} pages are sensitive too. */
export const SENSITIVE_PROCEDURE_SLUGS: readonly string[] = curated.sensitive_procedures;

const sensitiveProcedures = new Set(SENSITIVE_PROCEDURE_SLUGS);

/**
 * The procedures a help page shows under «relacionados», in the order chosen by hand.
 *
 * @example relatedProcedureSlugs('198') // ['linea-atencion-mujeres-violencia-isdemu', …]
 */
export function relatedProcedureSlugs(page: HelpPage): readonly string[] {
  return curated.related[page];
}

function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * Whether `path` is a sensitive page or answer: one of the prefixes (whole segments: `/198` and
 * `/198/…`, not `/1980`), or a victim procedure's page and its forms (`/tramites/{slug}[/…]`).
 * Percent-encoding and letter case are folded first, so `/%31%398` or `/Denuncia` count too.
 *
 * @example isSensitivePath('/denuncia/violencia') // true
 * @example isSensitivePath('/tramites/emision-dui-primera-vez') // false
 */
export function isSensitivePath(path: string): boolean {
  let normal = path.toLowerCase();
  try {
    normal = decodeURIComponent(normal);
  } catch {
    // A malformed escape is compared as written.
  }
  normal = normal.replace(/\/+$/, '') || '/';
  if (SENSITIVE_PATH_PREFIXES.some((prefix) => underPrefix(normal, prefix))) return true;
  const procedure = /^\/tramites\/([^/]+)/.exec(normal);
  return procedure !== null && sensitiveProcedures.has(procedure[1]);
}

/** Referrer policy of every answer: same-origin, and nothing at all from a sensitive page. */
export const REFERRER_POLICY = { default: 'same-origin', sensitive: 'no-referrer' } as const;

/**
 * Edge middleware: on sensitive paths `Cache-Control: no-store` (whatever the page or route set:
 * nothing of a visit stays in a shared browser's cache or a proxy) and `Referrer-Policy:
 * no-referrer` (no other site learns where a visit came from); elsewhere the default referrer
 * policy. Registered once in applyEdge, before the origin check, so refusals get it too.
 */
export function sensitiveAnswers(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const sensitive = isSensitivePath(c.req.path);
    c.res.headers.set('Referrer-Policy', sensitive ? REFERRER_POLICY.sensitive : REFERRER_POLICY.default);
    if (sensitive) c.res.headers.set('Cache-Control', CACHE_CONTROL.private);
  };
}
