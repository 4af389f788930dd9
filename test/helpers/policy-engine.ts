import { hashToken } from '../../src/ownership';
import { createPolicyEngine, createPolicyStore, type PolicyEngine, type PolicyEngineOptions } from '../../src/policy';
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
