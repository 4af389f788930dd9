import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { hashToken } from '../src/ownership';
import { emitChatTrace, providerWith } from './helpers/otel';
import { decodeStatus, encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';
import { waitFor } from './helpers/wait';

const TOKENS = { search: 'tok-search-app', ads: 'tok-ads-app', gateway: 'tok-ai-gateway', collector: 'tok-shared-collector' };

function registryYaml(billingTenant: string): string {
  return `
tenants:
  - { id: search-summarize, team: search, app: search-api, feature: summarize, environment: prod, tokens: ["${hashToken('sk-litellm-virtual-key-search')}"] }
  - { id: ads-bidding, team: ads, app: ads-api, feature: bidding, environment: prod }
  - { id: billing-batch, team: billing, app: billing-worker, feature: invoices }
  - { id: billing-v2, team: billing-platform, app: billing-worker, feature: invoices }
senders:
  - { id: search-api, token: "${hashToken(TOKENS.search)}", tenant: search-summarize }
  - { id: ads-api, token: "${hashToken(TOKENS.ads)}", tenant: ads-bidding }
  - { id: ai-gateway, token: "${hashToken(TOKENS.gateway)}", gateway: true }
  - { id: shared-collector, token: "${hashToken(TOKENS.collector)}" }
services:
  - { match: { service.name: billing-worker }, tenant: ${billingTenant} }
  - { match: { service.name: ads-indexer }, tenant: ads-bidding }
ownership:
  search: { costCenter: CC-1001, businessUnit: Consumer }
`;
}

interface OwnerRow {
  tenant: string;
  team: string;
  feature: string;
  environment: string;
  cost_center: string;
  ownership_source: string;
  unallocated_reason: string;
  sender_id: string;
  claimed_team: string;
  ownership_conflict: number;
}

const OWNER_COLS = 'tenant, team, feature, environment, cost_center, ownership_source, unallocated_reason, sender_id, claimed_team, ownership_conflict';

describe('ownership from authenticated identity', () => {
  let svc: TestService;
  let registryPath: string;
  let httpUrl: string;
  before(async () => {
    registryPath = path.join(mkdtempSync(path.join(tmpdir(), 'spanledger-registry-')), 'registry.yaml');
    writeFileSync(registryPath, registryYaml('billing-batch'));
    svc = await startTestService({ ownership: { registry: registryPath, allowUnauthenticated: false } });
    httpUrl = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
  });
  after(async () => {
    await svc.stop();
  });

  const owners = (traceId: string) => svc.rows<OwnerRow>(`SELECT ${OWNER_COLS} FROM llm_calls FINAL WHERE trace_id = {t:String}`, { t: traceId });
  const sendAs = (token: string | undefined, body: Buffer) =>
    fetch(httpUrl, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', ...(token ? { authorization: `Bearer ${token}` } : {}) } });

  test('real SDK exporters with a bearer token land with the sender tenant (HTTP and gRPC)', async () => {
    const http = providerWith(new ProtoExporter({ url: httpUrl, headers: { authorization: `Bearer ${TOKENS.search}` } }), 'search-api');
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${TOKENS.ads}`);
    const grpcProvider = providerWith(new GrpcExporter({ url: `http://127.0.0.1:${svc.service.ports.otlpGrpc}`, metadata }), 'ads-api');
    const viaHttp = emitChatTrace(http, { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 10 });
    const viaGrpc = emitChatTrace(grpcProvider, { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 20 });
    await Promise.all([http.forceFlush(), grpcProvider.forceFlush()]);
    await Promise.all([http.shutdown(), grpcProvider.shutdown()]);
    const [a] = await owners(viaHttp.traceId);
    assert.deepEqual(a, { tenant: 'search-summarize', team: 'search', feature: 'summarize', environment: 'prod', cost_center: 'CC-1001', ownership_source: 'sender', unallocated_reason: '', sender_id: 'search-api', claimed_team: '', ownership_conflict: 0 });
    const [b] = await owners(viaGrpc.traceId);
    assert.equal(b?.team, 'ads');
    assert.equal(b?.sender_id, 'ads-api');
  });

  test('without a token or with a wrong one: 401 / UNAUTHENTICATED and nothing is written', async () => {
    const traceId = newTraceId();
    const body = encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.request.model': 'gpt-4o' } }]);
    const missing = await sendAs(undefined, body);
    assert.equal(missing.status, 401);
    assert.match(decodeStatus(new Uint8Array(await missing.arrayBuffer())).message!, /missing credentials/);
    assert.equal((await sendAs('not-a-token', body)).status, 401);
    const client = new grpc.Client(`127.0.0.1:${svc.service.ports.otlpGrpc}`, grpc.credentials.createInsecure());
    const err = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, (e) => resolve(e)),
    );
    client.close();
    assert.equal(err?.code, grpc.status.UNAUTHENTICATED);
    // A real exporter without a token is refused too.
    const anon = providerWith(new ProtoExporter({ url: httpUrl }), 'anon');
    const anonTrace = emitChatTrace(anon, { 'gen_ai.provider.name': 'openai' });
    await assert.rejects(anon.forceFlush(), /Unauthorized/);
    await anon.shutdown().catch(() => undefined);
    assert.deepEqual(await svc.rows('SELECT count() AS n FROM spans FINAL WHERE trace_id IN {t:Array(String)}', { t: [traceId, anonTrace.traceId] }), [{ n: 0 }]);
  });

  test('spoofing: a sender bound to search claiming team ads stays search, is flagged, and ads spend is unchanged', async () => {
    const before = await svc.rows<{ n: number }>("SELECT count() AS n FROM llm_calls FINAL WHERE team = 'ads'");
    const traceId = newTraceId();
    const spans = [1, 2, 3].map(() => ({ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.request.model': 'gpt-4o', team: 'ads', 'spanledger.tenant.id': 'ads-bidding', 'gen_ai.usage.input_tokens': 1000 } }));
    assert.equal((await sendAs(TOKENS.search, encodeRequest(spans))).status, 200);
    const rows = await owners(traceId);
    assert.equal(rows.length, 3);
    for (const r of rows) {
      assert.equal(r.team, 'search');
      assert.equal(r.claimed_team, 'ads');
      assert.equal(r.ownership_conflict, 1);
    }
    assert.deepEqual(await svc.rows("SELECT count() AS n FROM llm_calls FINAL WHERE team = 'ads'"), before);
  });

  test('a shared collector: each service.name maps to its tenant; an unmapped one is unknown_service', async () => {
    const traces: Record<string, string> = {};
    for (const service of ['billing-worker', 'ads-indexer', 'mystery-job']) {
      traces[service] = newTraceId();
      const body = encodeRequest([{ traceId: traces[service]!, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.request.model': 'gpt-4o-mini' } }], service);
      assert.equal((await sendAs(TOKENS.collector, body)).status, 200);
    }
    assert.deepEqual((await owners(traces['billing-worker']!)).map((r) => [r.team, r.ownership_source]), [['billing', 'service']]);
    assert.deepEqual((await owners(traces['ads-indexer']!)).map((r) => [r.team, r.ownership_source]), [['ads', 'service']]);
    assert.deepEqual((await owners(traces['mystery-job']!)).map((r) => [r.team, r.ownership_source, r.unallocated_reason]), [['', 'unallocated', 'unknown_service']]);
  });

  test('a gateway attributes calls to the tenant it names; a non-gateway sender setting the same attribute does not', async () => {
    const viaGateway = newTraceId();
    const viaApp = newTraceId();
    const attrs = { 'gen_ai.request.model': 'gpt-4o', 'spanledger.tenant.id': 'ads-bidding' };
    await sendAs(TOKENS.gateway, encodeRequest([{ traceId: viaGateway, spanId: newSpanId(), name: 'chat', attributes: attrs }], 'litellm'));
    await sendAs(TOKENS.search, encodeRequest([{ traceId: viaApp, spanId: newSpanId(), name: 'chat', attributes: attrs }]));
    const [g] = await owners(viaGateway);
    assert.deepEqual([g?.team, g?.ownership_source, g?.sender_id], ['ads', 'gateway', 'ai-gateway']);
    const [a] = await owners(viaApp);
    assert.deepEqual([a?.team, a?.ownership_source, a?.ownership_conflict], ['search', 'sender', 1]);
  });

  test('a LiteLLM-style gateway span: tenant from the virtual-key hash, gateway cost kept beside ours', async () => {
    const fixture = readFileSync(path.resolve(__dirname, '..', '..', 'testdata', 'spans', 'litellm-gateway.json'), 'utf8');
    const startNs = (BigInt(Date.now()) * 1_000_000n).toString();
    const body = fixture.replace('__START__', startNs).replace('__END__', (BigInt(startNs) + 900_000_000n).toString());
    const res = await fetch(httpUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.gateway}` } });
    assert.equal(res.status, 200);
    const rows = await svc.rows(
      `SELECT tenant, team, ownership_source, response_model, input_tokens, cache_read_tokens, toString(cost_nano_usd) AS cost,
         toString(provider_reported_cost_nano_usd) AS reported, request_id FROM llm_calls FINAL WHERE trace_id = '4bf92f3577b34da6a3ce929d0e0e4736'`,
    );
    // gpt-4o: 500 x $2.50 + 1500 x $1.25 + 100 x $10 per million = 4,125,000 nano-USD, as the gateway reported.
    assert.deepEqual(rows, [{ tenant: 'search-summarize', team: 'search', ownership_source: 'gateway', response_model: 'gpt-4o-2024-08-06', input_tokens: 2000, cache_read_tokens: 1500, cost: '4125000', reported: '4125000', request_id: 'gw-req-1' }]);
  });

  test('registry reload re-attributes new spans without a restart; a broken file keeps the old registry and says why', async () => {
    const send = async () => {
      const traceId = newTraceId();
      await sendAs(TOKENS.collector, encodeRequest([{ traceId, spanId: newSpanId(), name: 'chat', attributes: { 'gen_ai.request.model': 'gpt-4o' } }], 'billing-worker'));
      return (await owners(traceId))[0]?.team;
    };
    assert.equal(await send(), 'billing');
    writeFileSync(registryPath, registryYaml('billing-v2'));
    await waitFor(() => svc.service.registry.current().tenantById.has('billing-v2') && matchesBillingV2());
    assert.equal(await send(), 'billing-platform');

    writeFileSync(registryPath, registryYaml('billing-batch').replace('team: search,', 'team: 42,'));
    await waitFor(() => svc.service.registry.lastError() !== undefined);
    assert.match(svc.service.registry.lastError()!, /tenants\[0\] "search-summarize": team: Invalid input: expected string, received number/);
    assert.equal(await send(), 'billing-platform');

    function matchesBillingV2(): boolean {
      const rules = svc.service.registry.current().serviceRules.get('billing-worker');
      return rules?.[0]?.tenantId === 'billing-v2';
    }
  });

  test('ownership outcomes are counted in /metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${svc.service.ports.api}/metrics`)).text();
    assert.match(text, /spanledger_llm_calls_owned_total\{source="unallocated",reason="unknown_service"\} 1/);
    assert.match(text, /spanledger_ownership_conflicts_total 4\n/);
  });
});
