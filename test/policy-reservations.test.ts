import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PolicyEngine } from '../src/policy';
import { startAcmeService, testEngine } from './helpers/policy-engine';
import type { TestService } from './helpers/test-service';

let svc: TestService;
let engine: PolicyEngine;
let evicted = 0;
const ESTIMATE = 1_000_000n; // $0.001 per reservation

before(async () => {
  svc = await startAcmeService();
  engine = testEngine(svc, {
    estimate: () => ESTIMATE,
    config: { ...svc.cfg.policy, maxOpenReservations: 3 },
    onReservationEvicted: () => evicted++,
  });
  await engine.start();
});
after(async () => {
  engine.stop();
  await svc.stop();
});

const ask = (requestId: string) =>
  engine.decide({ tenantId: 'acme', provider: 'openai', model: 'gpt-4o-mini', estimatedInputTokens: 100, maxTokens: 100, requestId, reserve: true });

test('past maxOpenReservations the oldest reservations are released early and counted', () => {
  const ids = ['r1', 'r2', 'r3', 'r4', 'r5'].map((id) => ask(id).reservation!.id);
  const state = ask('r-probe');
  // The probe reserved too, so the first three were released: r4, r5 and the probe stay open.
  assert.equal(evicted, 3);
  assert.equal(state.budgets[0]!.reservedNano, 3n * ESTIMATE);
  assert.equal(engine.settle({ reservationId: ids[0] }), false, 'the oldest is gone');
  assert.equal(engine.settle({ reservationId: ids[2] }), false);
  assert.equal(engine.settle({ reservationId: ids[3] }), true, 'a newer one is still open');
  // Settling frees room: the next reservation evicts nothing.
  ask('r6');
  assert.equal(evicted, 3);
  assert.equal(engine.settle({ requestId: 'r5' }), true);
});
