import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { BudgetEvents } from './budget-events';
import { policyConfigSchema } from './config';
import { decide, type DecisionParts } from './decide';
import { DecisionLog } from './decision-log';
import type { BudgetSpec, EstimateCost, PolicyDirectory, PolicyTenant } from './ports';
import { RateLimiter } from './rate-limiter';
import { Reservations } from './reservations';
import { SpendBook } from './spend-book';
import { TenantRuntimes } from './tenant-runtime';
import type { DecideInput, DecisionRow, PolicyEvent } from './types';

const USD = 1_000_000_000n;
const NOW = Date.UTC(2026, 5, 15, 12);
const hashToken = (t: string) => `sha256:${createHash('sha256').update(t).digest('hex')}`;
const monthly = (amount: string): BudgetSpec => ({ amount, currency: 'USD', period: 'month', warnAtPercent: 80, timeZone: 'UTC' });

function directory(tenants: PolicyTenant[], teams: [string, BudgetSpec | undefined][] = []): PolicyDirectory {
  return {
    tenantById: new Map(tenants.map((t) => [t.id, t])),
    tenantByTokenHash: new Map(tenants.map((t) => [hashToken(`tok-${t.id}`), t])),
    senderByTokenHash: new Map(),
    costCenterByTeam: new Map(teams.map(([team, budget]) => [team, { budget }])),
    modelGroups: {},
  };
}

/** The parts with nothing but memory; gpt-4o costs $0.000002 per input and $0.00001 per output token. */
function setup(config: Record<string, unknown> = {}, estimate?: EstimateCost) {
  const cfg = policyConfigSchema.parse(config);
  const events: PolicyEvent[] = [];
  const rows: DecisionRow[] = [];
  const reservations = new Reservations({ replicaId: 'r1' });
  const spend = new SpendBook('r1');
  const parts: DecisionParts = {
    config: cfg,
    unpricedNanoPerMillionTokens: 75n * USD,
    hashToken,
    estimate: estimate ?? ((q) => (q.model.startsWith('gpt-4o') ? BigInt(q.inputTokens) * 2000n + BigInt(q.outputTokens) * 10_000n : undefined)),
    tenants: new TenantRuntimes(reservations, cfg.replicas),
    limiter: new RateLimiter(),
    spend,
    reservations,
    events: new BudgetEvents((e) => events.push(e)),
    log: new DecisionLog({ config: { recordDecisions: 'all', decisionSampleRate: 0 }, save: (r) => rows.push(r) }),
  };
  const store = (tenant: string, nano: bigint) => spend.count(`tenant|${tenant}`, monthly('0'), NOW, nano, spend.epochs.stamp, NOW);
  return { parts, events, rows, reservations, store };
}

const acme: PolicyTenant = { id: 'acme', team: 'red', budget: monthly('100'), allowedModels: ['openai/gpt-4o*', 'unpriced-*'] };
const ask = (extra: Partial<DecideInput> = {}): DecideInput => ({ tenantId: 'acme', model: 'openai/gpt-4o', estimatedInputTokens: 1000, maxTokens: 500, requestId: 'req-1', reserve: true, ...extra });

test('an allowed call reserves its most, exactly, under the decision id', () => {
  const { parts, reservations, rows } = setup();
  const d = decide(parts, directory([acme]), ask({ gatewayId: 'gw-1' }), NOW);
  assert.equal(d.decision, 'allow');
  assert.equal(d.reason, undefined);
  assert.equal(d.tenant, 'acme');
  assert.deepEqual(d.reservation, { id: d.decisionId, amountNano: 7_000_000n, expiresAtMs: NOW + 600_000 });
  assert.equal(d.budgets.length, 1);
  assert.equal(d.budgets[0]!.reservedNano, 7_000_000n);
  assert.equal(d.budgets[0]!.limitNano, 100n * USD);
  assert.equal(d.budgets[0]!.warnAtNano, 80n * USD);
  assert.equal(reservations.totalOf('tenant|acme').reservedNano, 7_000_000n);
  assert.equal(reservations.totalOf('team|red').reservedNano, 7_000_000n);
  assert.deepEqual(rows.map((r) => [r.outcome, r.provider, r.model, r.reservedNano]), [['allow', 'openai', 'gpt-4o', 7_000_000n]]);
  assert.equal(reservations.settleByRequest('acme', 'req-1', 'gw-2'), undefined, 'held for the gateway that asked');
});

