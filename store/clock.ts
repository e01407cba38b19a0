/**
 * The one source of "now" for domain code. Production uses the system clock; tests pass a fixed or
 * movable clock, so no test depends on the day it runs.
 *
 * @example const clock = fixedClock('2026-03-01T12:00:00Z'); isoNow(clock) // '2026-03-01T12:00:00.000Z'
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock stopped at `at`; `advance` moves it (for expiry and retry tests). */
export function fixedClock(at: string | Date): Clock & { advance(ms: number): void; set(at: string | Date): void } {
  let current = new Date(at).getTime();
  return {
    now: () => new Date(current),
    advance(ms) {
      current += ms;
    },
    set(next) {
      current = new Date(next).getTime();
    },
  };
}

/** `2026-03-01T12:00:00.000Z`: how timestamps are stored. */
export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}

// El Salvador keeps UTC-6 all year; a date people read («verificado el …») is the local day.
const localDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/El_Salvador', year: 'numeric', month: '2-digit', day: '2-digit' });

/** `2026-03-01`: the calendar day in El Salvador, for «last checked» dates and daily counters. */
export function today(clock: Clock): string {
  return localDay.format(clock.now());
}

/** The timestamp `ms` after the clock's now. */
export function isoAfter(clock: Clock, ms: number): string {
  return new Date(clock.now().getTime() + ms).toISOString();
}
