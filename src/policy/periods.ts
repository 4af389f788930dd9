/** A budget period: [startMs, endMs). */
export interface PeriodBounds {
  startMs: number;
  endMs: number;
}

/** Computes budget periods in a time zone; formatters are built once per zone. */
export interface PeriodCalculator {
  bounds(period: 'day' | 'week' | 'month', timeZone: string, atMs: number): PeriodBounds;
}

/**
 * Period boundaries fall at local midnight in the budget's time zone (weeks start on
 * Monday), converted to UTC instants with the zone's offset at that moment, so DST is
 * handled. Intl is the only time zone database Node ships; no library adds to it here.
 */
export function createPeriodCalculator(): PeriodCalculator {
  const formatters = new Map<string, Intl.DateTimeFormat>();
  const fmt = (tz: string) => {
    let f = formatters.get(tz);
    if (f === undefined) {
      f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
      formatters.set(tz, f);
    }
    return f;
  };
  const localParts = (ms: number, tz: string) => {
    const p: Record<string, number> = {};
    for (const part of fmt(tz).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return { y: p.year!, m: p.month!, d: p.day!, h: p.hour!, min: p.minute!, s: p.second! };
  };
  const offsetMs = (ms: number, tz: string) => {
    const l = localParts(ms, tz);
    return Date.UTC(l.y, l.m - 1, l.d, l.h, l.min, l.s) - Math.floor(ms / 1000) * 1000;
  };
  const midnightUtc = (y: number, m: number, d: number, tz: string) => {
    const guess = Date.UTC(y, m - 1, d);
    let at = guess - offsetMs(guess, tz);
    const again = guess - offsetMs(at, tz);
    if (again !== at) at = again;
    return at;
  };
  return {
    bounds(period, timeZone, atMs) {
      const l = localParts(atMs, timeZone);
      let start: [number, number, number];
      let end: [number, number, number];
      if (period === 'day') {
        start = [l.y, l.m, l.d];
        end = civil(l.y, l.m, l.d + 1);
      } else if (period === 'week') {
        const weekday = (new Date(Date.UTC(l.y, l.m - 1, l.d)).getUTCDay() + 6) % 7; // Monday = 0
        start = civil(l.y, l.m, l.d - weekday);
        end = civil(start[0], start[1], start[2] + 7);
      } else {
        start = [l.y, l.m, 1];
        end = civil(l.y, l.m + 1, 1);
      }
      return { startMs: midnightUtc(...start, timeZone), endMs: midnightUtc(...end, timeZone) };
    },
  };
}

/** Normalizes a (year, month, day) that may overflow, e.g. day 32 or month 13. */
function civil(y: number, m: number, d: number): [number, number, number] {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return [dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate()];
}