test('asking again for the same request replaces its reservation', () => {
  const { parts, reservations } = setup();
  const dir = directory([acme]);
  const first = decide(parts, dir, ask(), NOW);
  const second = decide(parts, dir, ask({ maxTokens: 1000 }), NOW);
  assert.notEqual(second.decisionId, first.decisionId);
  assert.equal(second.budgets[0]!.reservedNano, 12_000_000n, 'the new one only');
  assert.equal(reservations.totalOf('tenant|acme').reservedNano, 12_000_000n);
  assert.equal(reservations.settleById(first.decisionId), undefined);
  assert.equal(reservations.size, 1);
});

test('warns from 80% of the budget, counting spend, reservations and the call', () => {
  const { parts, store, events } = setup();
  const dir = directory([acme]);
  store('acme', 80n * USD - 7_000_001n);
  const under = decide(parts, dir, ask({ requestId: 'a' }), NOW);
  assert.equal(under.decision, 'allow');
  assert.equal(events.length, 0);
  store('acme', 1n);
  // Spend and the open reservation now reach $80 exactly, with nothing more asked.
  const d = decide(parts, dir, ask({ requestId: 'b', reserve: false }), NOW);
  assert.equal(d.decision, 'warn');
  assert.equal(d.reason, 'budget_warning');
  assert.equal(d.message, 'Budget warning for tenant acme: monthly budget $100.00 USD, spent $79.993, reserved $0.007, remaining $20.00; period 2026-06-01T00:00:00.000Z to 2026-07-01T00:00:00.000Z, resets 2026-07-01T00:00:00.000Z');
  assert.equal(d.budgets[0]!.reservedNano, 7_000_000n);
  assert.equal(d.reservation, undefined);
  assert.deepEqual(events.map((e) => [e.kind, e.spentNano, e.reservedNano]), [['budget_warning', 80n * USD - 7_000_000n, 7_000_000n]]);
  const next = decide(parts, dir, ask({ requestId: 'c' }), NOW);
  assert.equal(next.decision, 'warn');
  assert.match(next.message!, /, reserved \$0\.007, remaining \$20\.00, this call up to \$0\.007;/, 'the figures before this call holds');
  assert.equal(next.budgets[0]!.reservedNano, 14_000_000n);
  assert.equal(events.length, 1, 'the warning once');
});

test('denies a call that would pass the budget, holding nothing, and says when it resets', () => {
  const { parts, store, events, reservations } = setup();
  store('acme', 100n * USD - 7_000_000n);
  const fits = decide(parts, directory([acme]), ask({ requestId: 'a' }), NOW);
  assert.equal(fits.decision, 'warn', 'exactly the limit is allowed');
  const d = decide(parts, directory([acme]), ask({ requestId: 'b', estimatedInputTokens: 1 }), NOW);
  assert.equal(d.decision, 'deny');
  assert.equal(d.reason, 'budget_exceeded');
  assert.equal(d.reservation, undefined);
  assert.equal(d.retryAfterS, (Date.UTC(2026, 6, 1) - NOW) / 1000);
  assert.equal(reservations.totalOf('tenant|acme').reservedNano, 7_000_000n);
  assert.deepEqual(events.map((e) => e.kind), ['budget_warning', 'budget_exhausted']);
  assert.match(events[1]!.message, /this call up to \$0\.005002;/);
});

