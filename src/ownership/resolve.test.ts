import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes, ExportContext, LlmCall, Ownership } from '../pipeline';
import { PermanentError } from '../pipeline';
import { createAuthenticator } from './authenticate';
import { parseRegistry } from './load-registry';
import type { RegistrySource } from './registry-source';
import { createResolver } from './resolve';
import { hashToken } from './token-hash';

const yaml = `
tenants:
  - { id: search, team: search, app: search-api, feature: summarize, environment: prod, features: [summarize, rerank], tokens: ["${hashToken('tenant-token-search')}"] }
  - { id: ads, team: ads, app: ads-api, feature: bidding }
  - { id: billing, team: billing, app: billing-worker, feature: invoices }
  - { id: billing-eu, team: billing, app: billing-worker-eu }
senders:
  - { id: search-api, token: "${hashToken('tok-search')}", tenant: search }
  - { id: gateway, token: "${hashToken('tok-gateway')}", gateway: true }
  - { id: collector, token: "${hashToken('tok-collector')}" }
services:
  - { match: { service.name: billing-worker }, tenant: billing }
  - { match: { k8s.namespace.name: billing-eu }, tenant: billing-eu }
ownership:
  search: { costCenter: CC-1, businessUnit: Consumer }
`;
const registry = parseRegistry(yaml, 'test');
const store: RegistrySource = { current: () => registry };
const resolve = createResolver(store);
const authenticate = createAuthenticator(store, false);

function call(attributes: Attributes, resource: Attributes = { 'service.name': 'svc' }): LlmCall {
  return {
    span: { traceId: '', spanId: '', parentSpanId: '', traceState: '', name: '', kind: 3, startTimeUnixNano: '0', endTimeUnixNano: '0', statusCode: 0, statusMessage: '', attributes, resource, scopeName: '', scopeVersion: '', events: [], links: [] },
    convention: 'otel_genai', operation: 'chat', provider: 'openai', requestModel: 'gpt-4o', responseModel: '', inputTokens: 1, outputTokens: 1,
    cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null, requestId: '', responseId: '', sessionId: '', userId: '', errorType: '',
    httpStatusCode: null, serviceName: resource['service.name'] ?? '', serviceNamespace: '', serviceVersion: '', deploymentEnvironment: 'staging', latencyMs: 1, serviceTier: '', retryAttempt: 0,
  };
}

function ownerOf(c: LlmCall, ctx: ExportContext): Ownership {
  resolve([c], ctx);
  return c.owner!;
}

const as = (token: string) => authenticate(`Bearer ${token}`);

test('a sender bound to a tenant owns its calls, with finance roll-up and the tenant environment', () => {
  const o = ownerOf(call({}), as('tok-search'));
  assert.deepEqual(
    { tenant: o.tenant, team: o.team, app: o.app, feature: o.feature, environment: o.environment, costCenter: o.costCenter, businessUnit: o.businessUnit, source: o.source, senderId: o.senderId, conflict: o.conflict },
    { tenant: 'search', team: 'search', app: 'search-api', feature: 'summarize', environment: 'prod', costCenter: 'CC-1', businessUnit: 'Consumer', source: 'sender', senderId: 'search-api', conflict: false },
  );
});

test('claims never move a call: a bound sender claiming another team and tenant is flagged', () => {
  const o = ownerOf(call({ team: 'ads', 'spanledger.tenant.id': 'ads' }), as('tok-search'));
  assert.equal(o.tenant, 'search');
  assert.equal(o.team, 'search');
  assert.equal(o.claimedTeam, 'ads');
  assert.equal(o.claimedTenant, 'ads');
  assert.equal(o.conflict, true);
});

test('a declared feature is used only when the tenant allows it', () => {
  assert.equal(ownerOf(call({ feature: 'rerank' }), as('tok-search')).feature, 'rerank');
  const o = ownerOf(call({ feature: 'free-money' }), as('tok-search'));
  assert.equal(o.feature, 'summarize');
  assert.equal(o.claimedFeature, 'free-money');
  assert.equal(ownerOf(call({ feature: 'anything' }, { 'service.name': 'billing-worker' }), as('tok-collector')).feature, 'anything');
});

test('a gateway names the tenant by id or by token hash; unknown ones are unallocated with a reason', () => {
  assert.equal(ownerOf(call({ 'spanledger.tenant.id': 'ads' }), as('tok-gateway')).source, 'gateway');
  assert.equal(ownerOf(call({ 'spanledger.tenant.id': 'ads' }), as('tok-gateway')).team, 'ads');
  const byHash = ownerOf(call({ 'spanledger.tenant.token_sha256': hashToken('tenant-token-search').slice(7) }), as('tok-gateway'));
  assert.equal(byHash.tenant, 'search');
  assert.equal(ownerOf(call({ 'spanledger.tenant.id': 'nope' }), as('tok-gateway')).unallocatedReason, 'unknown_tenant');
  assert.equal(ownerOf(call({ 'spanledger.tenant.token_sha256': hashToken('other') }), as('tok-gateway')).unallocatedReason, 'unknown_tenant_token');
  assert.equal(ownerOf(call({}), as('tok-gateway')).unallocatedReason, 'missing_tenant');
});

test('a shared collector is resolved by services rules; unmapped or ambiguous services are unallocated', () => {
  assert.equal(ownerOf(call({}, { 'service.name': 'billing-worker' }), as('tok-collector')).tenant, 'billing');
  assert.equal(ownerOf(call({}, { 'service.name': 'billing-worker' }), as('tok-collector')).source, 'service');
  assert.equal(ownerOf(call({}, { 'service.name': 'eu-job', 'k8s.namespace.name': 'billing-eu' }), as('tok-collector')).tenant, 'billing-eu');
  const unknown = ownerOf(call({ 'spanledger.tenant.id': 'ads' }, { 'service.name': 'mystery' }), as('tok-collector'));
  assert.deepEqual([unknown.source, unknown.unallocatedReason, unknown.team, unknown.claimedTenant], ['unallocated', 'unknown_service', '', 'ads']);
  const both = ownerOf(call({}, { 'service.name': 'billing-worker', 'k8s.namespace.name': 'billing-eu' }), as('tok-collector'));
  assert.equal(both.unallocatedReason, 'conflict');
});

test('unauthenticated mode: anonymous calls stay unallocated, even when a services rule matches', () => {
  const open = createAuthenticator(store, true);
  assert.equal(ownerOf(call({}), open(undefined)).unallocatedReason, 'unauthenticated');
  assert.equal(ownerOf(call({}), open('Bearer wrong')).unallocatedReason, 'unknown_sender');
  const matched = ownerOf(call({ 'spanledger.tenant.id': 'ads' }, { 'service.name': 'billing-worker' }), open(undefined));
  assert.deepEqual([matched.source, matched.tenant, matched.unallocatedReason, matched.claimedTenant], ['unallocated', '', 'unauthenticated', 'ads']);
  const wrongToken = ownerOf(call({}, { 'service.name': 'billing-worker' }), open('Bearer wrong'));
  assert.deepEqual([wrongToken.tenant, wrongToken.unallocatedReason], ['', 'unknown_sender']);
});

test('missing or unknown credentials are refused as unauthenticated, naming which', () => {
  assert.throws(() => authenticate(undefined), (e: unknown) => e instanceof PermanentError && e.reason === 'unauthenticated' && /missing credentials/.test(e.message));
  assert.throws(() => authenticate('Bearer nope'), /unknown sender token/);
  assert.throws(() => authenticate('Basic abc'), /missing credentials/);
});
