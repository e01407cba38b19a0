import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { backupStatus, listJobRuns } from '../../store/operations/job-runs.ts';
import { appliedSchemaVersion, SCHEMA_VERSION } from '../../store/schema-version.ts';
import type { ApiEnv } from '../env.ts';
import { createRouter } from '../openapi.ts';

const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    db: z.enum(['ok', 'error']),
    search: z.object({ engine: z.string(), pending: z.number().int() }),
  })
  .openapi('Health');

const health = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Estado del servicio',
  responses: {
    200: { description: 'Todo funciona', content: { 'application/json': { schema: healthSchema } } },
    503: { description: 'La base de datos no responde', content: { 'application/json': { schema: healthSchema } } },
  },
});

const liveSchema = z.object({ status: z.literal('alive') }).openapi('Liveness');

const live = createRoute({
  method: 'get',
  path: '/health/live',
  summary: 'El proceso está vivo (no consulta nada más)',
  responses: { 200: { description: 'El proceso responde', content: { 'application/json': { schema: liveSchema } } } },
});

const readySchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({
      store: z.enum(['ok', 'error']),
      migrations: z.object({ applied: z.number().int(), expected: z.number().int(), ok: z.boolean() }),
      search: z.object({ engine: z.string(), pending: z.number().int() }),
      outbox: z.object({ pending: z.number().int(), oldest_pending_age_seconds: z.number().nullable() }),
      backup: z.object({
        last_success_at: z.string().nullable(),
        age_seconds: z.number().nullable(),
        last_attempt_ok: z.boolean().nullable(),
      }),
      jobs: z.array(
        z.object({
          name: z.string(),
          status: z.enum(['ok', 'failed']),
          last_run_at: z.string(),
          last_success_at: z.string().nullable(),
          duration_ms: z.number(),
        }),
      ),
    }),
  })
  .openapi('Readiness');

const ready = createRoute({
  method: 'get',
  path: '/health/ready',
  summary: 'Listo para atender: base de datos, migraciones, búsqueda, bandeja de salida, copias y tareas',
  responses: {
    200: { description: 'Listo', content: { 'application/json': { schema: readySchema } } },
    503: { description: 'La base no responde o le faltan migraciones', content: { 'application/json': { schema: readySchema } } },
  },
});

type Readiness = z.infer<typeof readySchema>;

/** Seconds from `iso` to the store's now; null for never. */
function ageSeconds(c: Context<ApiEnv>, iso: string | null | undefined): number | null {
  if (!iso) return null;
  return Math.max(0, Math.round((c.var.store.clock.now().getTime() - Date.parse(iso)) / 1000));
}

/**
 * Readiness in detail, for the people who run the portal and their load balancer. Names, counts,
 * ages and statuses only: never a secret, a URL with credentials, an error's text or a row.
 */
async function readiness(c: Context<ApiEnv>): Promise<Readiness> {
  const failed: Readiness = {
    status: 'not_ready',
    checks: {
      store: 'error',
      migrations: { applied: 0, expected: SCHEMA_VERSION, ok: false },
      search: { engine: c.var.search.name, pending: 0 },
      outbox: { pending: 0, oldest_pending_age_seconds: null },
      backup: { last_success_at: null, age_seconds: null, last_attempt_ok: null },
      jobs: [],
    },
  };
  const db = c.var.store.db;
  let applied: number;
  try {
    applied = await appliedSchemaVersion(db);
  } catch {
    return failed;
  }
  const migrations = { applied, expected: SCHEMA_VERSION, ok: applied === SCHEMA_VERSION };
  // A store behind this code may lack the operations tables: what it has is still reported.
  const optional = async <T>(read: () => Promise<T>, otherwise: T): Promise<T> => read().catch(() => otherwise);
  const pendingSearch = await c.var.search.pending().catch(() => 0);
  const outbox = await optional(
    async () => {
      const rows = await db.execute("SELECT count(*) AS n, min(created_at) AS oldest FROM outbox WHERE state = 'pending'");
      const row = rows.rows[0];
      return { pending: Number(row.n), oldest_pending_age_seconds: ageSeconds(c, row.oldest === null ? null : String(row.oldest)) };
    },
    { pending: 0, oldest_pending_age_seconds: null },
  );
  const backups = await optional(() => backupStatus(db), { lastOk: null, lastAttempt: null });
  const jobs = await optional(() => listJobRuns(db), []);
  return {
    status: migrations.ok ? 'ready' : 'not_ready',
    checks: {
      store: 'ok',
      migrations,
      search: { engine: c.var.search.name, pending: pendingSearch },
      outbox,
      backup: {
        last_success_at: backups.lastOk?.finishedAt ?? null,
        age_seconds: ageSeconds(c, backups.lastOk?.finishedAt),
        last_attempt_ok: backups.lastAttempt ? backups.lastAttempt.ok : null,
      },
      jobs: jobs.map((run) => ({
        name: run.job,
        status: run.lastStatus,
        last_run_at: run.lastStartedAt,
        last_success_at: run.lastOkAt,
        duration_ms: run.lastDurationMs,
      })),
    },
  };
}

/**
 * Health in three answers: `/api/health` (the short summary clients already read), `/api/health/live`
 * (the process answers: restart it if not) and `/api/health/ready` (it can serve: store reachable,
 * migrations applied; with the search engine, outbox backlog, last backup and last job runs beside).
 */
export function systemRoutes() {
  return createRouter()
    .openapi(health, async (c) => {
      c.header('Cache-Control', 'no-store');
      let db: 'ok' | 'error' = 'ok';
      try {
        await c.var.store.db.execute('SELECT 1');
      } catch {
        db = 'error';
      }
      const pending = db === 'ok' ? await c.var.search.pending().catch(() => 0) : 0;
      const body = { status: db === 'ok' ? ('ok' as const) : ('degraded' as const), db, search: { engine: c.var.search.name, pending } };
      return c.json(body, db === 'ok' ? 200 : 503);
    })
    .openapi(live, (c) => {
      c.header('Cache-Control', 'no-store');
      return c.json({ status: 'alive' as const }, 200);
    })
    .openapi(ready, async (c) => {
      c.header('Cache-Control', 'no-store');
      const body = await readiness(c);
      return c.json(body, body.status === 'ready' ? 200 : 503);
    });
}
