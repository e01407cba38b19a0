import type { Db } from '../db.ts';
import { feedbackScope, type Actor } from '../policy.ts';

/**
 * «¿Le fue útil?» and «Quiero este servicio en línea» need no answer, one by one: they are counted,
 * per procedure, over the last `days` days and the `days` before, so an officer sees where demand
 * or usefulness moves. Only «Este servicio no funciona así» goes to the inbox (feedback.ts).
 */
export interface FeedbackTrend {
  slug: string;
  title: string;
  useful: { recent: number; before: number };
  notUseful: { recent: number; before: number };
  wantOnline: { recent: number; before: number };
}

export const COUNTED_KINDS = ['useful', 'not_useful', 'want_online'] as const;

/**
 * Counts per procedure of the reader's scope (officers: their institution; admins: all), with any
 * count in the two windows, most asked-for online first. `now` ends the recent window.
 *
 * @example await feedbackTrends(db, actor, { now: store.clock.now(), days: 30 })
 */
export async function feedbackTrends(db: Db, actor: Actor, options: { now: Date; days?: number; slug?: string; limit?: number }): Promise<FeedbackTrend[]> {
  const institutionId = feedbackScope(actor);
  const days = options.days ?? 30;
  const recentFrom = new Date(options.now.getTime() - days * 86_400_000).toISOString();
  const beforeFrom = new Date(options.now.getTime() - 2 * days * 86_400_000).toISOString();
  const where = ["f.kind IN ('useful', 'not_useful', 'want_online')", 'f.created_at >= ?'];
  const args: (string | number)[] = [recentFrom, recentFrom, recentFrom, beforeFrom];
  if (institutionId !== null) {
    where.push('p.institution_id = ?');
    args.push(institutionId);
  }
  if (options.slug) {
    where.push('p.slug = ?');
    args.push(options.slug);
  }
  const rows = await db.execute({
    sql: `SELECT p.slug, p.title,
                 sum(CASE WHEN f.kind = 'useful' AND f.created_at >= ? THEN 1 ELSE 0 END) AS useful_recent,
                 sum(CASE WHEN f.kind = 'useful' THEN 1 ELSE 0 END) AS useful_all,
                 sum(CASE WHEN f.kind = 'not_useful' AND f.created_at >= ? THEN 1 ELSE 0 END) AS not_useful_recent,
                 sum(CASE WHEN f.kind = 'not_useful' THEN 1 ELSE 0 END) AS not_useful_all,
                 sum(CASE WHEN f.kind = 'want_online' AND f.created_at >= ? THEN 1 ELSE 0 END) AS want_recent,
                 sum(CASE WHEN f.kind = 'want_online' THEN 1 ELSE 0 END) AS want_all
            FROM feedback f JOIN procedures p ON p.id = f.procedure_id
           WHERE ${where.join(' AND ')}
           GROUP BY p.id
           ORDER BY want_recent DESC, useful_recent + not_useful_recent DESC, p.title
           LIMIT ?`,
    args: [...args, options.limit ?? 100],
  });
  const pair = (recent: unknown, all: unknown) => ({ recent: Number(recent ?? 0), before: Number(all ?? 0) - Number(recent ?? 0) });
  return rows.rows.map((row) => ({
    slug: String(row.slug),
    title: String(row.title),
    useful: pair(row.useful_recent, row.useful_all),
    notUseful: pair(row.not_useful_recent, row.not_useful_all),
    wantOnline: pair(row.want_recent, row.want_all),
  }));
}
