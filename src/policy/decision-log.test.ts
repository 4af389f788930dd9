import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyConfig } from './config';
import { DecisionLog } from './decision-log';
import type { Decision, DecisionRow } from './types';

const NOW = Date.UTC(2026, 5, 15, 12);

function log(recordDecisions: PolicyConfig['recordDecisions'], decisionSampleRate = 0, random = () => 0.5) {
  const saved: DecisionRow[] = [];
  const counted: string[] = [];
  const l = new DecisionLog({ config: { recordDecisions, decisionSampleRate }, save: (r) => saved.push(r), onDecision: (d, reason) => counted.push(`${d}:${reason}`), random });
  return { l, saved, counted };
}

const allow: Decision = { decisionId: 'd-allow', decision: 'allow', tenant: 'acme', budgets: [] };
const warn: Decision = { decisionId: 'd-warn', decision: 'warn', reason: 'budget_warning', tenant: 'acme', budgets: [] };
const deny: Decision = { decisionId: 'd-deny', decision: 'deny', reason: 'rate_limited', tenant: 'acme', budgets: [] };
const reserved: Decision = { ...allow, decisionId: 'd-res', reservation: { id: 'd-res', amountNano: 12_345n, expiresAtMs: NOW + 1 } };

test('every decision is counted; which are stored follows recordDecisions', () => {
  const all = log('all');
  for (const d of [allow, warn, deny]) all.l.record(d, 'req', 'openai', 'gpt-4o', NOW);
  assert.deepEqual(all.counted, ['allow:', 'warn:budget_warning', 'deny:rate_limited']);
  assert.deepEqual(all.saved.map((r) => r.outcome), ['allow', 'warn', 'deny']);
  const wd = log('warn_deny');
  for (const d of [allow, warn, deny]) wd.l.record(d, 'req', 'openai', 'gpt-4o', NOW);
  assert.deepEqual(wd.saved.map((r) => r.outcome), ['warn', 'deny']);
  const none = log('none');
  for (const d of [allow, warn, deny]) none.l.record(d, 'req', 'openai', 'gpt-4o', NOW);
  assert.deepEqual(none.saved, []);
  assert.equal(none.counted.length, 3);
});

test('sampled stores every warn and deny, and allows by the sample rate', () => {
  const below = log('sampled', 0.5, () => 0.49);
  for (const d of [allow, warn, deny]) below.l.record(d, 'req', 'openai', 'gpt-4o', NOW);
  assert.deepEqual(below.saved.map((r) => r.outcome), ['allow', 'warn', 'deny']);
  const above = log('sampled', 0.5, () => 0.5);
  for (const d of [allow, warn, deny]) above.l.record(d, 'req', 'openai', 'gpt-4o', NOW);
  assert.deepEqual(above.saved.map((r) => r.outcome), ['warn', 'deny']);
});

test('a stored row has the call and the amount reserved, exact', () => {
  const { l, saved } = log('all');
  assert.equal(l.record(reserved, 'req-1', 'openai', 'gpt-4o', NOW), reserved);
  l.record(deny, undefined, '', 'm', NOW);
  assert.deepEqual(saved, [
    { decisionId: 'd-res', createdAtMs: NOW, tenant: 'acme', requestId: 'req-1', provider: 'openai', model: 'gpt-4o', outcome: 'allow', reason: '', reservedNano: 12_345n },
    { decisionId: 'd-deny', createdAtMs: NOW, tenant: 'acme', requestId: '', provider: '', model: 'm', outcome: 'deny', reason: 'rate_limited', reservedNano: 0n },
  ]);
});

test('remembers allowed decisions that reserved nothing, per tenant and request id', () => {
  const { l } = log('none');
  l.record(allow, 'req-1', 'openai', 'gpt-4o', NOW);
  l.record(warn, 'req-2', 'openai', 'gpt-4o', NOW);
  l.record(deny, 'req-3', 'openai', 'gpt-4o', NOW);
  l.record(reserved, 'req-4', 'openai', 'gpt-4o', NOW);
  l.record({ ...allow, tenant: undefined }, 'req-5', 'openai', 'gpt-4o', NOW);
  assert.deepEqual(l.find('acme', 'req-1'), { decisionId: 'd-allow', outcome: 'allow' });
  assert.deepEqual(l.find('acme', 'req-2'), { decisionId: 'd-warn', outcome: 'warn' });
  assert.equal(l.find('globex', 'req-1'), undefined, 'another tenant');
  assert.equal(l.find('acme', 'req-3'), undefined, 'a denial let nothing through');
  assert.equal(l.find('acme', 'req-4'), undefined, 'its reservation remembers it');
  assert.equal(l.find('acme', 'req-5'), undefined);
});

test('keeps the last 50,000 at least, in two generations of 50,000', () => {
  const { l } = log('none');
  for (let i = 0; i < 100_000; i++) l.remember('acme', `req-${i}`, `d-${i}`, 'allow');
  assert.deepEqual(l.find('acme', 'req-0'), { decisionId: 'd-0', outcome: 'allow' }, 'the older generation');
  assert.deepEqual(l.find('acme', 'req-99999'), { decisionId: 'd-99999', outcome: 'allow' });
  l.remember('acme', 'req-new', 'd-new', 'warn');
  assert.equal(l.find('acme', 'req-0'), undefined, 'two generations back');
  assert.equal(l.find('acme', 'req-49999'), undefined);
  assert.deepEqual(l.find('acme', 'req-50000'), { decisionId: 'd-50000', outcome: 'allow' });
  assert.deepEqual(l.find('acme', 'req-new'), { decisionId: 'd-new', outcome: 'warn' });
});
