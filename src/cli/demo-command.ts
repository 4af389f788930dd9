import { SingleBar } from 'cli-progress';
import { computeCost, createCatalog, createPriceBook } from '../pricing';
import { apiBase, cliFetch, CliRequestError } from './api-request';
import { parseCommandArgs } from './command-args';
import { DEMO_GATEWAY_TOKEN, DEMO_TEAMS, demoRegistryYaml, type DemoTeam } from './demo/demo-plan';
import { burstCalls, demoExports, estimateExports } from './demo/demo-traffic';

/** The command's help text. */
export const DEMO_USAGE = `usage: spanledger demo [--days N] [--scale X] [--seed N] [--admin-token T]      send a demo month to a running service
       spanledger demo --print-registry > demo-registry.yaml                      the registry the service needs for it
Sends synthetic OTLP/JSON traffic (teams, sessions, a gateway reporting calls twice, failed calls,
retries and a retry storm, unowned services, cached and reasoning tokens, one budget that warns
and one that denies) to the running service's OTLP/HTTP port, asks its policy endpoint on the
API port as the demo gateway, and, with --admin-token, imports an invoice to reconcile. A service
on other ports than 4318 and 8080 is named with --host, --otlp-http-port and --api-port (both
ports: the demo uses both). Start the service with --registry demo-registry.yaml first, or every
call stays unallocated.`;

/** The cost of a budget team's burst under the package's own price catalog. */
function burstCost(team: DemoTeam): bigint {
  const book = createPriceBook(createCatalog(), []);
  let sum = 0n;
  for (const t of burstCalls(team)) {
    const entry = book.lookup({ provider: team.provider, models: [t.model], serviceTier: '', atMs: Date.now() });
    if (entry === undefined) throw new Error(`the price catalog has no ${team.provider}/${t.model}`);
    sum += computeCost({ inputTokens: t.input, outputTokens: t.output, cacheReadTokens: t.cached, cacheWriteTokens: null, reasoningTokens: t.reasoning || null }, entry.rates)?.total ?? 0n;
  }
  return sum;
}

/** The demo budgets' sizing, for tests that build the demo registry themselves. */
export const burstCostForTest = burstCost;

