import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDrilldownQueries, createReportQueries } from '../src/ledger';
import { newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';

// The prices, reconciliation, chargeback and sessions reads moved from a scan of the
// period's resolved calls onto daily rollups. Each must give what the scan gave, to the
// nano-USD; the scans they replaced are written out below as the reference.
let svc: TestService;
const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const today = Date.parse(`${dayOf(Date.now())}T00:00:00Z`);
const d0 = today - 3 * DAY_MS;

before(async () => {
  svc = await startTestService();
});
after(async () => {
  await svc?.stop();
});

const REF_PRICES = (db: string) => `SELECT provider, if(response_model != '', response_model, request_model) AS model, price_version AS version,
    pricing_status AS status, toString(count()) AS calls, toString(sum(billed_nano_usd)) AS billed
  FROM ${db}.llm_calls_resolved(from = {from:String}, to = {to:String}) WHERE NOT is_duplicate
  GROUP BY provider, model, version, status ORDER BY provider, model, version, status`;
const REF_REASONS = (db: string) => `SELECT unallocated_reason AS reason, toString(count()) AS calls, toString(sum(billed_nano_usd)) AS billed
  FROM ${db}.llm_calls_resolved(from = {from:String}, to = {to:String})
  WHERE tenant = '' AND NOT is_duplicate GROUP BY reason ORDER BY sum(billed_nano_usd) DESC, reason`;
const REF_LEDGER = (db: string) => `SELECT toString(toDate(timestamp)) AS day, provider, replaceRegexpOne(lower(model_key), '(-\\\\d{4}-\\\\d{2}-\\\\d{2}|-\\\\d{8}|@.*)$', '') AS model,
    toString(sumIf(billed_nano_usd, inside)) AS cost,
    toString(countIf(inside AND NOT is_duplicate AND (pricing_status LIKE 'unpriced%' AND pricing_status NOT IN ('unpriced_missing_usage', 'unpriced_cost_overflow')))) AS unpriced,
    toString(countIf(inside AND NOT is_duplicate AND is_failed AND pricing_status = 'unpriced_missing_usage')) AS failed_no_usage,
    toString(sumIf(billed_nano_usd, abs(dateDiff('second', timestamp, toDateTime64({from:String}, 9))) <= {edge:UInt32})) AS near_start,
    toString(sumIf(billed_nano_usd, abs(dateDiff('second', timestamp, toDateTime64({to:String}, 9))) <= {edge:UInt32})) AS near_end
  FROM (
    SELECT *, timestamp >= toDateTime64({from:String}, 9) AND timestamp < toDateTime64({to:String}, 9) AS inside
    FROM ${db}.llm_calls_resolved(from = {from_edge:String}, to = {to_edge:String})
  )
  GROUP BY day, provider, model ORDER BY day, provider, model`;
const TOTALS = ['llm_calls', 'duplicates', 'retries', 'failed_calls', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens',
  'reasoning_tokens', 'cost_nano_usd', 'failed_cost_nano_usd', 'retry_cost_nano_usd', 'unpriced_calls', 'unallocated_calls', 'unallocated_cost_nano_usd']
  .map((c) => `toString(${c}) AS ${c}`).join(', ');
const REF_SESSIONS = (db: string) => `SELECT session_id, session_team AS team, session_feature AS feature, toString(traces) AS traces, ${TOTALS}
  FROM (
    SELECT *, cost_nano_usd AS rank_cost FROM ${db}.session_costs(from = {from:String}, to = {to:String})
    WHERE {team:String} = '' OR session_team = {team:String}
    ORDER BY cost_nano_usd DESC, session_id LIMIT {limit:UInt32}
  )
  ORDER BY rank_cost DESC, session_id`;
const REF_SESSION = (db: string) => `SELECT ${TOTALS}, toString(traces) AS traces FROM ${db}.session_costs(from = {from:String}, to = {to:String}) WHERE session_id = {s:String}`;

/** Calls over four days: duplicates, retries, failures, unallocated calls, three price versions, sessions across midnight. */
async function seed(db: string): Promise<void> {
  const client = svc.service.storage.client;
  const rows: Record<string, unknown>[] = [];
  const call = (ms: number, o: Record<string, unknown>) => rows.push({
    timestamp: at(ms), end_timestamp: at(ms + 800), span_id: newSpanId(), provider: 'openai', request_model: 'gpt-4o', response_model: 'gpt-4o-2024-08-06',
    input_tokens: 100, output_tokens: 10, tenant: 'chat', team: 'assistant', feature: 'chat', sender_kind: 'service', cost_nano_usd: '1000',
    pricing_status: 'priced', price_version: 'v1', status_code: 'ok', ...o,
  });
  for (let i = 0; i < 40; i++) {
    const ms = d0 + i * 2.4 * 3_600_000 + 1234;
    const trace = newTraceId();
    const parent = newSpanId();
    const session = `s${Math.floor(i / 3)}`;
    const team = i % 5 === 0 ? 'search' : 'assistant';
    call(ms, { trace_id: trace, parent_span_id: parent, session_id: session, team, cost_nano_usd: String(1000 + i * 7), price_version: `v${1 + (i % 3)}`, response_id: `r${i}` });
    // A gateway report of the same call: the SDK's becomes the duplicate.
    if (i % 4 === 0) call(ms + 5, { trace_id: trace, parent_span_id: parent, session_id: session, sender_kind: 'gateway', cost_nano_usd: String(1000 + i * 7), response_id: `r${i}` });
    // A failed attempt without usage, and its retry.
    if (i % 6 === 1) {
      call(ms - 4000, { trace_id: trace, parent_span_id: parent, session_id: session, is_failed: 1, status_code: 'error', input_tokens: null, output_tokens: null, cost_nano_usd: null, pricing_status: 'unpriced_missing_usage', response_model: '' });
      call(ms + 2000, { trace_id: trace, parent_span_id: parent, session_id: session, retry_attempt: 1, cost_nano_usd: '333' });
    }
    // Unallocated calls with reasons, one of them unpriced.
    if (i % 5 === 2) call(ms + 100, { trace_id: trace, parent_span_id: parent, tenant: '', team: '', unallocated_reason: i % 2 ? 'no_tenant' : 'unknown_sender', cost_nano_usd: '777' });
    if (i % 7 === 3) call(ms + 200, { trace_id: trace, parent_span_id: parent, request_model: 'mystery', response_model: '', cost_nano_usd: null, pricing_status: 'unpriced_no_price', tenant: '', unallocated_reason: 'no_tenant' });
  }
  await client.insert({ table: `${db}.llm_calls`, format: 'JSONEachRow', values: rows });
  await svc.service.resolveMarks();
  // A re-rating of two calls, and a root span that arrives after its calls.
  const rerated = rows.slice(3, 5).map((r) => ({
    run_id: 'run-1', timestamp: r.timestamp, trace_id: r.trace_id, span_id: r.span_id, tenant: r.tenant, team: r.team, provider: 'openai', request_model: 'gpt-4o',
    original_cost_nano_usd: r.cost_nano_usd, repriced_cost_nano_usd: '5000', delta_nano_usd: '4111', original_price_version: r.price_version, repriced_price_version: 'v9', reason: 'correction',
  }));
  await client.insert({ table: `${db}.cost_adjustments`, format: 'JSONEachRow', values: rerated });
  const first = rows[0]!;
  await client.insert({ table: `${db}.spans`, format: 'JSONEachRow', values: [{ timestamp: first.timestamp, end_timestamp: first.end_timestamp, trace_id: first.trace_id, span_id: first.parent_span_id, parent_span_id: '', name: 'POST /chat' }] });
  await svc.service.resolveMarks();
}

test('prices, unallocated reasons, the ledger by day and sessions from rollups equal the scans they replaced', async () => {
  const db = svc.cfg.ledger.database;
  const client = svc.service.storage.client;
  await seed(db);
  const ref = async (query: string, params: Record<string, unknown>) => (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<Record<string, string>>();
  const reports = createReportQueries(client, client, db);
  const drill = createDrilldownQueries(client, db);
  const byKey = (rs: Record<string, string>[]) => [...rs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const periods = [
    { from: at(d0), to: at(d0 + 2 * DAY_MS) }, { from: at(d0 + DAY_MS), to: at(today + DAY_MS) },
    // Not day-aligned: the partial days come from the calls.
    { from: at(d0 + 5 * 3_600_000 + 17), to: at(d0 + 2 * DAY_MS + 13 * 3_600_000) }, { from: at(d0 + 3_600_000), to: at(d0 + 20 * 3_600_000) },
  ];
  let checked = 0n;
  for (const p of periods) {
    const prices = await reports.pricesInUse(p);
    assert.deepEqual(prices, await ref(REF_PRICES(db), p), `prices ${JSON.stringify(p)}`);
    assert.deepEqual(await reports.unallocatedReasons(p), await ref(REF_REASONS(db), p), `reasons ${JSON.stringify(p)}`);
    for (const edgeHours of [6, 2.5, 0, 30]) {
      const shift = (s: string, h: number) => at(Date.parse(`${s.replace(' ', 'T')}Z`) + Math.round(h * 3_600_000));
      const params = { ...p, edge: Math.round(edgeHours * 3600), from_edge: shift(p.from, -edgeHours), to_edge: shift(p.to, edgeHours) };
      assert.deepEqual(byKey(await reports.ledgerByDay(p, edgeHours)), byKey(await ref(REF_LEDGER(db), params)), `ledger ${JSON.stringify(params)}`);
    }
    for (const team of ['', 'search']) {
      assert.deepEqual(await drill.costliestSessions(p.from, p.to, team, 50), await ref(REF_SESSIONS(db), { ...p, team, limit: 50 }), `sessions ${team} ${JSON.stringify(p)}`);
    }
    assert.deepEqual(await drill.costliestSessions(p.from, p.to, '', 2), await ref(REF_SESSIONS(db), { ...p, team: '', limit: 2 }));
    for (const s of ['s0', 's4', 's7', 'none']) assert.deepEqual(await drill.sessionTotals(s, p.from, p.to), (await ref(REF_SESSION(db), { ...p, s }))[0], `session ${s}`);
    checked += prices.reduce((n, r) => n + BigInt(r.billed!), 0n);
  }
  // The ledger has what the comparison is about: duplicates, retries, re-rated calls, unallocated reasons.
  const [facts] = await ref(`SELECT toString(countIf(is_duplicate)) AS d, toString(countIf(is_retry)) AS r, toString(countIf(adjustment_nano_usd != 0)) AS a,
      toString(uniqExact(price_version)) AS v, toString(countIf(tenant = '')) AS u FROM ${db}.llm_calls_resolved(from = {from:String}, to = {to:String})`,
  { from: at(d0), to: at(today + DAY_MS) });
  assert.ok(Number(facts!.d) >= 5 && Number(facts!.r) >= 5 && facts!.a === '2' && Number(facts!.v) >= 3 && Number(facts!.u) >= 5, JSON.stringify(facts));
  assert.ok(checked > 0n);
});
