import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NormalizedBatch, NormalizedCall, OwnedCall } from '../pipeline';
import { createAuthenticator } from './authenticate';
import { parseRegistry } from './load-registry';
import { createOwnershipStage } from './ownership-stage';
import { createResolver } from './resolve';
import { hashToken } from './token-hash';

const registry = parseRegistry(
  `
tenants:
  - { id: search, team: search, app: search-api }
senders:
  - { id: search-api, token: "${hashToken('tok-search')}", tenant: search }
`,
  'test',
);
const store = { current: () => registry };

function call(): NormalizedCall {
  return {
    span: { traceId: '', spanId: '', parentSpanId: '', traceState: '', name: '', kind: 3, startTimeUnixNano: '0', endTimeUnixNano: '0', statusCode: 0, statusMessage: '', attributes: {}, resource: { 'service.name': 'svc' }, scopeName: '', scopeVersion: '', events: [], links: [] },
    convention: 'otel_genai', operation: 'chat', provider: 'openai', requestModel: 'gpt-4o', responseModel: '', inputTokens: 1, outputTokens: 1,
    cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null, requestId: '', responseId: '', sessionId: '', userId: '', errorType: '',
    httpStatusCode: null, serviceName: 'svc', serviceNamespace: '', serviceVersion: '', deploymentEnvironment: '', latencyMs: 1, serviceTier: '', retryAttempt: 0,
  };
}

test("every call leaves with its owner from the export's sender, the same objects; the owned calls are told once", () => {
  const told: (readonly OwnedCall[])[] = [];
  const stage = createOwnershipStage(createResolver(store), { owned: (calls) => void told.push(calls) });
  const calls = [call(), call()];
  const batch: NormalizedBatch = { spans: calls.map((c) => c.span), calls, unmapped: undefined, refused: [] };
  const out = stage.process(batch, createAuthenticator(store, false)('Bearer tok-search'));
  assert.equal(out.calls[0], calls[0]);
  assert.deepEqual(out.calls.map((c) => [c.owner.tenant, c.owner.source, c.owner.senderId]), [['search', 'sender', 'search-api'], ['search', 'sender', 'search-api']]);
  assert.equal(told.length, 1);
  assert.equal(told[0], out.calls);
});

test('an export without calls passes through untold', () => {
  const told: unknown[] = [];
  const stage = createOwnershipStage(createResolver(store), { owned: (calls) => void told.push(calls) });
  const batch: NormalizedBatch = { spans: [], calls: [], unmapped: undefined, refused: [] };
  assert.equal(stage.process(batch, { sender: undefined, unknownCredential: false }).calls.length, 0);
  assert.deepEqual(told, []);
});
