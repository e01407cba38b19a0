import holidayData from '../../data/reference/holidays.json' with { type: 'json' };
import type { ReportKind } from './kinds.ts';

/**
 * Service-level promises per kind: how soon a case is acknowledged (a person has taken it, or
 * answered) and resolved. Typed configuration with documented defaults; times in working days
 * count El Salvador's working days (Monday to Friday, without the national holidays and the public
 * sector's vacation periods in data/reference/holidays.json), in El Salvador's time (UTC−6, no DST).
 */
export type SlaSpan = { minutes: number } | { hours: number } | { workingDays: number };

export interface SlaPromise {
  acknowledge: SlaSpan;
  resolve: SlaSpan;
}

export const DEFAULT_SLA: Record<ReportKind, SlaPromise> = {
  // A person on duty answers within minutes, around the clock.
  emergency: { acknowledge: { minutes: 5 }, resolve: { hours: 24 } },
  violence: { acknowledge: { minutes: 15 }, resolve: { hours: 72 } },
  // Offices answer in working days (Ley de Procedimientos Administrativos: plazos en días hábiles).
  complaint: { acknowledge: { workingDays: 5 }, resolve: { workingDays: 20 } },
  corruption: { acknowledge: { workingDays: 5 }, resolve: { workingDays: 30 } },
  missing_requirement: { acknowledge: { workingDays: 5 }, resolve: { workingDays: 15 } },
};

const OFFSET_MS = 6 * 3600_000; // El Salvador = UTC−6 all year

interface HolidayFile {
  years: Record<string, { holidays: { date: string }[]; public_sector_vacations: { from: string; to: string }[] }>;
}

function nonWorkingDays(data: HolidayFile): Set<string> {
  const days = new Set<string>();
  for (const year of Object.values(data.years)) {
    for (const holiday of year.holidays) days.add(holiday.date);
    for (const vacation of year.public_sector_vacations) {
      for (let day = new Date(`${vacation.from}T00:00:00Z`); day <= new Date(`${vacation.to}T00:00:00Z`); day = new Date(day.getTime() + 86_400_000)) {
        days.add(day.toISOString().slice(0, 10));
      }
    }
  }
  return days;
}

const CLOSED_DAYS = nonWorkingDays(holidayData as HolidayFile);

/** Whether `day` (YYYY-MM-DD, local) is a working day for public offices. */
export function isWorkingDay(day: string): boolean {
  const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !CLOSED_DAYS.has(day);
}

/**
 * The moment a span after `from` ends. Working days: the same local time of day on the n-th
 * working day after `from` (a case received on a holiday starts counting on the next working day).
 */
export function addSpan(from: Date, span: SlaSpan): Date {
  if ('minutes' in span) return new Date(from.getTime() + span.minutes * 60_000);
  if ('hours' in span) return new Date(from.getTime() + span.hours * 3600_000);
  const local = from.getTime() - OFFSET_MS;
  const day = new Date(local).toISOString().slice(0, 10);
  const timeOfDay = local - Date.parse(`${day}T00:00:00Z`);
  return new Date(Date.parse(`${nthWorkingDayAfter(day, span.workingDays)}T00:00:00Z`) + timeOfDay + OFFSET_MS);
}

// Every case received on a day gets the same deadline day: remembered (a few hundred entries a year).
const deadlineDays = new Map<string, string>();

function nthWorkingDayAfter(day: string, n: number): string {
  const key = `${day}+${n}`;
  let found = deadlineDays.get(key);
  if (!found) {
    let current = Date.parse(`${day}T12:00:00Z`);
    for (let left = n; left > 0;) {
      current += 86_400_000;
      if (isWorkingDay(new Date(current).toISOString().slice(0, 10))) left--;
    }
    found = new Date(current).toISOString().slice(0, 10);
    deadlineDays.set(key, found);
  }
  return found;
}

/** «5 minutos», «24 horas», «5 días hábiles»: how the promise reads on a page. */
export function spanText(span: SlaSpan): string {
  if ('minutes' in span) return `${span.minutes} ${span.minutes === 1 ? 'minuto' : 'minutos'}`;
  if ('hours' in span) return `${span.hours} ${span.hours === 1 ? 'hora' : 'horas'}`;
  return `${span.workingDays} ${span.workingDays === 1 ? 'día hábil' : 'días hábiles'}`;
}

export interface SlaClock {
  acknowledgeDueAt: string;
  resolveDueAt: string;
  /** Which promise is running now and how it stands. */
  stage: 'acknowledge' | 'resolve' | 'done';
  dueAt: string | null;
  overdue: boolean;
  /** Milliseconds left (negative when overdue); null when done. */
  remainingMs: number | null;
}

/** Where a case stands against its promises at `now`. */
export function slaClock(
  report: { acknowledgeDueAt: string; resolveDueAt: string; acknowledgedAt: string | null; closedAt: string | null },
  now: Date,
): SlaClock {
  const base = { acknowledgeDueAt: report.acknowledgeDueAt, resolveDueAt: report.resolveDueAt };
  if (report.closedAt) return { ...base, stage: 'done', dueAt: null, overdue: false, remainingMs: null };
  const stage = report.acknowledgedAt ? 'resolve' : 'acknowledge';
  const dueAt = stage === 'acknowledge' ? report.acknowledgeDueAt : report.resolveDueAt;
  const remainingMs = new Date(dueAt).getTime() - now.getTime();
  return { ...base, stage, dueAt, overdue: remainingMs < 0, remainingMs };
}
