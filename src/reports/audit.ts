import { dollars } from './money-format';
import { monthInProgress, previousPeriod, type Period } from './period';
import type { ReportLedger } from './ports';

/** One subject's change between two periods, with what drove it. */
export interface AuditLine {
  dimension: 'team' | 'feature' | 'model' | 'user';
  subject: string;
  this_nano_usd: string;
  last_nano_usd: string;
  change_nano_usd: string;
  change_pct: number | null;
  calls_this: number;
  calls_last: number;
  tokens_per_call_this: number;
  tokens_per_call_last: number;
  /** more_calls, more_tokens_per_call or pricier_tokens (or their opposites), or new / gone. */
  driver: string;
  summary: string;
}

/** A day whose spend or retry rate departs sharply from its own team's baseline. */
export interface Anomaly {
  team: string;
  day: string;
  metric: 'spend' | 'retry_rate';
  value: number;
  baseline: number;
  summary: string;
}

interface Row { subject: string; cost: string; calls: string; tokens: string }

/**
 * Month over month (or period over period) by team, feature, model and user, largest
 * changes first. A change in cost = calls x tokens per call x cost per token, so its log
 * splits into those three; the largest part is named as the driver. Anomalies: days whose
 * spend or retry rate is 3 standard deviations above the team's own mean of the period.
 */
export async function audit(ledger: ReportLedger, period: Period, nowMs = Date.now()): Promise<{ period: string; previous: string; month_to_date: boolean; lines: AuditLine[]; anomalies: Anomaly[]; headlines: string[] }> {
  const prev = previousPeriod(period, nowMs);
  const toDate = monthInProgress(period, nowMs);
  const when = toDate ? 'this month so far' : /^\d{4}-\d{2}$/.test(period.label) ? 'this month' : 'this period';
  // Per period: team, feature and model from the daily rollup, and users from theirs (both
  // kept current by the mark resolver, run by the caller).
  const read = async (p: Period) => {
    const params = { from: p.from, to: p.to };
    const [dims, users] = await Promise.all([ledger.costByDimension(params), ledger.costByUser(params)]);
    return [...(dims as unknown as (Row & { dim: AuditLine['dimension'] })[]), ...(users as unknown as Row[]).map((u) => ({ ...u, dim: 'user' as const }))];
  };
  const [now, before] = await Promise.all([read(period), read(prev)]);
  const lines: AuditLine[] = [];
  for (const dimension of ['team', 'feature', 'model', 'user'] as const) {
    const keep = (r: Row & { dim: string }) => r.dim === dimension && (dimension === 'team' || dimension === 'model' || r.subject !== '');
    const cur = new Map(now.filter(keep).map((r) => [r.subject, r]));
    const last = new Map(before.filter(keep).map((r) => [r.subject, r]));
    for (const subject of new Set([...cur.keys(), ...last.keys()])) lines.push(line(dimension, subject, cur.get(subject), last.get(subject), when));
  }
  lines.sort((x, y) => Math.abs(Number(BigInt(y.change_nano_usd))) - Math.abs(Number(BigInt(x.change_nano_usd))));
  const anomalies = await detectAnomalies(ledger, period);
  // The unattributed bucket gets a line of its own below, not a second one among the teams.
  const headlines = lines.filter((l) => l.dimension === 'team' && l.subject !== '(unattributed)').slice(0, 5).map((l) => l.summary);
  const unattributed = lines.find((l) => l.dimension === 'team' && l.subject === '(unattributed)');
  if (unattributed && BigInt(unattributed.this_nano_usd) > 0n) headlines.push(`Unattributed traffic: ${dollars(BigInt(unattributed.this_nano_usd))} ${when}, needs cleanup`);
  return { period: period.label, previous: prev.label, month_to_date: toDate, lines, anomalies, headlines };
}

