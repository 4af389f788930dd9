import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BudgetEvents } from './budget-events';
import { BudgetScope } from './budget-scope';
import type { BudgetSpec } from './ports';
import { Reservations } from './reservations';
import { SpendBook } from './spend-book';
import type { PolicyEvent } from './types';

const BUDGET: BudgetSpec = { amount: '100', currency: 'USD', period: 'month', warnAtPercent: 80, timeZone: 'UTC' };
const NOW = Date.UTC(2026, 5, 15, 12);
const USD = 1_000_000_000n;

function setup(storedBefore: string[] = []) {
  const fired: PolicyEvent[] = [];
  const events = new BudgetEvents((e) => fired.push(e));
  events.storedBefore(storedBefore);
  const reservations = new Reservations({ replicaId: 'r1' });
  const spend = new SpendBook('r1');
  const scope = new BudgetScope('tenant|acme', 'tenant', 'acme', BUDGET, reservations.totalOf('tenant|acme'));
  const owner = reservations.ownerFor('acme', 'red');
  const period = scope.periodAt(NOW, spend);
  const store = (nano: bigint) => spend.count('tenant|acme', BUDGET, NOW, nano, spend.epochs.stamp, NOW);
  return { fired, events, reservations, scope, owner, period, store, kinds: () => fired.map((e) => e.kind) };
}

test('the warning fires once, when spend plus reservations reach 80%, not a nano-USD before', () => {
  const { events, scope, period, store, reservations, owner, fired, kinds } = setup();
  store(70n * USD);
  reservations.open(owner, 10n * USD - 1n, NOW + 1000, 'allow', '', '');
  events.check(scope, period, NOW);
  assert.deepEqual(kinds(), [], '$79.999999999');
  reservations.open(owner, 1n, NOW + 1000, 'allow', '', '');
  events.check(scope, period, NOW);
  assert.deepEqual(kinds(), ['budget_warning']);
  const e = fired[0]!;
  assert.equal(e.spentNano, 70n * USD);
  assert.equal(e.reservedNano, 10n * USD);
  assert.equal(e.limitNano, 100n * USD);
  assert.equal(e.scope, 'tenant');
  assert.equal(e.subject, 'acme');
  assert.equal(e.periodStartMs, Date.UTC(2026, 5, 1));
  assert.equal(e.periodEndMs, Date.UTC(2026, 6, 1));
  assert.equal(e.createdAtMs, NOW);
  assert.equal(e.message, 'Budget warning for tenant acme: monthly budget $100.00 USD, spent $70.00, reserved $10.00, remaining $20.00; period 2026-06-01T00:00:00.000Z to 2026-07-01T00:00:00.000Z, resets 2026-07-01T00:00:00.000Z');
  store(5n * USD);
  events.check(scope, period, NOW);
  assert.deepEqual(kinds(), ['budget_warning'], 'once per period');
});

test('budget_exceeded fires on settled spend reaching 100%, never on reservations', () => {
  const { events, scope, period, store, reservations, owner, kinds } = setup();
  store(99n * USD);
  reservations.open(owner, 50n * USD, NOW + 1000, 'allow', '', '');
  events.check(scope, period, NOW);
  assert.deepEqual(kinds(), ['budget_warning']);
  store(USD - 1n);
  events.check(scope, period, NOW);
  assert.deepEqual(kinds(), ['budget_warning'], '$99.999999999 spent');
  store(1n);
  events.check(scope, period, NOW);
  assert.deepEqual(kinds(), ['budget_warning', 'budget_exceeded']);
  store(USD);
  events.check(scope, period, NOW);
  assert.equal(kinds().length, 2);
});

test('both fire together when spend jumps past the limit', () => {
  const { events, scope, period, store, fired } = setup();
  store(100n * USD);
  events.check(scope, period, NOW);
  assert.deepEqual(fired.map((e) => [e.kind, e.spentNano]), [['budget_warning', 100n * USD], ['budget_exceeded', 100n * USD]]);
});

test('budget_exhausted fires once per period and names the call', () => {
  const { events, scope, period, store, fired } = setup();
  store(90n * USD);
  events.exhausted(scope, period, NOW, 12_500_000_000n);
  events.exhausted(scope, period, NOW, 1n);
  assert.deepEqual(fired.map((e) => e.kind), ['budget_exhausted']);
  assert.match(fired[0]!.message, /^Budget exhausted for tenant acme: monthly budget \$100\.00 USD, spent \$90\.00, reserved \$0\.00, remaining \$10\.00, this call up to \$12\.50; /);
});

test('events stored before this start are not emitted again in their period; the next period starts afresh', () => {
  const june = Date.UTC(2026, 5, 1);
  const { events, scope, period, store, kinds } = setup([`tenant|acme|${june}|budget_warning`, `tenant|acme|${june}|budget_exhausted`, `team|acme|${june}|budget_exceeded`]);
  store(100n * USD);
  events.check(scope, period, NOW);
  events.exhausted(scope, period, NOW, 1n);
  assert.deepEqual(kinds(), ['budget_exceeded'], "the team's stored event is not the tenant's");
  const july = new SpendBook('r1').periodOf('tenant|acme', BUDGET, Date.UTC(2026, 6, 2));
  events.exhausted(scope, july, NOW, 1n);
  assert.deepEqual(kinds(), ['budget_exceeded', 'budget_exhausted']);
});