test("the team's budget denies too, after the tenant's allowed", () => {
  const { parts } = setup();
  const dir = directory([acme], [['red', monthly('0.005')]]);
  const d = decide(parts, dir, ask(), NOW);
  assert.equal(d.decision, 'deny');
  assert.deepEqual(d.budgets.map((b) => [b.scope, b.subject, b.limitNano]), [['tenant', 'acme', 100n * USD], ['team', 'red', 5_000_000n]]);
  assert.match(d.message!, /^Budget exceeded for team red: /);
});

test('refuses without metadata, an unknown tenant, a model not allowed, and past the rate limit', () => {
  const { parts, rows } = setup({ replicas: 2 });
  const dir = directory([{ ...acme, rateLimits: { requestsPerMinute: 4 } }]);
  assert.equal(decide(parts, dir, ask({ model: '' }), NOW).reason, 'missing_metadata');
  assert.equal(decide(parts, dir, ask({ tenantId: undefined }), NOW).reason, 'missing_metadata');
  assert.equal(decide(parts, dir, ask({ tenantId: 'initech' }), NOW).reason, 'unknown_tenant');
  assert.equal(decide(parts, dir, ask({ tenantId: undefined, tenantToken: 'tok-acme' }), NOW).decision, 'allow', 'by token');
  const notAllowed = decide(parts, dir, ask({ model: 'claude-3', provider: 'anthropic' }), NOW);
  assert.equal(notAllowed.reason, 'model_not_allowed');
  assert.equal(notAllowed.message, 'tenant acme may not use anthropic/claude-3; allowed: openai/gpt-4o*, unpriced-*');
  assert.equal(decide(parts, dir, ask({ requestId: 'r2' }), NOW).decision, 'allow', 'two per replica of four per minute');
  const limited = decide(parts, dir, ask({ requestId: 'r3' }), NOW);
  assert.equal(limited.reason, 'rate_limited');
  assert.equal(limited.retryAfterS, 60);
  assert.deepEqual(rows.map((r) => r.outcome), ['deny', 'deny', 'deny', 'allow', 'deny', 'allow', 'deny']);
});

test('an unpriced model is denied for a tenant with a budget, or held at the fallback rate', () => {
  const denied = setup();
  const d = decide(denied.parts, directory([acme]), ask({ model: 'unpriced-x' }), NOW);
  assert.equal(d.reason, 'model_unpriced');
  assert.equal(d.budgets.length, 1);
  const held = setup({ unpricedModels: 'reserve' });
  const r = decide(held.parts, directory([acme]), ask({ model: 'unpriced-x' }), NOW);
  assert.equal(r.decision, 'allow');
  assert.equal(r.reservation?.amountNano, 112_500_000n, '1,500 tokens at $75 per million');
  const noBudget = decide(denied.parts, directory([{ ...acme, budget: undefined }]), ask({ model: 'unpriced-x' }), NOW);
  assert.equal(noBudget.decision, 'allow');
  assert.equal(noBudget.reservation, undefined, 'nothing to hold against');
});

test('a call not asking to reserve holds nothing and is still judged against the budget', () => {
  const { parts, store, reservations } = setup();
  const d = decide(parts, directory([acme]), ask({ reserve: false }), NOW);
  assert.equal(d.decision, 'allow');
  assert.equal(d.reservation, undefined);
  assert.equal(reservations.size, 0);
  store('acme', 100n * USD);
  assert.equal(decide(parts, directory([acme]), ask({ reserve: false }), NOW).reason, 'budget_exceeded');
});

test('past the most open reservations the oldest is released first', () => {
  const { parts, reservations } = setup({ maxOpenReservations: 2 });
  const dir = directory([acme]);
  const first = decide(parts, dir, ask({ requestId: 'a' }), NOW);
  decide(parts, dir, ask({ requestId: 'b' }), NOW);
  const third = decide(parts, dir, ask({ requestId: 'c' }), NOW);
  assert.equal(third.budgets[0]!.reservedNano, 14_000_000n);
  assert.equal(reservations.size, 2);
  assert.equal(reservations.settleById(first.decisionId), undefined);
});
