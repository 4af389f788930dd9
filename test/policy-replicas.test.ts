import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PricedCall } from '../src/pipeline';
import type { DecideInput, PolicyEngine } from '../src/policy';
import { pricedCall, startAcmeService, storeThrough, testEngine } from './helpers/policy-engine';
import type { TestService } from './helpers/test-service';

// Two replicas over one ledger: a gateway's decision reaches one, the call's span the other.
describe('a reservation whose call was stored by another replica', () => {
  let svc: TestService;
  let decider: PolicyEngine;
  let storer: PolicyEngine;
  const settled: number[] = [];
  const RESERVE = 50_000_000n; // what each decision below reserves: $0.05

  before(async () => {
    svc = await startAcmeService({ policy: { refreshMs: 3_600_000 } });
    decider = testEngine(svc, { replicaId: 'replica-a', estimate: () => RESERVE, onSettledElsewhere: (n) => settled.push(n) });
    storer = testEngine(svc, { replicaId: 'replica-b' });
    await decider.start();
    await storer.start();
  });
  after(async () => {
    decider.stop();
    storer.stop();
    await svc.stop();
  });

  const state = () => decider.decide({ tenantId: 'acme', provider: 'openai', model: 'gpt-4o-mini', reserve: false }).budgets[0]!;
  const reserve = (requestId: string) => {
    const d = decider.decide({ tenantId: 'acme', provider: 'openai', model: 'gpt-4o-mini', maxTokens: 100, requestId, reserve: true });
    assert.equal(d.reservation?.amountNano, RESERVE);
  };
  /** The other replica's path for a span that reached it. */
  const storeElsewhere = (call: PricedCall) => storeThrough(svc, storer, [call]);

  test('is closed at the next refresh, so the call counts once', async () => {
    const start = state();
    reserve('req-elsewhere-1');
    assert.equal(state().reservedNano, start.reservedNano + RESERVE);
    await storeElsewhere(pricedCall(1_234_567n, 'req-elsewhere-1'));
    await decider.refresh();
    const now = state();
    assert.equal(now.spentNano, start.spentNano + 1_234_567n);
    assert.equal(now.reservedNano, start.reservedNano, 'the reservation was closed');
    assert.deepEqual(settled, [1]);
  });

  test('only the reservation of that request id closes', async () => {
    const start = state();
    reserve('req-still-open');
    reserve('req-elsewhere-2');
    await storeElsewhere(pricedCall(2_000_000n, 'req-elsewhere-2'));
    await storeElsewhere(pricedCall(3_000_000n, 'req-never-reserved'));
    await decider.refresh();
    const now = state();
    assert.equal(now.reservedNano, start.reservedNano + RESERVE, 'req-still-open stays reserved');
    assert.equal(now.spentNano, start.spentNano + 5_000_000n);
    assert.deepEqual(settled, [1, 1]);
  });

  test('a call the deciding replica stored itself is settled at once, not looked up again', async () => {
    const start = state();
    reserve('req-here');
    const call = pricedCall(4_000_000n, 'req-here');
    await storeThrough(svc, decider, [call]);
    assert.equal(state().reservedNano, start.reservedNano, 'closed when its own span arrived');
    assert.equal(call.policy?.outcome, 'allow', 'the row carries the decision');
    await decider.refresh();
    assert.equal(state().spentNano, start.spentNano + 4_000_000n, 'counted once after the refresh');
    assert.deepEqual(settled, [1, 1], 'nothing more was closed from the ledger');
  });
});

// The look-up by request id is scoped like the one on the deciding replica: by the call's
// resolved tenant, and for a gateway's span by the gateway that reserved.
describe('a call stored by another replica under a request id another tenant or gateway reserved', () => {
  let svc: TestService;
  let decider: PolicyEngine;
  let storer: PolicyEngine;
  const RESERVE = 50_000_000n;

  before(async () => {
    svc = await startAcmeService({ policy: { refreshMs: 3_600_000 } });
    decider = testEngine(svc, { replicaId: 'replica-a', estimate: () => RESERVE });
    storer = testEngine(svc, { replicaId: 'replica-b' });
    await decider.start();
    await storer.start();
  });
  after(async () => {
    decider.stop();
    storer.stop();
    await svc.stop();
  });

  const reserved = () => decider.decide({ tenantId: 'acme', provider: 'openai', model: 'gpt-4o-mini', reserve: false }).budgets[0]!.reservedNano;
  const reserve = (requestId: string, gatewayId: string) => {
    const input: DecideInput = { tenantId: 'acme', provider: 'openai', model: 'gpt-4o-mini', maxTokens: 100, requestId, reserve: true };
    assert.equal(decider.decide({ ...input, gatewayId } as DecideInput).reservation?.amountNano, RESERVE);
  };
  const callOf = (requestId: string, owner: Partial<PricedCall['owner']>) => {
    const call = pricedCall(1_000n, requestId);
    Object.assign(call.owner, owner);
    return call;
  };

  test("another tenant's call does not close it; the tenant's own does", async () => {
    const base = reserved();
    reserve('req-shared', 'gw-1');
    await storeThrough(svc, storer, [callOf('req-shared', { tenant: 'intruder', team: 'intruder', senderId: 'intruder-api' })]);
    await decider.refresh();
    assert.equal(reserved(), base + RESERVE, "the intruder's call left acme's reservation open");
    await storeThrough(svc, storer, [callOf('req-shared', {})]);
    await decider.refresh();
    assert.equal(reserved(), base);
  });

  test("another gateway's span does not close it; the reserving gateway's does", async () => {
    const base = reserved();
    reserve('req-gw', 'gw-1');
    await storeThrough(svc, storer, [callOf('req-gw', { senderId: 'gw-2', senderKind: 'gateway', source: 'gateway' })]);
    await decider.refresh();
    assert.equal(reserved(), base + RESERVE, "gw-2's span left gw-1's reservation open");
    await storeThrough(svc, storer, [callOf('req-gw', { senderId: 'gw-1', senderKind: 'gateway', source: 'gateway' })]);
    await decider.refresh();
    assert.equal(reserved(), base);
  });
});
