/** A reporting period [from, to) in UTC, with ClickHouse literals and its predecessor of equal kind. */
export interface Period {
  label: string;
  fromMs: number;
  toMs: number;
  from: string;
  to: string;
}

const MONTH = /^(\d{4})-(\d{2})$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** ClickHouse DateTime64 literal (UTC) of an instant. */
export function chTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function make(label: string, fromMs: number, toMs: number): Period {
  return { label, fromMs, toMs, from: chTime(fromMs), to: chTime(toMs) };
}

/**
 * `YYYY-MM` (a month, the default being the current one), or `from`/`to` dates
 * (`YYYY-MM-DD`, `to` exclusive). Throws with a message naming the bad value.
 */
export function parsePeriod(q: { period?: string; from?: string; to?: string }, nowMs = Date.now()): Period {
  if (q.from !== undefined || q.to !== undefined) {
    if (!q.from || !q.to || !DAY.test(q.from) || !DAY.test(q.to)) throw new Error('from and to must both be dates YYYY-MM-DD (to exclusive)');
    const fromMs = Date.parse(`${q.from}T00:00:00Z`);
    const toMs = Date.parse(`${q.to}T00:00:00Z`);
    if (!(toMs > fromMs)) throw new Error('to must be after from (to is exclusive: from=2026-11-30&to=2026-12-01 is one day)');
    return make(`${q.from}..${q.to}`, fromMs, toMs);
  }
  const now = new Date(nowMs);
  const label = q.period ?? `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const m = MONTH.exec(label);
  if (!m) throw new Error(`period must be YYYY-MM, got '${label}'`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  if (mo < 1 || mo > 12) throw new Error(`period month must be 01..12, got '${label}'`);
  return make(label, Date.UTC(y, mo - 1, 1), Date.UTC(y, mo, 1));
}

const DAY_MS = 86_400_000;

/** Whether `p` is a month still in progress at `nowMs` (its figures are month to date). */
export function monthInProgress(p: Period, nowMs = Date.now()): boolean {
  return MONTH.test(p.label) && nowMs >= p.fromMs && nowMs < p.toMs;
}

/**
 * The period of the same kind just before `p`: the previous month, or an equally long span.
 * A month still in progress is compared with the same days of the month before (month to
 * date: December 1 to 3 against November 1 to 3, at most the whole month), so the third of a
 * month is not read as a fall of 90% against a whole one.
 */
export function previousPeriod(p: Period, nowMs = Date.now()): Period {
  const m = MONTH.exec(p.label);
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 2, 1));
    const prev = parsePeriod({ period: `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}` });
    if (!monthInProgress(p, nowMs)) return prev;
    const days = Math.floor((nowMs - p.fromMs) / DAY_MS) + 1;
    const toMs = Math.min(prev.fromMs + days * DAY_MS, prev.toMs);
    return make(`${new Date(prev.fromMs).toISOString().slice(0, 10)}..${new Date(toMs).toISOString().slice(0, 10)}`, prev.fromMs, toMs);
  }
  const len = p.toMs - p.fromMs;
  return make(`${new Date(p.fromMs - len).toISOString().slice(0, 10)}..${new Date(p.fromMs).toISOString().slice(0, 10)}`, p.fromMs - len, p.fromMs);
}
