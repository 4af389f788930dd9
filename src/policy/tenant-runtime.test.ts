import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BudgetSpec, PolicyDirectory, PolicyTenant } from './ports';
import { Reservations } from './reservations';
import { perReplica, resolveTenant, TenantRuntimes } from './tenant-runtime';

const budget = (amount: string, warnAtPercent = 80): BudgetSpec => ({ amount, currency: 'USD', period: 'month', warnAtPercent, timeZone: 'UTC' });
const HASH = 'sha256:' + 'ab'.repeat(32);

function dir(tenants: PolicyTenant[], teams: Record<string, BudgetSpec | undefined> = {}): PolicyDirectory {
  return {
    tenantById: new Map(tenants.map((t) => [t.id, t])),
    tenantByTokenHash: new Map([[HASH, tenants[0]!]]),
    senderByTokenHash: new Map(),
    costCenterByTeam: new Map(Object.entries(teams).map(([k, b]) => [k, { budget: b }])),
    modelGroups: { cheap: ['openai/gpt-4o-mini'] },
  };
}

test('a runtime has the tenant budget, then the team budget, with exact limits and thresholds', () => {
  const res = new Reservations({ replicaId: 'r1' });
  const acme: PolicyTenant = { id: 'acme', team: 'red', budget: budget('12.345678901', 87.5), allowedModels: ['@cheap'] };
  const rt = new TenantRuntimes(res, 1).of(acme, dir([acme], { red: budget('1000') }));
  assert.deepEqual(rt.scopes.map((s) => [s.key, s.scope, s.subject, s.limitNano, s.warnAtNano]), [
    ['tenant|acme', 'tenant', 'acme', 12_345_678_901n, 10_802_469_038n],
    ['team|red', 'team', 'red', 1_000_000_000_000n, 800_000_000_000n],
  ]);
  assert.equal(rt.scopes[0]!.reserved, res.totalOf('tenant|acme'));
  assert.equal(rt.scopes[1]!.reserved, res.totalOf('team|red'));
  assert.equal(rt.allowed('openai', 'gpt-4o-mini'), true);
  assert.equal(rt.allowed('openai', 'gpt-4o'), false);
  res.open(rt.owner, 5n, 1, 'allow', '', '');
  assert.equal(res.totalOf('tenant|acme').reservedNano, 5n);
  assert.equal(res.totalOf('team|red').reservedNano, 5n);
});

test('a tenant without budgets has no scopes; one runtime per tenant and registry load', () => {
  const runtimes = new TenantRuntimes(new Reservations({ replicaId: 'r1' }), 3);
  const t: PolicyTenant = { id: 'solo', team: 'none', rateLimits: { requestsPerMinute: 10, tokensPerMinute: 2 } };
  const d1 = dir([t]);
  const rt = runtimes.of(t, d1);
  assert.deepEqual(rt.scopes, []);
  assert.deepEqual(rt.rate, { requestsPerMinute: 3, tokensPerMinute: 1 }, 'shared among three replicas, at least one each');
  assert.equal(runtimes.of(t, d1), rt);
  const d2 = dir([t], { none: budget('1') });
  const again = runtimes.of(t, d2);
  assert.notEqual(again, rt, 'a new registry load');
  assert.equal(again.scopes.length, 1);
});

test('per-replica limits keep what is not set unset', () => {
  assert.deepEqual(perReplica({ tokensPerMinute: 1000 }, 4), { requestsPerMinute: undefined, tokensPerMinute: 250 });
});

test('a tenant is named by id, by token, or by the token hash in any case, with or without its prefix', () => {
  const acme: PolicyTenant = { id: 'acme', team: 'red' };
  const d = dir([acme]);
  const hashToken = (t: string) => (t === 'tok' ? HASH : 'sha256:none');
  assert.equal(resolveTenant({ tenantId: 'acme' }, d, hashToken), acme);
  assert.equal(resolveTenant({ tenantId: 'other' }, d, hashToken), undefined);
  assert.equal(resolveTenant({ tenantToken: 'tok' }, d, hashToken), acme);
  assert.equal(resolveTenant({ tenantToken: 'wrong' }, d, hashToken), undefined);
  assert.equal(resolveTenant({ tenantTokenSha256: 'AB'.repeat(32) }, d, hashToken), acme);
  assert.equal(resolveTenant({ tenantTokenSha256: `SHA256:${'ab'.repeat(32)}` }, d, hashToken), acme);
  assert.equal(resolveTenant({}, d, hashToken), undefined);
  assert.equal(resolveTenant({ tenantId: 'other', tenantToken: 'tok' }, d, hashToken), undefined, 'the id, when given, decides');
});
