import { describe, expect, it } from 'vitest';
import { addSpan, isWorkingDay, slaClock, spanText } from '../../store/reports/sla.ts';

describe('SLA clocks', () => {
  it('count working days without weekends, national holidays or the public sector’s vacations', () => {
    expect(isWorkingDay('2026-11-20')).toBe(true); // Friday
    expect(isWorkingDay('2026-11-21')).toBe(false); // Saturday
    expect(isWorkingDay('2026-11-02')).toBe(false); // Día de los Difuntos
    expect(isWorkingDay('2026-04-02')).toBe(false); // Jueves Santo 2026
    expect(isWorkingDay('2026-08-04')).toBe(false); // vacación de agosto
    expect(isWorkingDay('2026-12-28')).toBe(false); // vacación de fin de año
  });

  it('end 5 working days after a Friday morning on the next Friday, same local time', () => {
    // 2026-11-20 09:00 in El Salvador (15:00 UTC)
    expect(addSpan(new Date('2026-11-20T15:00:00Z'), { workingDays: 5 }).toISOString()).toBe('2026-11-27T15:00:00.000Z');
  });

  it('skip the year-end vacation', () => {
    // Tuesday 22 December 2026: 24 Dec – 2 Jan closed; the next working days are 23 Dec, 4 Jan, 5 Jan…
    expect(addSpan(new Date('2026-12-22T15:00:00Z'), { workingDays: 3 }).toISOString()).toBe('2027-01-05T15:00:00.000Z');
  });

  it('use the local day near midnight (UTC−6)', () => {
    // Friday 20 Nov 23:30 local is Saturday 05:30 UTC: still Friday for the count.
    expect(addSpan(new Date('2026-11-21T05:30:00Z'), { workingDays: 1 }).toISOString()).toBe('2026-11-24T05:30:00.000Z');
  });

  it('run in minutes and hours around the clock', () => {
    expect(addSpan(new Date('2026-11-21T05:30:00Z'), { minutes: 5 }).toISOString()).toBe('2026-11-21T05:35:00.000Z');
    expect(spanText({ minutes: 5 })).toBe('5 minutos');
    expect(spanText({ workingDays: 1 })).toBe('1 día hábil');
  });

  it('stop the acknowledge clock when acknowledged, and every clock when closed', () => {
    const report = { acknowledgeDueAt: '2026-11-20T15:05:00.000Z', resolveDueAt: '2026-11-21T15:00:00.000Z', acknowledgedAt: null, closedAt: null };
    expect(slaClock(report, new Date('2026-11-20T15:06:00Z'))).toMatchObject({ stage: 'acknowledge', overdue: true });
    expect(slaClock({ ...report, acknowledgedAt: '2026-11-20T15:04:00.000Z' }, new Date('2026-11-20T15:06:00Z'))).toMatchObject({
      stage: 'resolve',
      overdue: false,
    });
    expect(slaClock({ ...report, closedAt: '2026-11-20T15:04:00.000Z' }, new Date('2026-11-22T00:00:00Z'))).toMatchObject({ stage: 'done', overdue: false });
  });
});
