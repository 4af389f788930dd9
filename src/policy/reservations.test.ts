import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reservations } from './reservations';
import type { ReservationSnapshot } from './types';

const T0 = Date.UTC(2026, 5, 15, 12);
const TTL = 600_000;

function setup(onEvicted?: () => void) {
  const res = new Reservations({ replicaId: 'r1', onEvicted });
  const acme = res.ownerFor('acme', 'red');
  const globex = res.ownerFor('globex', 'red');
  return { res, acme, globex, acmeTotal: res.totalOf('tenant|acme'), globexTotal: res.totalOf('tenant|globex'), red: res.totalOf('team|red') };
}

test('holds count exactly against the tenant and its team, and go when released', () => {
  const { res, acme, globex, acmeTotal, globexTotal, red } = setup();
  const a = res.open(acme, 1_500_000_001n, T0 + TTL, 'allow', 'req-1', '');
  res.open(globex, 7n, T0 + TTL, 'warn', 'req-1', '');
  assert.equal(acmeTotal.reservedNano, 1_500_000_001n);
  assert.equal(globexTotal.reservedNano, 7n);
  assert.equal(red.reservedNano, 1_500_000_008n);
  assert.equal(res.size, 2);
  assert.deepEqual(res.settleById(a), { tenantId: 'acme', requestId: 'req-1', decisionId: a, outcome: 'allow' });
  assert.equal(acmeTotal.reservedNano, 0n);
  assert.equal(red.reservedNano, 7n);
  assert.equal(res.settleById(a), undefined, 'released once');
  assert.equal(res.totalOf('tenant|acme'), acmeTotal, 'one live total per scope');
});

test('a request id is released only within its tenant', () => {
  const { res, acme, globex, acmeTotal, globexTotal } = setup();
  res.open(acme, 10n, T0 + TTL, 'allow', 'req-1', '');
  const g = res.open(globex, 20n, T0 + TTL, 'warn', 'req-1', '');
  assert.equal(res.settleByRequest('initech', 'req-1'), undefined);
  assert.deepEqual(res.settleByRequest('globex', 'req-1'), { tenantId: 'globex', requestId: 'req-1', decisionId: g, outcome: 'warn' });
  assert.equal(globexTotal.reservedNano, 0n);
  assert.equal(acmeTotal.reservedNano, 10n, "acme's reservation of the same request id stays");
  assert.equal(res.releaseRequest('globex', 'req-1'), 0n, 'none left for globex');
  assert.equal(res.releaseRequest('acme', 'req-1'), 10n, 'a retried decide releases the old one, giving its amount');
  assert.equal(acmeTotal.reservedNano, 0n);
});

test('a gateway releases only what it opened or what named no gateway', () => {
  const { res, acme, acmeTotal } = setup();
  const byGw1 = res.open(acme, 10n, T0 + TTL, 'allow', 'req-1', 'gw-1');
  const byNone = res.open(acme, 20n, T0 + TTL, 'allow', 'req-2', '');
  assert.equal(res.settleById(byGw1, 'gw-2'), undefined);
  assert.equal(res.settleByRequest('acme', 'req-1', 'gw-2'), undefined);
  assert.equal(acmeTotal.reservedNano, 30n);
  assert.equal(res.settleByRequest('acme', 'req-1', 'gw-1')?.decisionId, byGw1);
  assert.equal(res.settleById(byNone, 'gw-2')?.decisionId, byNone);
  assert.equal(acmeTotal.reservedNano, 0n);
});

