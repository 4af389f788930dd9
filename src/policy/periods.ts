import { DateTime } from 'luxon';

/** A budget period: [startMs, endMs). */
export interface PeriodBounds {
  startMs: number;
  endMs: number;
}

/** Computes budget periods in a time zone. */
export interface PeriodCalculator {
  /**
   * The period holding `atMs` in `timeZone` (an IANA name, already validated by the
   * policy config). Boundaries fall at the start of the local day (weeks start on Monday,
   * ISO), or at the first instant of that day where midnight does not exist because DST
   * starts at midnight (America/Santiago, America/Havana): there the day starts at 01:00.
   */
  bounds(period: 'day' | 'week' | 'month', timeZone: string, atMs: number): PeriodBounds;
}

/** Periods from luxon, which resolves local times against the zone rules Node ships (Intl). */
export function createPeriodCalculator(): PeriodCalculator {
  return {
    bounds(period, timeZone, atMs) {
      const start = DateTime.fromMillis(atMs, { zone: timeZone }).startOf(period);
      // Adding one calendar unit keeps the local wall time; starting that unit again
      // moves to its first existing instant when a DST gap swallowed midnight.
      const end = start.plus({ [`${period}s`]: 1 }).startOf(period);
      return { startMs: start.toMillis(), endMs: end.toMillis() };
    },
  };
}
