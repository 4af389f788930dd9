import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../src/ownership';
import { createPolicyStore } from '../src/ledger';
import { encodeRequest, newSpanId, newTraceId, type RawSpan } from './helpers/payloads';
import { registryFile, startTestService, type TestService } from './helpers/test-service';

const DAY_MS = 86_400_000;
// gpt-4o-mini: 150 nano-USD per input token.
const usage = (input: number) => ({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 0 });

// Budget spend reads closed days from the daily rollup and the rest of the period from the
// calls; both parts, and the switch between them, must give the ledger's billed cost.
describe('policy spend over a period with closed days', () => {
  let svc: TestService;
  const now = Date.now();
  // A period starting mid-day ten days ago: a partial first day, closed days, yesterday, today.
  const start = Math.floor(now / DAY_MS) * DAY_MS - 10 * DAY_MS + 12 * 3_600_000;
  const end = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const spendOf = async () => {
    const rows = await createPolicyStore(svc.service.storage.client, svc.cfg.ledger.database).spend(start, end, now);
    return rows.find((r) => r.tenant === 'acme')?.nano;
  };
  before(async () => {
    svc = await startTestService({
      ownership: {
        registry: registryFile(`
tenants: [{ id: acme, team: acme, app: acme-api }]
senders:
  - { id: acme-api, token: "${hashToken('tok-acme')}", tenant: acme }
  - { id: gateway, token: "${hashToken('tok-gw')}", gateway: true }
`),
        allowUnauthenticated: false,
      },
    });
  });
  after(async () => {
    await svc.stop();
  });

  const send = async (token: string, spans: RawSpan[], service: string) => {
    const res = await fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` }, body: encodeRequest(spans, service) });
    assert.equal(res.status, 200);
  };
  const ns = (ms: number) => BigInt(ms) * 1_000_000n;

  test('closed days from the rollup, the rest from the calls, a duplicate once, the partial first day included', async () => {
    const sdk = newSpanId();
    const dupTrace = newTraceId();
    await send('tok-acme', [
      { traceId: newTraceId(), spanId: newSpanId(), name: 'chat', attributes: usage(1000), startUnixNano: ns(start + 3_600_000) }, // partial first day
      { traceId: newTraceId(), spanId: newSpanId(), name: 'chat', attributes: usage(2000), startUnixNano: ns(now - 5 * DAY_MS) }, // closed day
      { traceId: dupTrace, spanId: sdk, name: 'chat', attributes: usage(4000), startUnixNano: ns(now - 8 * DAY_MS) }, // closed day, reported twice
      { traceId: newTraceId(), spanId: newSpanId(), name: 'chat', attributes: usage(8000), startUnixNano: ns(now - 60_000) }, // today
      { traceId: newTraceId(), spanId: newSpanId(), name: 'chat', attributes: usage(3000), startUnixNano: ns(start - 3_600_000) }, // before the period
    ], 'acme-api');
    await send('tok-gw', [{ traceId: dupTrace, spanId: newSpanId(), parentSpanId: sdk, name: 'litellm_request', attributes: { ...usage(4000), 'spanledger.tenant.id': 'acme' }, startUnixNano: ns(now - 8 * DAY_MS) }], 'gateway');
    const expected = String((1000 + 2000 + 4000 + 8000) * 150);
    await svc.service.resolveMarks();
    assert.equal(await spendOf(), expected);
    // Proof that the closed days came from the rollup: a row added there (a grouping of its
    // own, so no real row is replaced) shows in the spend.
    await svc.service.storage.client.insert({
      table: `${svc.cfg.ledger.database}.rollup_daily_costs`,
      format: 'JSONEachRow',
      values: [{ day: new Date(now - 5 * DAY_MS).toISOString().slice(0, 10), build: '1', tenant: 'acme', team: 'acme', provider: 'rollup-probe', llm_calls: 1, cost_nano_usd: '777' }],
    });
    assert.equal(await spendOf(), String(BigInt(expected) + 777n));
  });
});
