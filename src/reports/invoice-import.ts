import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { divRound, parseScaled } from '../pipeline';
import type { ReportLedger } from './ports';

/** Invoice export formats understood. */
export type InvoiceFormat = 'generic_csv' | 'openai_costs_json' | 'anthropic_cost_csv';

/** One provider-billed amount for a day and model. */
export interface InvoiceLine {
  day: string;
  provider: string;
  model: string;
  costNano: bigint;
  currency: string;
}

/** What an import did. */
export interface ImportResult {
  file_sha256: string;
  format: InvoiceFormat;
  lines: number;
  total_nano_usd: string;
}

const DATE_COLUMNS = ['date', 'usage_date', 'day', 'starting_at', 'start_date'];
const MODEL_COLUMNS = ['model', 'model_name', 'model_id'];
const COST_COLUMNS = ['cost_usd', 'cost', 'amount_usd', 'amount', 'total_cost'];

/** Sniffs the format: JSON is OpenAI's costs export; CSV with a provider column is generic, otherwise Anthropic's. */
export function detectFormat(body: string): InvoiceFormat {
  const t = body.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return 'openai_costs_json';
  const header = t.split(/\r?\n/, 1)[0]!.toLowerCase();
  return /(^|,)\s*"?provider"?\s*(,|$)/.test(header) ? 'generic_csv' : 'anthropic_cost_csv';
}

/**
 * Parses an invoice export into lines. Generic CSV: `date,provider,model,cost` (USD).
 * OpenAI costs JSON: buckets (`start_time`) of results with `amount.value` and a
 * `line_item` such as "gpt-4o-2024-08-06, input". Anthropic cost CSV: columns found by
 * header (date, model, cost). Throws naming the line and field at fault.
 */
export function parseInvoice(body: string, format: InvoiceFormat): InvoiceLine[] {
  if (format === 'openai_costs_json') {
    const doc = JSON.parse(body) as { data?: { start_time?: number; results?: { amount?: { value?: number | string; currency?: string }; line_item?: string | null; model?: string }[] }[] };
    const lines: InvoiceLine[] = [];
    for (const [i, bucket] of (doc.data ?? []).entries()) {
      if (typeof bucket.start_time !== 'number') throw new Error(`data[${i}].start_time: expected unix seconds`);
      const day = new Date(bucket.start_time * 1000).toISOString().slice(0, 10);
      for (const [j, r] of (bucket.results ?? []).entries()) {
        const model = (r.model ?? r.line_item ?? '').split(',')[0]!.trim();
        if (r.amount?.value === undefined) throw new Error(`data[${i}].results[${j}].amount.value is missing`);
        lines.push({ day, provider: 'openai', model, costNano: dollarsToNano(String(r.amount.value), `data[${i}].results[${j}].amount.value`), currency: (r.amount.currency ?? 'usd').toUpperCase() });
      }
    }
    return lines;
  }
  const records = parse(body, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const pick = (rec: Record<string, string>, names: string[]) => names.map((n) => rec[n]).find((v) => v !== undefined && v !== '');
  return records.map((rec, i) => {
    const where = `line ${i + 2}`;
    const date = pick(rec, DATE_COLUMNS);
    const model = pick(rec, MODEL_COLUMNS);
    const cost = pick(rec, COST_COLUMNS);
    if (!date || Number.isNaN(Date.parse(date))) throw new Error(`${where}: no valid date (columns ${DATE_COLUMNS.join('/')})`);
    if (!model) throw new Error(`${where}: no model (columns ${MODEL_COLUMNS.join('/')})`);
    if (!cost) throw new Error(`${where}: no cost (columns ${COST_COLUMNS.join('/')})`);
    const provider = format === 'generic_csv' ? (rec.provider ?? '').toLowerCase() : 'anthropic';
    if (!provider) throw new Error(`${where}: no provider`);
    return { day: new Date(date).toISOString().slice(0, 10), provider, model, costNano: dollarsToNano(cost.replace(/^\$/, ''), where), currency: (rec.currency ?? 'USD').toUpperCase() };
  });
}

/** Stores an invoice file; the file's SHA-256 and line numbers key the rows, so re-importing replaces, never doubles. */
export async function importInvoice(ledger: ReportLedger, body: string, format: InvoiceFormat): Promise<ImportResult> {
  const lines = parseInvoice(body, format);
  const sha = createHash('sha256').update(body).digest('hex');
  await ledger.writeInvoiceLines(sha, format, lines);
  return { file_sha256: sha, format, lines: lines.length, total_nano_usd: lines.reduce((s, l) => s + l.costNano, 0n).toString() };
}

function dollarsToNano(text: string, where: string): bigint {
  const t = text.trim();
  try {
    // Exports print floats with up to 12 decimals; round them half-up to the nano-USD.
    return divRound(parseScaled(t, 12), 1000n);
  } catch {
    throw new Error(`${where}: cost '${t}' is not a decimal amount`);
  }
}
