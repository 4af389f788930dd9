import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OwnedBatch, OwnedCall, Ownership } from '../pipeline';
import { createCatalog } from './catalog';
import { createPriceBook } from './price-book';
import { createPricer } from './pricer';
import { createPricingStage, knowsModel } from './pricing-stage';

const book = createPriceBook(createCatalog(), []);
const context = { sender: undefined, unknownCredential: false };
const nowhere = { tenant: '', unallocatedReason: 'unauthenticated' } as Ownership;

function owned(model: string, inputTokens: number, outputTokens: number): OwnedCall {
  const ms = Date.parse('2026-11-20T12:00:00Z');
  return {
    span: {
      traceId: '', spanId: '', parentSpanId: '', traceState: '', name: '', kind: 3, startTimeUnixNano: `${ms}000000`, endTimeUnixNano: '0',
      statusCode: 0, statusMessage: '', attributes: {}, resource: {}, scopeName: '', scopeVersion: '', events: [], links: [],
    },
    convention: 'otel_genai', operation: 'chat', provider: 'openai', requestModel: model, responseModel: '', inputTokens, outputTokens,
    cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null, requestId: '', responseId: '', sessionId: '', userId: '', errorType: '',
    httpStatusCode: null, serviceName: '', serviceNamespace: '', serviceVersion: '', deploymentEnvironment: '', latencyMs: 0, retryAttempt: 0, serviceTier: '',
    owner: nowhere,
  };
}

test('every call of the batch leaves priced to the exact nano-USD, the same objects with the rest of the batch unchanged', () => {
  const calls = [owned('gpt-4o', 1200, 300), owned('gpt-imaginary-9', 10, 10)];
  const batch: OwnedBatch = { spans: calls.map((c) => c.span), calls, unmapped: undefined, refused: [] };
  const out = createPricingStage(createPricer(book, 'computed_or_reported')).process(batch, context);
  assert.equal(out.spans, batch.spans);
  assert.equal(out.calls[0], calls[0]);
  // 1200 x $2.50 + 300 x $10 per million tokens.
  assert.equal(out.calls[0]!.cost.billedNanoUsd, 6_000_000n);
  assert.equal(out.calls[0]!.cost.status, 'priced');
  assert.equal(out.calls[1]!.cost.status, 'unpriced_unknown_model');
  assert.equal(out.calls[1]!.cost.billedNanoUsd, null);
});

test('knowsModel asks the book in force for a model under any provider', () => {
  const knows = knowsModel({ current: () => book });
  const at = Date.parse('2026-11-20T12:00:00Z');
  assert.equal(knows('gpt-4o', at), true);
  assert.equal(knows('resnet-50-internal', at), false);
});