/** `spanledger demo`; resolves with the exit code. */
export async function demoCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(`${DEMO_USAGE}\n`);
    return 0;
  }
  const { flags, config } = parseCommandArgs(argv, {
    'print-registry': { type: 'boolean' }, days: { type: 'string' }, scale: { type: 'string' }, seed: { type: 'string' }, quiet: { type: 'boolean' },
  });
  if (flags['print-registry'] === true) {
    out.write(demoRegistryYaml(burstCost));
    return 0;
  }
  const days = Number(flags.days ?? 30);
  const scale = Number(flags.scale ?? 1);
  const seed = Number(flags.seed ?? 20);
  if (!Number.isInteger(days) || days < 1 || days > 400) return usageError(err, '--days must be a whole number of days, 1 to 400');
  if (!(scale > 0 && scale <= 100)) return usageError(err, '--scale must be a number above 0, at most 100');
  if (!Number.isInteger(seed)) return usageError(err, '--seed must be an integer');

  const api = apiBase(config);
  const otlp = `${api.replace(/:\d+$/, '')}:${config.receiver.otlpHttpPort}/v1/traces`;
  const ready = await cliFetch(`${api}/readyz`);
  if (!ready.ok) throw new CliRequestError(`${api}/readyz`, `the service is not ready: ${(await ready.text()).slice(0, 200)}`);

  const nowMs = Date.now();
  const options = { days, scale, nowMs, seed };
  const bar = new SingleBar({ format: 'demo month [{bar}] {percentage}% | {calls} LLM calls sent | ETA {eta_formatted}', stream: err, hideCursor: true, noTTYOutput: false, etaBuffer: 20 });
  const quiet = flags.quiet === true;
  if (!quiet) bar.start(estimateExports(options), 0, { calls: 0 });
  let calls = 0;
  let spans = 0;
  let exports = 0;
  let unknownSender = 0;
  try {
    for (const exp of demoExports(options)) {
      const res = await cliFetch(otlp, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${exp.token}` }, body: JSON.stringify(exp.body) });
      const text = await res.text();
      if (res.status === 401) unknownSender++;
      else if (!res.ok) throw new CliRequestError(otlp, `the receiver refused an export: HTTP ${res.status} ${text.slice(0, 300)}`);
      calls += exp.calls;
      spans += exp.spans;
      exports++;
      if (!quiet) bar.update(Math.min(exports, bar.getTotal()), { calls });
    }
  } finally {
    if (!quiet) {
      bar.setTotal(Math.max(exports, 1));
      bar.update(exports, { calls });
      bar.stop();
    }
  }
  if (unknownSender === exports) {
    err.write(`the receiver refused every export (401): the service does not know the demo's senders. Run\n  spanledger demo --print-registry > demo-registry.yaml\nand start the service with --registry demo-registry.yaml.\n`);
    return 1;
  }
  out.write(`sent ${spans} spans (${calls} LLM-call reports) over ${days} days to ${otlp}${unknownSender > 0 ? `; ${unknownSender} exports refused as unknown senders` : ''}\n`);

  // The demo gateway asks the policy endpoint for the two budget teams.
  for (const team of DEMO_TEAMS.filter((t) => t.budget !== undefined)) {
    const url = `${api}/v1/policy/decide`;
    const res = await cliFetch(url, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_GATEWAY_TOKEN}` },
      body: JSON.stringify({ tenant_id: team.tenant, provider: team.provider, model: team.models[0], estimated_input_tokens: team.inputTokens, max_tokens: team.outputTokens }),
    });
    const body = (await res.json()) as { decision?: string; reason?: string; error?: { message?: string } };
    out.write(`policy for ${team.tenant}: ${body.decision ?? `HTTP ${res.status}`}${body.reason ? ` (${body.reason})` : ''}\n`);
  }

  if (config.adminToken === undefined) {
    out.write('no --admin-token: the demo invoice was not imported (reconciliation stays empty)\n');
  } else {
    const lines = await importDemoInvoice(api, config.adminToken, nowMs, days);
    out.write(`imported a demo invoice of ${lines} lines to reconcile\n`);
  }
  out.write(`open ${api}/ to see it\n`);
  return 0;
}

/**
 * Builds an invoice from the ledger's own daily totals, with the differences a real one
 * has: one day billed 4% above the ledger (a rate mismatch) and a model the ledger never
 * saw; then imports it through the report API as a generic CSV.
 */
async function importDemoInvoice(api: string, adminToken: string, nowMs: number, days: number): Promise<number> {
  const from = new Date(nowMs - days * 86_400_000).toISOString().slice(0, 10);
  // A report runs a resolver pass first: without it, the gateway's second reports of calls
  // sent in the last seconds are not yet marked duplicates and the invoice would bill them.
  const resolveUrl = `${api}/v1/reports/quality?from=${from}&to=${new Date(nowMs + 86_400_000).toISOString().slice(0, 10)}`;
  const resolved = await cliFetch(resolveUrl, { headers: { authorization: `Bearer ${adminToken}` } });
  if (!resolved.ok) throw new CliRequestError(resolveUrl, `bringing the duplicate marks up to date failed: HTTP ${resolved.status} ${(await resolved.text()).slice(0, 300)}`);
  await resolved.body?.cancel();
  const query = `SELECT toString(toDate(timestamp)) AS day, provider, model_key AS model, toString(sum(billed_nano_usd)) AS cost
    FROM llm_calls_resolved(from = {from:String}, to = {to:String}) GROUP BY day, provider, model ORDER BY day, provider, model FORMAT JSONEachRow`;
  const params = new URLSearchParams({ query, param_from: `${from} 00:00:00`, param_to: new Date(nowMs + 60_000).toISOString().replace('T', ' ').replace('Z', '') });
  const url = `${api}/clickhouse?${params}`;
  const res = await cliFetch(url, { headers: { authorization: `Bearer ${adminToken}` } });
  if (!res.ok) throw new CliRequestError(`${api}/clickhouse`, `reading the ledger for the demo invoice failed: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  const rows = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { day: string; provider: string; model: string; cost: string });
  const usd = (nano: bigint) => `${nano / 1_000_000_000n}.${(nano % 1_000_000_000n).toString().padStart(9, '0')}`;
  const csv = ['date,provider,model,cost'];
  const mismatchDay = rows.length > 0 ? rows[Math.floor(rows.length / 2)]!.day : '';
  for (const r of rows) {
    let cost = BigInt(r.cost);
    if (r.day === mismatchDay && r.provider === 'openai') cost = (cost * 104n) / 100n;
    csv.push(`${r.day},${r.provider},${r.model},${usd(cost)}`);
  }
  if (mismatchDay) csv.push(`${mismatchDay},openai,gpt-4.1,3.250000000`);
  const postUrl = `${api}/v1/reports/invoices?format=generic_csv`;
  const post = await cliFetch(postUrl, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'text/csv' }, body: `${csv.join('\n')}\n` });
  if (!post.ok) throw new CliRequestError(postUrl, `the invoice import failed: HTTP ${post.status} ${(await post.text()).slice(0, 300)}`);
  return csv.length - 1;
}

function usageError(err: NodeJS.WritableStream, message: string): number {
  err.write(`spanledger demo: ${message}\n${DEMO_USAGE}\n`);
  return 2;
}
