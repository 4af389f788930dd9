import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { hashToken } from '../src/ownership';
import { createPolicyStore } from '../src/ledger';
import { type PolicyEngine, type PolicyEvent } from '../src/policy';
import { pricedCall, startAcmeService, storeThrough, testEngine } from './helpers/policy-engine';
import { registryFile, startTestService, type TestService } from './helpers/test-service';
import { waitFor } from './helpers/wait';

const USD = 1_000_000_000n;

// acme: $100 a month, warning at 80%. Each event fires once per scope and period, for what
// its name says: the warning on spend plus reservations, `budget_exhausted` at the first
// deny for budget, `budget_exceeded` when settled spend itself reaches the limit.
describe('budget events: reservations crossing and released, then spend crossing', () => {
  let svc: TestService;
  let engine: PolicyEngine;
  const events: PolicyEvent[] = [];
  let estimate = 0n;

  before(async () => {
    svc = await startAcmeService({ policy: { refreshMs: 3_600_000 } });
    engine = testEngine(svc, {
      estimate: () => estimate,
      persist: { saveReservations() {}, saveEvent: (e) => events.push(e), saveDecision() {} },
    });
    await engine.start();
  });
  after(async () => {
    engine.stop();
    await svc.stop();
  });

  const ask = (usd: bigint) => {
    estimate = usd * USD;
    return engine.decide({ tenantId: 'acme', provider: 'openai', model: 'gpt-4o-mini', maxTokens: 1, reserve: true });
  };
  const kinds = () => events.map((e) => e.kind);

  test('warning, then exhausted at the first deny, then exceeded on spend alone', async () => {
    const a = ask(85n);
    assert.equal(a.decision, 'warn');
    assert.deepEqual(kinds(), ['budget_warning'], 'spend + reservations reached 80%');
    const b = ask(10n);
    assert.equal(b.decision, 'warn');
    assert.deepEqual(kinds(), ['budget_warning']);

    // $95 reserved, this call's $10 would pass $100: denied, and that deny is the exhaustion.
    const denied = ask(10n);
    assert.equal(denied.decision, 'deny');
    assert.equal(denied.reason, 'budget_exceeded');
    assert.deepEqual(kinds(), ['budget_warning', 'budget_exhausted']);
    assert.deepEqual([events[1]!.spentNano, events[1]!.reservedNano, events[1]!.limitNano], [0n, 95n * USD, 100n * USD]);
    assert.match(events[1]!.message, /^Budget exhausted for tenant acme: monthly budget \$100\.00 USD, spent \$0\.00, reserved \$95\.00, remaining \$5\.00, this call up to \$10\.00/);
    assert.equal(ask(10n).decision, 'deny');

    // Reservations reach exactly 100%: allowed, and no spend has been settled, so nothing is exceeded.
    const d = ask(5n);
    assert.equal(d.decision, 'warn');
    assert.deepEqual(kinds(), ['budget_warning', 'budget_exhausted']);

    // Every reservation is released: the calls cost less than reserved.
    for (const r of [a, b, d]) assert.equal(engine.settle({ reservationId: r.reservation!.id }), true);
    assert.equal(ask(0n).budgets[0]!.reservedNano, 0n);

    await storeThrough(svc, engine, [pricedCall(60n * USD)]);
    assert.deepEqual(kinds(), ['budget_warning', 'budget_exhausted'], '$60 spent');
    await storeThrough(svc, engine, [pricedCall(40n * USD - 1n)]);
    assert.deepEqual(kinds(), ['budget_warning', 'budget_exhausted'], 'a nano-USD short');
    await storeThrough(svc, engine, [pricedCall(1n)]);
    assert.deepEqual(kinds(), ['budget_warning', 'budget_exhausted', 'budget_exceeded'], 'settled spend reached $100');
    assert.deepEqual([events[2]!.spentNano, events[2]!.reservedNano], [100n * USD, 0n]);
    assert.match(events[2]!.message, /^Budget exceeded for tenant acme: monthly budget \$100\.00 USD, spent \$100\.00, reserved \$0\.00, remaining \$0\.00;/);

    // Once each per period: more spend, denies and refreshes add nothing.
    await storeThrough(svc, engine, [pricedCall(USD)]);
    assert.equal(ask(1n).decision, 'deny');
    await engine.refresh();
    assert.equal(ask(1n).decision, 'deny');
    assert.deepEqual(kinds(), ['budget_warning', 'budget_exhausted', 'budget_exceeded']);
  });

  test('a restart emits none of them again for the same period', async () => {
    const keys = events.map((e) => `${e.scope}|${e.subject}|${e.periodStartMs}|${e.kind}`);
    const restarted: PolicyEvent[] = [];
    const again = testEngine(svc, {
      estimate: () => USD,
      persist: { saveReservations() {}, saveEvent: (e) => restarted.push(e), saveDecision() {} },
      store: { ...createPolicyStore(svc.service.storage.client, svc.cfg.ledger.database), emittedEvents: async () => keys },
    });
    await again.start();
    try {
      assert.equal(again.decide({ tenantId: 'acme', provider: 'openai', model: 'gpt-4o-mini', maxTokens: 1, reserve: true }).decision, 'deny');
      await again.refresh();
      assert.deepEqual(restarted, []);
    } finally {
      again.stop();
    }
  });
});

describe('budget events are logged once each, with no webhook configured', () => {
  let svc: TestService;
  const lines: { msg: string; event?: { type: string; subject: string } }[] = [];

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    svc = await startTestService(
      {
        ownership: {
          registry: registryFile(`
tenants: [{ id: tiny, team: tiny, app: tiny-api, budget: { amount: "0.0001" } }]
senders:
  - { id: gateway, token: "${hashToken('tok-gw')}", gateway: true }
`),
          allowUnauthenticated: false,
        },
      },
      pino({ level: 'info' }, sink),
    );
  });
  after(async () => {
    await svc.stop();
  });

  test('two denies for budget: one budget_exhausted line', async () => {
    // gpt-4o-mini at $0.15 per million input tokens: 1,000 tokens may cost $0.00015, past $0.0001.
    for (let i = 0; i < 2; i++) {
      const d = svc.service.policy.decide({ tenantId: 'tiny', provider: 'openai', model: 'gpt-4o-mini', estimatedInputTokens: 1000, reserve: true });
      assert.equal(d.decision, 'deny');
    }
    await waitFor(() => lines.some((l) => l.msg === 'budget event'));
    await svc.service.policy.refresh();
    const logged = lines.filter((l) => l.msg === 'budget event').map((l) => `${l.event?.type}:${l.event?.subject}`);
    assert.deepEqual(logged, ['budget_exhausted:tiny']);
  });
});
