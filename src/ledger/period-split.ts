/** A part of a period read from the calls: `[from, to)`, DateTime64 literals (UTC). */
export interface ScannedPart {
  from: string;
  to: string;
}

/**
 * A period `[from, to)` as a daily rollup can serve it: the whole UTC days it covers
 * (`firstDay` to `endDay`, `endDay` exclusive, `YYYY-MM-DD`; none when equal), and the parts
 * of days before and after them, which only the calls can answer (at most two, each under a
 * day long). A day-aligned period has no parts.
 */
export interface PeriodSplit {
  firstDay: string;
  endDay: string;
  parts: ScannedPart[];
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}/;
// Midnight as the ledger's literals write it: a date alone, or with a zero time.
const MIDNIGHT = /^\d{4}-\d{2}-\d{2}(?:[ T]00:00(?::00(?:\.0*)?)?)?$/;

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/**
 * Splits `[from, to)` into whole days and scanned parts. A bound that is not midnight
 * belongs to a part: the days after `from`'s and before `to`'s are whole. Literals that do
 * not start with a date are read from the calls whole.
 */
export function splitPeriod(from: string, to: string): PeriodSplit {
  if (!DATE.test(from) || !DATE.test(to)) return { firstDay: '1970-01-01', endDay: '1970-01-01', parts: [{ from, to }] };
  const firstDay = MIDNIGHT.test(from) ? from.slice(0, 10) : nextDay(from.slice(0, 10));
  const endDay = to.slice(0, 10);
  // No whole day inside: the period is one part.
  if (firstDay >= endDay && !(firstDay === endDay && MIDNIGHT.test(to))) return { firstDay, endDay: firstDay, parts: [{ from, to }] };
  const parts: ScannedPart[] = [];
  if (!MIDNIGHT.test(from)) parts.push({ from, to: `${firstDay} 00:00:00` });
  if (!MIDNIGHT.test(to)) parts.push({ from: `${endDay} 00:00:00`, to });
  return { firstDay, endDay, parts };
}
