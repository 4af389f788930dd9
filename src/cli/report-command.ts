import { readFileSync, statSync } from 'node:fs';
import { formatUsd } from './amount-format';
import { apiBase, cliFetch, describeApiFailure } from './api-request';
import { parseCommandArgs } from './command-args';

/** The command's help text. */
export const REPORT_USAGE = `usage: spanledger report chargeback|audit|quality|reconcile|budgets|prices|focus [--period YYYY-MM | --from D --to D] [--format table|json|csv]
       spanledger report sessions [--from D --to D] [--team T] [--limit N]      the costliest sessions (the last 30 days by default)
       spanledger report chargeback --group-by team,app,feature,model
       spanledger report quality --max-unallocated-pct 2      exits 1 when more of the spend has no owner
       spanledger report reconcile --tolerance-pct 2 [--fail-on-gap]      exits 1 when the invoice and the ledger differ past it
       spanledger report focus --focus-version 1.3|1.2      FOCUS 1.3 by default
       spanledger report import-invoice FILE [--invoice-format generic_csv|openai_costs_json|anthropic_cost_csv]
--to is exclusive (--from 2026-11-01 --to 2026-12-01 is November, as --period 2026-11 is).
They talk to the running service (--host, --api-port) with --admin-token.`;

const PATHS: Record<string, string> = {
  chargeback: '/v1/reports/chargeback',
  audit: '/v1/reports/audit',
  quality: '/v1/reports/quality',
  reconcile: '/v1/reports/reconciliation',
  focus: '/v1/reports/focus',
  budgets: '/v1/reports/budgets',
  prices: '/v1/reports/prices',
  sessions: '/v1/sessions',
};

/** `spanledger report ...`; resolves with the exit code. */
export async function reportCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = argv;
  const { flags, positionals, config } = parseCommandArgs(rest, {
    period: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' }, 'group-by': { type: 'string' },
    'max-unallocated-pct': { type: 'string' }, 'fail-on-gap': { type: 'boolean' }, 'tolerance-pct': { type: 'string' }, 'focus-version': { type: 'string' }, 'invoice-format': { type: 'string' },
    team: { type: 'string' }, limit: { type: 'string' },
  });
  const base = apiBase(config);
  const headers: Record<string, string> = config.adminToken ? { authorization: `Bearer ${config.adminToken}` } : {};

  if (sub === 'import-invoice') {
    const file = positionals[0];
    if (!file) {
      err.write(`${REPORT_USAGE}\n`);
      return 2;
    }
    err.write(`importing ${file} (${statSync(file).size} bytes)...\n`);
    const q = typeof flags['invoice-format'] === 'string' ? `?format=${encodeURIComponent(flags['invoice-format'])}` : '';
    const res = await cliFetch(`${base}/v1/reports/invoices${q}`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: readFileSync(file, 'utf8') });
    if (!res.ok) {
      err.write(await describeApiFailure('report import-invoice', `${base}/v1/reports/invoices`, res));
      return 1;
    }
    const body = (await res.json()) as Record<string, unknown>;
    err.write(`imported ${String(body.lines)} lines\n`);
    out.write(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  }
  const path = sub === undefined ? undefined : PATHS[sub];
  if (path === undefined) {
    err.write(`${REPORT_USAGE}\n`);
    return 2;
  }
  const params = new URLSearchParams();
  for (const k of ['period', 'from', 'to'] as const) if (typeof flags[k] === 'string') params.set(k, flags[k] as string);
  if (typeof flags['group-by'] === 'string') params.set('group_by', flags['group-by']);
  if (typeof flags['tolerance-pct'] === 'string') params.set('tolerance_pct', flags['tolerance-pct']);
  if (typeof flags['focus-version'] === 'string') params.set('focus_version', flags['focus-version']);
  if (typeof flags.team === 'string') params.set('team', flags.team);
  if (typeof flags.limit === 'string') params.set('limit', flags.limit);
  const format = typeof flags.format === 'string' ? flags.format : 'table';
  if (format === 'csv') params.set('format', 'csv');
  const query = params.toString();
  const url = `${base}${path}${query === '' ? '' : `?${query}`}`;
  const res = await cliFetch(url, { headers });
  if (!res.ok) {
    err.write(await describeApiFailure(`report ${sub}`, url, res));
    return 1;
  }
  if (format === 'csv') {
    out.write(await res.text());
    return 0;
  }
  const body = (await res.json()) as Record<string, unknown>;
  if (format === 'json') out.write(`${JSON.stringify(body, null, 2)}\n`);
  else out.write(renderTable(sub!, body));
  if (sub === 'quality' && typeof flags['max-unallocated-pct'] === 'string') {
    const max = Number(flags['max-unallocated-pct']);
    const pct = Number(body.unallocated_spend_pct);
    if (pct > max) {
      err.write(`quality gate failed: ${pct}% of spend is unallocated (max ${max}%)\n`);
      return 1;
    }
  }
  if (sub === 'reconcile' && flags['fail-on-gap'] === true && body.status !== 'within_tolerance') {
    err.write(`reconciliation gate failed: ${String(body.summary)}\n`);
    return 1;
  }
  return 0;
}