test('a stored call closes its tenant reservation by request id; a gateway only its own; an anonymous sender none', () => {
  const { res, acme, acmeTotal } = setup();
  const id = res.open(acme, 10n, T0 + TTL, 'warn', 'req-1', 'gw-1');
  assert.equal(res.decisionOfCall('req-1', 'acme', 'gateway', 'gw-2'), null, 'held for another gateway');
  assert.equal(res.decisionOfCall('req-1', 'globex', 'service', 'globex-api'), undefined, 'another tenant');
  assert.equal(res.decisionOfCall('req-1', 'acme', 'anonymous', ''), undefined);
  assert.equal(res.decisionOfCall('req-9', 'acme', 'service', 'acme-api'), undefined);
  assert.deepEqual(res.decisionOfCall('req-1', 'acme', 'gateway', 'gw-1'), { decisionId: id, outcome: 'warn' });
  assert.deepEqual(res.decisionOfCall('req-1', 'acme', 'service', 'acme-api'), { decisionId: id, outcome: 'warn' }, "the tenant's own sender");
  assert.equal(res.closeForCall('req-1', 'acme', 'anonymous', ''), false);
  assert.equal(res.closeForCall('req-1', 'acme', 'gateway', 'gw-2'), false);
  assert.equal(res.closeForCall('req-1', 'globex', 'service', 'globex-api'), false);
  assert.equal(res.closeForCall('', 'acme', 'service', 'acme-api'), false);
  assert.equal(acmeTotal.reservedNano, 10n);
  assert.equal(res.closeForCall('req-1', 'acme', 'service', 'acme-api'), true);
  assert.equal(acmeTotal.reservedNano, 0n);
  assert.equal(res.closeForCall('req-1', 'acme', 'service', 'acme-api'), false, 'closed once');
});

test('reservations expire at their expiry, not before', () => {
  const { res, acme, acmeTotal } = setup();
  res.open(acme, 1n, T0 + 1000, 'allow', '', '');
  res.open(acme, 2n, T0 + 2000, 'allow', '', '');
  res.expire(T0 + 999);
  assert.equal(acmeTotal.reservedNano, 3n);
  res.expire(T0 + 1000);
  assert.equal(acmeTotal.reservedNano, 2n);
  res.expire(T0 + 5000);
  assert.equal(acmeTotal.reservedNano, 0n);
  assert.equal(res.size, 0);
});

test('at the most open, the oldest is released to make room, and counted', () => {
  let evicted = 0;
  const { res, acme, acmeTotal } = setup(() => evicted++);
  const first = res.open(acme, 1n, T0 + TTL, 'allow', 'req-1', '');
  res.open(acme, 2n, T0 + TTL, 'allow', 'req-2', '');
  res.makeRoom(3);
  assert.equal(evicted, 0);
  res.makeRoom(2);
  assert.equal(evicted, 1);
  assert.equal(acmeTotal.reservedNano, 2n);
  assert.equal(res.settleById(first), undefined);
});

test('snapshots write only what changed per tenant, and a tenant with none left once as zeros', () => {
  const { res, acme, globex } = setup();
  const a = res.open(acme, 10n, T0 + 5000, 'allow', '', '');
  res.open(globex, 3n, T0 + 7000, 'allow', '', '');
  res.open(acme, 5n, T0 + 9000, 'allow', '', '');
  assert.deepEqual(res.snapshot(T0), [
    { replicaId: 'r1', tenant: 'acme', team: 'red', openCount: 2, reservedNano: 15n, expiresAtMs: T0 + 9000, updatedAtMs: T0 },
    { replicaId: 'r1', tenant: 'globex', team: 'red', openCount: 1, reservedNano: 3n, expiresAtMs: T0 + 7000, updatedAtMs: T0 },
  ]);
  assert.deepEqual(res.snapshot(T0 + 1), [], 'nothing changed');
  res.settleById(a);
  res.expire(T0 + 7000);
  assert.deepEqual(res.snapshot(T0 + 2), [
    { replicaId: 'r1', tenant: 'acme', team: 'red', openCount: 1, reservedNano: 5n, expiresAtMs: T0 + 9000, updatedAtMs: T0 + 2 },
    { replicaId: 'r1', tenant: 'globex', team: '', openCount: 0, reservedNano: 0n, expiresAtMs: T0 + 2, updatedAtMs: T0 + 2 },
  ]);
  assert.deepEqual(res.snapshot(T0 + 3), []);
});

const snap = (replicaId: string, tenant: string, team: string, reservedNano: bigint, expiresAtMs: number): ReservationSnapshot => ({
  replicaId, tenant, team, openCount: 4, reservedNano, expiresAtMs, updatedAtMs: T0 - 1000,
});

