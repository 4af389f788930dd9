import { createNormalizer, defaultMappers } from '../../src/normalize';
import { hashToken } from '../../src/ownership';
import type { LlmCall, PricedCall, SpanRecord } from '../../src/pipeline';
import { createPolicyStore, writeCallsTo } from '../../src/ledger';
import { createPolicyEngine, guardWrites, type PolicyEngine, type PolicyEngineOptions } from '../../src/policy';
import { newSpanId, newTraceId } from './payloads';
import { registryFile, startTestService, type TestService } from './test-service';

/** A service whose registry has one tenant, acme (team acme, a $100 monthly budget), sending with `tok-acme`. */
export function startAcmeService(overrides: Record<string, unknown> = {}): Promise<TestService> {
  return startTestService({
    ownership: {
      registry: registryFile(`
tenants: [{ id: acme, team: acme, app: acme-api, budget: { amount: "100" } }]
senders:
  - { id: acme-api, token: "${hashToken('tok-acme')}", tenant: acme }
`),
      allowUnauthenticated: false,
    },
    ...overrides,
  });
}

/**
 * A second policy engine over the service's registry and ledger (the real store), for tests
 * that drive one step by step; events and decision records go nowhere. Call `start`.
 */
export function testEngine(svc: TestService, options: Partial<PolicyEngineOptions> = {}): PolicyEngine {
  return createPolicyEngine({
    directory: () => svc.service.registry.current(),
    hashToken,
    estimate: () => undefined,
    store: createPolicyStore(svc.service.storage.client, svc.cfg.ledger.database),
    persist: { saveReservations() {}, saveEvent() {}, saveDecision() {} },
    deliver: () => {},
    config: svc.cfg.policy,
    replicaId: 'test-engine',
    onError: (what, err) => {
      throw new Error(`${what}: ${String(err)}`);
    },
    ...options,
  });
}

/** One priced call of tenant acme (with `requestId`, if given), as the pipeline hands it to the ledger writer. */
export function pricedCall(billedNanoUsd: bigint, requestId = ''): PricedCall {
  const nowNs = `${Date.now()}000000`;
  const span: SpanRecord = {
    traceId: newTraceId(), spanId: newSpanId(), parentSpanId: '', traceState: '', name: 'chat', kind: 3,
    startTimeUnixNano: nowNs, endTimeUnixNano: nowNs, statusCode: 0, statusMessage: '',
    attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': '10' },
    resource: { 'service.name': 'acme-api' }, scopeName: '', scopeVersion: '', events: [], links: [],
  };
  const call: LlmCall | undefined = createNormalizer(defaultMappers()).normalize([span])[0];
  call!.requestId = requestId;
  call!.owner = {
    tenant: 'acme', team: 'acme', app: 'acme-api', feature: '', environment: '', costCenter: '', businessUnit: '', source: 'sender',
    unallocatedReason: '', senderId: 'acme-api', senderKind: 'service', claimedTeam: '', claimedTenant: '', claimedFeature: '', conflict: false,
  };
  call!.cost = {
    status: 'priced', billedNanoUsd, computedNanoUsd: billedNanoUsd, inputNanoUsd: billedNanoUsd, cacheReadNanoUsd: null, cacheWriteNanoUsd: null,
    outputNanoUsd: null, reasoningNanoUsd: null, providerReportedNanoUsd: null, priceSource: 'catalog', priceVersion: 'test', currency: 'USD',
  };
  return call as PricedCall;
}

/** Stores calls the way the service does for `engine`'s process: the ledger write guarded by the policy (annotate, write, observe). */
export async function storeThrough(svc: TestService, engine: PolicyEngine, calls: PricedCall[]): Promise<void> {
  await guardWrites(engine, writeCallsTo(svc.service.writer))({ spans: calls.map((c) => c.span), calls, unmapped: undefined, refused: [] });
}
