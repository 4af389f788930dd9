import type { TestService } from './test-service';

/** One `llm_calls` row as the end-to-end instrumentation tests compare it. */
export interface CallRow {
  convention: string;
  operation: string;
  provider: string;
  raw_provider: string;
  request_model: string;
  response_model: string;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  cache_write_1h_tokens: number | null;
  reasoning_tokens: number | null;
  token_rebuild: string;
  cost_nano_usd: string | null;
  pricing_status: string;
  session_id: string;
  user_id: string;
}

/** What one instrumented run left in the ledger: every call (by span name) and every span with its call flag. */
export interface Ledger {
  calls: (CallRow & { span_name: string })[];
  spans: { name: string; is_llm_call: number }[];
}

/** Reads the calls (ordered by span name, then start) and spans of the service's ledger. */
export async function readLedger(svc: TestService): Promise<Ledger> {
  const calls = await svc.rows<CallRow & { span_name: string }>(
    `SELECT span_name, convention, operation, provider, raw_provider, request_model, response_model, input_tokens, output_tokens,
       cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, token_rebuild, toString(cost_nano_usd) AS cost_nano_usd,
       pricing_status, session_id, user_id
     FROM llm_calls FINAL ORDER BY span_name, timestamp`,
  );
  const spans = await svc.rows<{ name: string; is_llm_call: number }>('SELECT name, is_llm_call FROM spans FINAL ORDER BY name, timestamp');
  return { calls, spans };
}

/** Polls the ledger until it holds `spanCount` spans (the writer batches), then reads it. */
export async function readLedgerWhen(svc: TestService, spanCount: number, timeoutMs = 20_000): Promise<Ledger> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await svc.rows<{ n: string }>('SELECT count() AS n FROM spans FINAL');
    if (Number(row?.n ?? 0) >= spanCount) return readLedger(svc);
    if (Date.now() > end) throw new Error(`ledger holds ${row?.n} spans, expected ${spanCount}: ${JSON.stringify(await readLedger(svc))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Each call's duplicate mark and billed cost as the resolved view gives them (after a resolver pass), by span name. */
export async function readResolved(svc: TestService): Promise<{ span_name: string; is_duplicate: number; billed_nano_usd: string }[]> {
  // The marks are the resolver's (it runs on a timer and before every report): run it now.
  await svc.service.resolveMarks();
  return svc.rows(
    `SELECT c.span_name AS span_name, toUInt8(r.is_duplicate) AS is_duplicate, toString(r.billed_nano_usd) AS billed_nano_usd
     FROM llm_calls_resolved(from = '2000-01-01 00:00:00', to = '2100-01-01 00:00:00') AS r
     INNER JOIN (SELECT span_id, span_name FROM llm_calls FINAL) AS c ON c.span_id = r.span_id
     ORDER BY span_name`,
  );
}
