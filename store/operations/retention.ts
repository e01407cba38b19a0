/**
 * Which daily backups to keep: the newest `daily` days, and beyond them the newest copy of each of
 * the `weekly` most recent weeks (weeks start on Monday, UTC). With one copy a day, the defaults
 * keep a copy of each of the last 7 days and one of each of the 4 weeks before them (about five
 * weeks back in 11 files).
 */

export const BACKUP_RETENTION = { daily: 7, weekly: 4 } as const;

/** The scheduled backup's file name for a day: `portal-2026-11-20.db` (its manifest beside it). */
export function dailyBackupName(day: string): string {
  return `portal-${day}.db`;
}

/** The day in a daily backup's file name, or null for any other file. */
export function dayOfBackupName(name: string): string | null {
  const match = /^portal-(\d{4}-\d{2}-\d{2})\.db$/.exec(name);
  return match && !Number.isNaN(Date.parse(`${match[1]}T00:00:00Z`)) ? match[1] : null;
}

/** Monday of the week of `day` (YYYY-MM-DD), as YYYY-MM-DD. */
export function weekOf(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - sinceMonday * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Splits the days that have a backup into those to keep and those to delete.
 *
 * @example backupsToKeep(['2026-11-01', …, '2026-11-20']).remove // the days past 7 daily and 4 weekly copies
 */
export function backupsToKeep(days: string[], policy: { daily: number; weekly: number } = BACKUP_RETENTION): { keep: string[]; remove: string[] } {
  const sorted = [...new Set(days)].sort().reverse();
  const keep = new Set(sorted.slice(0, policy.daily));
  const weeks = new Set<string>();
  for (const day of sorted.slice(policy.daily)) {
    if (weeks.size >= policy.weekly) break;
    const week = weekOf(day);
    if (weeks.has(week)) continue;
    // The newest copy of a week the daily copies do not already reach back to.
    if ([...keep].some((kept) => weekOf(kept) === week)) continue;
    weeks.add(week);
    keep.add(day);
  }
  return { keep: sorted.filter((day) => keep.has(day)), remove: sorted.filter((day) => !keep.has(day)) };
}
