import type { Context } from 'hono';
import type { BotChannelsDeps } from './bot/webhooks.ts';
import type { SearchEngine } from '../search/engine.ts';
import type { Store } from '../store/db.ts';
import type { ActiveSession } from '../store/people/sessions.ts';
import type { Actor } from '../store/policy.ts';
import type { ImportReport } from '../store/catalog/import.ts';
import type { ViewCounter } from './catalog/views.ts';
import type { Log } from './errors.ts';

/** What the API needs from outside; everything else it builds itself. */
export interface ApiDeps {
  store: Store;
  search: SearchEngine;
  log: Log;
  /** The peer address of a request; runtime specific (Node's socket, Workers' header). Used only hashed. */
  remoteAddress?: (c: Context) => string | undefined;
  /** PBKDF2 iterations for new passwords (PBKDF2_ITERATIONS unless a test needs speed). */
  passwordIterations?: number;
  /**
   * The public origin (PUBLIC_BASE_URL) behind a TLS proxy: what browsers send as Origin and
   * whether cookies must be Secure. Without it, the request's own URL is used.
   */
  publicOrigin?: string;
  /** The bot's Telegram and SMS channels, when configured (TELEGRAM_BOT_TOKEN, TWILIO_AUTH_TOKEN). */
  bot?: BotChannelsDeps;
}

/** Variables every handler finds in `c.var`, set once at the edge. */
export type ApiVariables = Required<Omit<ApiDeps, 'bot'>>;

export type ApiEnv = { Variables: ApiVariables };

/** Handlers behind `requireActor()`: who is calling, and their session when it is a person. */
export type ActorEnv = { Variables: ApiVariables & { actor: Actor; session: ActiveSession | null } };

/** The workspace's HTML form handlers: the session (if any) and the submitted text fields. */
export type PagesEnv = { Variables: ApiVariables & { session: ActiveSession | null; form: Record<string, string> } };

/** What Astro pages find in `Astro.locals`. */
export interface PageLocals {
  store: ApiDeps['store'];
  search: ApiDeps['search'];
  /** Counts procedure page views for popularity. */
  views?: ViewCounter;
  /** The officers' workspace: session, a form sent back with errors, an import report. */
  admin?: AdminLocals;
  /** The public origin for canonical links, JSON-LD and the sitemap: configured, never the request's Host. */
  publicBaseUrl: string;
  /** CONTACT_RETENTION_DAYS as configured (the privacy notice states it). */
  contactRetentionDays?: number;
  /** What this deployment calls itself (SITE_NAME, SITE_BANNER, SITE_FOOTER); unset fields take the defaults. */
  branding?: Branding;
}

/**
 * How one deployment names itself in the header, the identity banner above it and the footer
 * (api/config.ts reads it). A field left out takes its default from site/i18n/es.ts: the name
 * «Trámites El Salvador», a banner saying this is an independent demonstration and not an official
 * government site, and the footer's description.
 */
export interface Branding {
  siteName?: string;
  /** The identity banner; '' shows none. */
  banner?: string;
  footer?: string;
}

/** Renders a page request with Astro's App (the build's `app.render`). */
export type RenderPage = (request: Request, locals: PageLocals) => Promise<Response>;

/** What /admin pages find in `Astro.locals.admin`. */
export interface AdminLocals {
  session: ActiveSession | null;
  /** A form sent back with its values and Spanish errors by field (re-rendered, not redirected). */
  form?: { values: Record<string, string>; errors: Record<string, string>; preview?: unknown };
  /** The archive form of an entry's page sent back (a note too long, a replacement that is not published). */
  archive?: { values: Record<string, string>; errors: Record<string, string> };
  importReport?: ImportReport;
  forbidden?: boolean;
  /** A refusal to explain instead of the page (expired form, wrong role…). */
  error?: string;
  /** Shown once after creating an account or a token (kept in the session until shown). */
  secret?: { label: string; value: string };
}
