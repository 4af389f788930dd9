import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes, SpanRecord } from '../pipeline';
import { createNormalizeStage } from './normalize-stage';
import { defaultMappers } from './index';
import { createNormalizer } from './registry';

let n = 0;
function span(attributes: Attributes): SpanRecord {
  const spanId = (++n).toString(16).padStart(16, '0');
  return {
    traceId: '0a'.repeat(16), spanId, parentSpanId: '', traceState: '', name: 'span', kind: 3,
    startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000500000000', statusCode: 0, statusMessage: '',
    attributes, resource: { 'service.name': 'svc' }, scopeName: '', scopeVersion: '', events: [], links: [],
  };
}

const context = { sender: undefined, unknownCredential: false };

test('a refused span leaves the batch and is listed with its reason; an unclaimed span naming a known model is flagged unmapped', () => {
  const told: string[] = [];
  const asked: [string, number][] = [];
  const stage = createNormalizeStage(
    createNormalizer(defaultMappers()),
    (model, atMs) => {
      asked.push([model, atMs]);
      return model === 'gpt-4o';
    },
    { normalized: (r) => void told.push(`rebuilt ${r.inputRebuilt}/${r.outputRebuilt}`), llmCalls: (k) => void told.push(`calls ${k}`), unmapped: (k) => void told.push(`unmapped ${k}`) },
  );
  const call = span({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': '10', 'gen_ai.usage.output_tokens': '2' });
  const tooBig = span({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': '9007199254740993', 'gen_ai.usage.output_tokens': '1' });
  const unknownDialect = span({ 'acme.llm.model': 'gpt-4o', 'acme.tokens.in': '12' });
  const other = span({ 'db.system': 'postgresql', 'ml.model': 'resnet-50-internal' });
  const out = stage.process([call, tooBig, unknownDialect, other], context);
  assert.deepEqual(out.spans, [call, unknownDialect, other]);
  assert.deepEqual(out.calls.map((c) => c.span), [call]);
  assert.deepEqual(out.refused.map((r) => r.span), [tooBig]);
  assert.match(out.refused[0]!.reason, new RegExp(`^span ${tooBig.spanId} \\(trace ${tooBig.traceId}\\): gen_ai.usage.input_tokens = 9007199254740993 is 2\\^53 or more`));
  assert.deepEqual([...(out.unmapped ?? [])], [unknownDialect]);
  assert.deepEqual(asked, [['gpt-4o', 1_700_000_000_000], ['resnet-50-internal', 1_700_000_000_000]]);
  assert.deepEqual(told, ['rebuilt 0/0', 'unmapped 1', 'calls 1']);
});

test('spans without calls or model-looking attributes: nothing flagged, no calls counted', () => {
  const told: string[] = [];
  const stage = createNormalizeStage(createNormalizer(defaultMappers()), () => true, { normalized: () => undefined, llmCalls: (k) => void told.push(`calls ${k}`), unmapped: (k) => void told.push(`unmapped ${k}`) });
  const plain = span({ 'http.route': '/x' });
  const out = stage.process([plain], context);
  assert.deepEqual(out.spans, [plain]);
  assert.deepEqual(out.calls, []);
  assert.equal(out.unmapped, undefined);
  assert.deepEqual(out.refused, []);
  assert.deepEqual(told, []);
});