function line(dimension: AuditLine['dimension'], subject: string, a: Row | undefined, b: Row | undefined, when: string): AuditLine {
  const c1 = BigInt(a?.cost ?? '0');
  const c0 = BigInt(b?.cost ?? '0');
  const n1 = Number(a?.calls ?? 0);
  const n0 = Number(b?.calls ?? 0);
  const t1 = Number(a?.tokens ?? 0);
  const t0 = Number(b?.tokens ?? 0);
  const tpc1 = n1 ? t1 / n1 : 0;
  const tpc0 = n0 ? t0 / n0 : 0;
  let driver = 'unchanged';
  if (n0 === 0 && n1 > 0) driver = 'new';
  else if (n1 === 0 && n0 > 0) driver = 'gone';
  else if (c0 > 0n && c1 > 0n && t0 > 0 && t1 > 0) {
    const parts = {
      calls: Math.log(n1 / n0),
      tokens_per_call: Math.log(tpc1 / tpc0),
      price: Math.log(Number(c1) / t1 / (Number(c0) / t0)),
    };
    const [name, value] = Object.entries(parts).sort((x, y) => Math.abs(y[1]) - Math.abs(x[1]))[0]!;
    if (Math.abs(value) > 1e-9) {
      const up = value > 0;
      driver = name === 'calls' ? (up ? 'more_calls' : 'fewer_calls') : name === 'tokens_per_call' ? (up ? 'more_tokens_per_call' : 'fewer_tokens_per_call') : up ? 'pricier_tokens' : 'cheaper_tokens';
    }
  }
  const pct = c0 === 0n ? null : Number(((c1 - c0) * 10_000n) / c0) / 100;
  const label = dimension === 'team' ? (subject === '(unattributed)' ? 'Unattributed traffic' : `Team ${subject}`) : `${dimension[0]!.toUpperCase()}${dimension.slice(1)} ${subject}`;
  const move = pct === null ? 'new' : `${pct >= 0 ? 'up' : 'down'} ${Math.abs(Math.round(pct))}%`;
  // "new" already says why; "(new)" after it would say it twice.
  const why = driver === 'new' ? '' : ` (${driver.replace(/_/g, ' ')})`;
  return {
    dimension, subject, this_nano_usd: c1.toString(), last_nano_usd: c0.toString(), change_nano_usd: (c1 - c0).toString(), change_pct: pct,
    calls_this: n1, calls_last: n0, tokens_per_call_this: Math.round(tpc1 * 100) / 100, tokens_per_call_last: Math.round(tpc0 * 100) / 100, driver,
    summary: `${label}: ${dollars(c1)} ${when}, ${move}${why}`,
  };
}

async function detectAnomalies(ledger: ReportLedger, period: Period): Promise<Anomaly[]> {
  const days = (await ledger.teamDays({ from: period.from, to: period.to })).map((d) => ({ team: d.team!, day: d.day!, spend: d.spend!, retry_rate: Number(d.retry_rate) }));
  const out: Anomaly[] = [];
  const byTeam = new Map<string, typeof days>();
  for (const d of days) byTeam.set(d.team, [...(byTeam.get(d.team) ?? []), d]);
  for (const [team, series] of byTeam) {
    if (series.length < 7) continue;
    for (const metric of ['spend', 'retry_rate'] as const) {
      const values = series.map((d) => (metric === 'spend' ? Number(d.spend) : d.retry_rate));
      for (let i = 0; i < series.length; i++) {
        // The day is compared with the other days, so a spike does not raise its own baseline.
        const others = values.filter((_, j) => j !== i);
        const mean = others.reduce((s, v) => s + v, 0) / others.length;
        const sd = Math.sqrt(others.reduce((s, v) => s + (v - mean) ** 2, 0) / others.length);
        const v = values[i]!;
        if (v > mean + 3 * sd && v > mean * 1.5 && v > 0) {
          out.push({
            team, day: series[i]!.day, metric, value: v, baseline: mean,
            summary: metric === 'spend'
              ? `Team ${team} spent ${dollars(BigInt(Math.round(v)))} on ${series[i]!.day}, ${(v / Math.max(mean, 1)).toFixed(1)}x its daily average`
              : `Team ${team} retried ${(v * 100).toFixed(0)}% of calls on ${series[i]!.day} (usually ${(mean * 100).toFixed(0)}%)`,
          });
        }
      }
    }
  }
  return out;
}