test("restored holds are this replica's own snapshots, counted as any hold, released only at their expiry", () => {
  const { res, acmeTotal, red } = setup();
  res.restore([snap('r1', 'acme', 'red', 1_000_000_007n, T0 + 3000), snap('r2', 'globex', 'red', 50n, T0 + 3000)]);
  assert.equal(acmeTotal.reservedNano, 1_000_000_007n);
  assert.equal(red.reservedNano, 1_000_000_007n, "another replica's snapshot is not restored here");
  assert.equal(res.size, 1);
  assert.deepEqual(res.snapshot(T0), [
    { replicaId: 'r1', tenant: 'acme', team: 'red', openCount: 1, reservedNano: 1_000_000_007n, expiresAtMs: T0 + 3000, updatedAtMs: T0 },
  ], 'the same amount and expiry, now as one hold');
  assert.deepEqual(res.snapshot(T0 + 1), []);
  assert.equal(res.closeForCall('', 'acme', 'service', 'acme-api'), false);
  assert.equal(res.settleById('restored:'), undefined);
  res.makeRoom(1);
  assert.equal(acmeTotal.reservedNano, 1_000_000_007n, 'making room releases only reservations opened here');
  res.expire(T0 + 2999);
  assert.equal(acmeTotal.reservedNano, 1_000_000_007n);
  res.expire(T0 + 3000);
  assert.equal(acmeTotal.reservedNano, 0n);
  assert.equal(res.size, 0);
  assert.deepEqual(res.snapshot(T0 + 3000), [{ replicaId: 'r1', tenant: 'acme', team: '', openCount: 0, reservedNano: 0n, expiresAtMs: T0 + 3000, updatedAtMs: T0 + 3000 }]);
});

test("other replicas' snapshots count as remote, replaced at each refresh", () => {
  const { res, acmeTotal, red } = setup();
  res.countRemote([snap('r2', 'acme', 'red', 100n, T0), snap('r3', 'acme', 'red', 11n, T0), snap('r1', 'acme', 'red', 999n, T0)]);
  assert.equal(acmeTotal.remoteNano, 111n, 'its own snapshot is not remote');
  assert.equal(red.remoteNano, 111n);
  assert.equal(acmeTotal.reservedNano, 0n);
  res.countRemote([snap('r2', 'globex', 'red', 5n, T0)]);
  assert.equal(acmeTotal.remoteNano, 0n);
  assert.equal(red.remoteNano, 5n);
});

test('calls stored elsewhere close their reservations; no look while none is open', async () => {
  const { res, acme, acmeTotal } = setup();
  const looks: number[] = [];
  assert.equal(await res.settleStoredElsewhere(Date.now(), TTL, (ms) => (looks.push(ms), Promise.resolve([]))), 0);
  assert.equal(looks.length, 0);
  res.open(acme, 10n, Date.now() + TTL, 'allow', 'req-1', 'gw-1');
  res.open(acme, 20n, Date.now() + TTL, 'allow', 'req-2', 'gw-1');
  res.open(acme, 40n, Date.now() + TTL, 'allow', 'req-3', '');
  const closed = await res.settleStoredElsewhere(Date.now() + TTL * 10, TTL, (ms) => {
    looks.push(ms);
    return Promise.resolve([
      { requestId: 'req-1', tenant: 'acme', senderId: 'gw-1', senderKind: 'gateway' },
      { requestId: 'req-2', tenant: 'acme', senderId: 'gw-2', senderKind: 'gateway' },
      { requestId: 'req-3', tenant: 'globex', senderId: 'globex-api', senderKind: 'service' },
      { requestId: 'req-3', tenant: 'acme', senderId: '', senderKind: 'anonymous' },
    ]);
  });
  assert.equal(closed, 1);
  assert.equal(acmeTotal.reservedNano, 60n);
  assert.deepEqual(looks, [TTL + 30_000], 'at most the time to live back, and the overlap');
});
