import type { Context } from 'hono';
import type { SearchEngine } from '../search/engine.ts';
import type { Store } from '../store/db.ts';
import type { ActiveSession } from '../store/people/sessions.ts';
import type { Actor } from '../store/policy.ts';
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
}

/** Variables every handler finds in `c.var`, set once at the edge. */
export type ApiVariables = Required<ApiDeps>;

export type ApiEnv = { Variables: ApiVariables };

/** Handlers behind `requireActor()`: who is calling, and their session when it is a person. */
export type ActorEnv = { Variables: ApiVariables & { actor: Actor; session: ActiveSession | null } };

/** The workspace's HTML form handlers: the session (if any) and the submitted text fields. */
export type PagesEnv = { Variables: ApiVariables & { session: ActiveSession | null; form: Record<string, string> } };
