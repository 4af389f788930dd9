import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../src/ownership';
import { policyConfigSchema } from '../src/policy';
import { testEngine } from './helpers/policy-engine';
import { registryFile, startTestService, type TestService } from './helpers/test-service';

const GATEWAY = 'tok-gateway-unpriced';

// The allowlist accepts any model of provider acme; the price catalog knows none of them.
describe('a model the allowlist accepts but nothing prices', () => {
  let svc: TestService;
  let api: string;

  before(async () => {
    svc = await startTestService({
      ownership: {
        registry: registryFile(`
tenants:
  - { id: capped, team: capped, app: capped-api, budget: { amount: "100" }, allowedModels: ["acme/*", "openai/gpt-4o-mini"] }
  - { id: free, team: free, app: free-api, allowedModels: ["acme/*"] }
senders:
  - { id: gateway, token: "${hashToken(GATEWAY)}", gateway: true }
`),
        allowUnauthenticated: false,
      },
      policy: { refreshMs: 3_600_000 },
    });
    api = `http://127.0.0.1:${svc.service.ports.api}`;
  });
  after(async () => {
    await svc.stop();
  });

  const decide = async (body: Record<string, unknown>) => {
    const res = await fetch(`${api}/v1/policy/decide`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${GATEWAY}` }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    return (await res.json()) as { decision: string; reason?: string; reservation?: unknown; budget?: { reserved: string }; error?: { message: string; type: string; code: string } };
  };

  test('is denied by default with its own reason when a budgeted call asks to reserve', async () => {
    const d = await decide({ tenant_id: 'capped', provider: 'acme', model: 'mystery-model-9', estimated_input_tokens: 10, max_tokens: 1_000_000, request_id: 'req-unpriced' });
    assert.equal(d.decision, 'deny');
    assert.equal(d.reason, 'model_unpriced');
    assert.deepEqual([d.error?.type, d.error?.code], ['model_unpriced', '403']);
    assert.equal(d.error?.message, 'acme/mystery-model-9 has no price, so the most this call may cost cannot be held against the budgets of tenant capped; add a price override for it, or set policy.unpricedModels to reserve');
    assert.equal(d.reservation, undefined);
    assert.equal(d.budget?.reserved, '0.00');
  });

  test('is allowed where nothing would be reserved: no tokens to price, or no budget to hold them against', async () => {
    assert.equal((await decide({ tenant_id: 'capped', provider: 'acme', model: 'mystery-model-9' })).decision, 'allow');
    assert.equal((await decide({ tenant_id: 'free', provider: 'acme', model: 'mystery-model-9', max_tokens: 1000 })).decision, 'allow');
    // A priced model is unaffected.
    assert.equal((await decide({ tenant_id: 'capped', provider: 'openai', model: 'gpt-4o-mini', max_tokens: 1000 })).decision, 'allow');
  });

  test('with policy.unpricedModels reserve, the fallback rate is reserved per token, rounded up to the nano-USD', () => {
    const engine = testEngine(svc, { config: policyConfigSchema.parse({ unpricedModels: 'reserve', unpricedReserveUsdPerMillionTokens: '30.0000005' }) });
    const d = engine.decide({ tenantId: 'capped', provider: 'acme', model: 'mystery-model-9', estimatedInputTokens: 200, maxTokens: 1000, requestId: 'req-fallback', reserve: true });
    assert.equal(d.decision, 'allow');
    // 1,200 tokens x 30,000.0005 nano-USD = 36,000,000.6, held as 36,000,001.
    assert.equal(d.reservation?.amountNano, 36_000_001n);
    assert.equal(d.budgets[0]!.reservedNano, 36_000_001n);
  });

  test('the fallback defaults to $75 per million tokens and its settings are checked by name', () => {
    const cfg = policyConfigSchema.parse({});
    assert.deepEqual([cfg.unpricedModels, cfg.unpricedReserveUsdPerMillionTokens], ['deny', '75']);
    const bad = policyConfigSchema.safeParse({ unpricedReserveUsdPerMillionTokens: '-3' });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error!.issues.map((i) => [i.path.join('.'), i.message]), [['unpricedReserveUsdPerMillionTokens', 'must be a non-negative decimal number of USD, e.g. "75" or "0.5"']]);
    assert.equal(policyConfigSchema.safeParse({ unpricedModels: 'allow' }).success, false);
  });
});