const money = (nano: unknown) => formatUsd(String(nano ?? '0'));

/** A readable terminal view of a report. */
function renderTable(sub: string, body: Record<string, unknown>): string {
  const lines: string[] = [];
  const table = (rows: Record<string, unknown>[], cols: string[]) => {
    const cells = rows.map((r) => cols.map((c) => (c.endsWith('nano_usd') ? money(r[c]) : String(r[c] ?? ''))));
    const head = cols.map((c) => c.replace(/_nano_usd$/, ''));
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
    // Money columns are right-aligned, their headers too.
    lines.push(head.map((h, i) => (cols[i]!.endsWith('nano_usd') ? h.padStart(widths[i]!) : h.padEnd(widths[i]!))).join('  ').trimEnd());
    for (const row of cells) lines.push(row.map((c, i) => (/^-?\$/.test(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd());
  };
  if (sub === 'chargeback') {
    const groupBy = body.group_by as string[];
    table(body.lines as Record<string, unknown>[], [...groupBy, 'calls', 'billed_nano_usd', 'transfer_multiplier', 'charged_nano_usd', 'cost_center']);
    const un = body.unallocated as Record<string, unknown>;
    lines.push('', `(unallocated)  ${String(un.calls)} calls  ${money(un.billed_nano_usd)}  ${String(un.note)}`);
    const totals = body.totals as Record<string, unknown>;
    for (const r of un.reasons as { reason: string; calls: number; billed_nano_usd: string }[]) lines.push(`  reason ${r.reason || '(none)'}: ${r.calls} calls  ${money(r.billed_nano_usd)}`);
    lines.push(`total billed ${money(totals.billed_nano_usd)} (unallocated ${money(totals.unallocated_billed_nano_usd)}), charged back to teams ${money(totals.charged_nano_usd)}`);
  } else if (sub === 'audit') {
    lines.push(...(body.headlines as string[]), '');
    table((body.lines as Record<string, unknown>[]).slice(0, 30), ['dimension', 'subject', 'this_nano_usd', 'last_nano_usd', 'change_pct', 'driver']);
    for (const a of body.anomalies as { summary: string }[]) lines.push(`anomaly: ${a.summary}`);
  } else if (sub === 'quality') {
    // Read as people read them: dollars, ratios as percentages, counts grouped (exact in --format json).
    const shown = (k: string, v: unknown) =>
      v === null ? '(none)'
        : k.endsWith('nano_usd') ? money(v)
        : typeof v === 'number' && /_(ratio|share)$/.test(k) ? `${(v * 100).toFixed(2)}%`
          : typeof v === 'number' ? v.toLocaleString('en-US')
            : typeof v === 'object' ? JSON.stringify(v) : String(v);
    for (const [k, v] of Object.entries(body)) if (k !== 'unpriced_models') lines.push(`${k.replace(/_nano_usd$/, '').padEnd(28)} ${shown(k, v)}`);
    for (const m of body.unpriced_models as { provider: string; model: string; calls: number }[]) lines.push(`  unpriced: ${m.provider}/${m.model} (${m.calls} calls)`);
  } else if (sub === 'reconcile') {
    lines.push(String(body.summary), '');
    // The gaps to explain first, largest first; lines within tolerance after them.
    const abs = (l: Record<string, unknown>) => { const g = BigInt(String(l.gap_nano_usd ?? '0')); return g < 0n ? -g : g; };
    const ordered = [...(body.lines as Record<string, unknown>[])].sort((a, b) =>
      Number(a.category === 'within_tolerance') - Number(b.category === 'within_tolerance') || (abs(b) > abs(a) ? 1 : abs(b) < abs(a) ? -1 : 0));
    table(ordered.slice(0, 50), ['day', 'provider', 'model', 'invoiced_nano_usd', 'ledger_nano_usd', 'gap_nano_usd', 'category']);
    if (ordered.length > 50) lines.push(`(${ordered.length - 50} more lines: --format json or csv for all)`);
  } else if (sub === 'budgets') {
    table(body.budgets as Record<string, unknown>[], ['scope', 'subject', 'period', 'limit_nano_usd', 'spent_nano_usd', 'reserved_nano_usd', 'forecast_nano_usd', 'state']);
    const d = body.decisions as { by_outcome: { outcome: string; reason: string; decisions: number }[] };
    lines.push('', 'policy decisions in the period:');
    for (const o of d.by_outcome) lines.push(`  ${o.outcome} ${o.reason || ''}: ${o.decisions}`);
  } else if (sub === 'prices') {
    table(body.lines as Record<string, unknown>[], ['provider', 'model', 'source', 'catalog_entry', 'override', 'corrections', 'pricing_status', 'calls', 'billed_nano_usd']);
  } else if (sub === 'sessions') {
    const sessions = (body.sessions as Record<string, unknown>[]).map((x) => ({ ...x, calls: x.llm_calls }));
    table(sessions, ['session_id', 'team', 'feature', 'traces', 'calls', 'retries', 'cost_nano_usd', 'retry_cost_nano_usd']);
  } else {
    lines.push(JSON.stringify(body, null, 2));
  }
  return `${lines.join('\n')}\n`;
}
