import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPolicyStore } from '../src/ledger';
import { type PolicyEngine } from '../src/policy';
import { parseRegistry } from '../src/ownership';
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
  assert.equal(engine.settle({ requestId: 'r5', tenantId: 'acme' }), true);
});

test('reservations restored after a restart count until their own expiry, cannot be released by a guessed id, and are never evicted', async () => {
  const nowMs = Date.now();
  const store = createPolicyStore(svc.service.storage.client, svc.cfg.ledger.database);
  const snapshot = { replicaId: 'restarted', tenant: 'acme', team: 'acme', openCount: 4, reservedNano: 7_000_000n, expiresAtMs: nowMs + 60_000, updatedAtMs: nowMs };
  const restarted = testEngine(svc, {
    replicaId: 'restarted',
    estimate: () => ESTIMATE,
    config: { ...svc.cfg.policy, maxOpenReservations: 3 },
    store: { ...store, reservationSnapshots: async () => [snapshot] },
  });
  await restarted.start();
  try {
    const reserved = () => restarted.decide({ tenantId: 'acme', provider: 'openai', model: 'gpt-4o-mini', reserve: false }).budgets[0]!.reservedNano;
    assert.equal(reserved(), 7_000_000n, 'the snapshot counts at once');
    // Its id is not derived from the tenant: no sender can release it by guessing.
    assert.equal(restarted.settle({ reservationId: 'restored:acme' }), false, 'a guessed id releases nothing');
    assert.equal(restarted.settle({ reservationId: 'restored:acme', tenantId: 'acme' }), false);
    assert.equal(reserved(), 7_000_000n, 'still held after the guesses');
    // The restored total and two fresh reservations fill the cap; a third fresh one evicts
    // the oldest fresh one, never the restored total.
    for (const id of ['x1', 'x2', 'x3']) restarted.decide({ tenantId: 'acme', provider: 'openai', model: 'gpt-4o-mini', maxTokens: 10, requestId: id, reserve: true });
    assert.equal(reserved(), 7_000_000n + 2n * ESTIMATE);
    await restarted.refresh(nowMs + 30_000);
    assert.equal(reserved(), 7_000_000n + 2n * ESTIMATE, 'not expired before its time');
    await restarted.refresh(nowMs + 60_000);
    assert.equal(reserved(), 2n * ESTIMATE, 'gone at its own expiry; the fresh ones live ten minutes');
    assert.equal(restarted.settle({ reservationId: 'restored:acme' }), false, 'already gone');
  } finally {
    restarted.stop();
  }
});

test('an estimate beyond int64 nano-USD is reserved as the most the book holds, and released exactly', () => {
  const registry = parseRegistry('tenants: [{ id: unbudgeted, team: free, app: free-app }]', 'inline');
  const free = testEngine(svc, { directory: () => registry, estimate: () => 2n ** 70n });
  const d = free.decide({ tenantId: 'unbudgeted', provider: 'openai', model: 'gpt-4o-mini', maxTokens: 1, requestId: 'huge', reserve: true });
  assert.equal(d.decision, 'allow');
  assert.equal(d.reservation?.amountNano, 2n ** 63n - 1n);
  assert.equal(free.settle({ requestId: 'huge', tenantId: 'unbudgeted' }), true);
  assert.equal(free.settle({ requestId: 'huge', tenantId: 'unbudgeted' }), false);
});
