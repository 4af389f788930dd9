import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envoyTypes } from '../../../test/helpers/envoy-authz';
import type { Decision } from '../types';
import { createCheckCodec, MalformedCheck } from './check-codec';
import { verdictOf } from './verdict';

const codec = createCheckCodec();
const envoy = envoyTypes();

/** A protobuf field key: field number and wire type. */
const key = (field: number, wire: number) => (field << 3) | wire;
/** A length-delimited field, built by hand from the protobuf encoding spec. */
const ld = (field: number, bytes: number[]) => [key(field, 2), bytes.length, ...bytes];
const str = (field: number, s: string) => ld(field, [...Buffer.from(s, 'utf8')]);

test('a CheckRequest built byte by byte from Envoy field numbers decodes: headers map (3), id (1), body (11), context_extensions (10)', () => {
  // CheckRequest.attributes = 1 -> AttributeContext.request = 4 -> Request.http = 2 -> HttpRequest
  const entry = (k: string, v: string) => ld(3, [...str(1, k), ...str(2, v)]);
  const http = [...str(1, 'envoy-req-7'), ...str(2, 'POST'), ...entry('x-ai-eg-model', 'gpt-4o'), ...entry('authorization', 'Bearer sk-t'), ...str(11, '{"max_tokens":5}')];
  const ctx = ld(10, [...str(1, 'provider'), ...str(2, 'openai')]);
  const bytes = Uint8Array.from(ld(1, [...ld(4, ld(2, http)), ...ctx]));
  const call = codec.decodeRequest(bytes);
  assert.equal(call.header('x-ai-eg-model'), 'gpt-4o');
  assert.equal(call.header('authorization'), 'Bearer sk-t');
  assert.equal(call.header('x-missing'), undefined);
  assert.equal(call.gatewayRequestId, 'envoy-req-7');
  assert.equal(call.body, '{"max_tokens":5}');
  assert.equal(call.provider, 'openai');
});

test("bytes Envoy's own definitions encode decode the same, with header_map raw values and raw_body", () => {
  const bytes = envoy.encodeRequest({
      attributes: {
        source: { principal: 'spiffe://gw' },
        request: { time: { seconds: 1700000000 }, http: { id: 'r1', method: 'POST', path: '/v1/chat/completions', size: 42, header_map: { headers: [{ key: 'X-Request-Id', raw_value: Buffer.from('req-9') }, { key: 'x-api-key', value: 'k1' }] }, raw_body: Buffer.from('{"model":"m"}') } },
        metadata_context: { filter_metadata: { a: { fields: { b: { string_value: 'c' } } } } },
        context_extensions: { provider: 'anthropic' },
      },
    });
  const call = codec.decodeRequest(bytes);
  assert.equal(call.header('x-request-id'), 'req-9');
  assert.equal(call.header('x-api-key'), 'k1');
  assert.equal(call.body, '{"model":"m"}');
  assert.equal(call.provider, 'anthropic');
});

const decision = (over: Partial<Decision>): Decision => ({ decisionId: 'd-1', decision: 'allow', tenant: 'search', budgets: [], ...over });

test("our allow decodes with Envoy's definitions as ok_response with OVERWRITE_IF_EXISTS_OR_ADD headers and status OK", () => {
  const res = envoy.decodeResponse(codec.encodeResponse(verdictOf(decision({}), 'req-1')));
  assert.equal(res.http_response, 'ok_response');
  assert.equal(res.status?.code ?? 0, 0);
  assert.deepEqual(
    res.ok_response.headers.map((h: any) => [h.header.key, h.header.value, h.append_action]),
    [['x-spanledger-decision-id', 'd-1', 'OVERWRITE_IF_EXISTS_OR_ADD'], ['x-spanledger-decision', 'allow', 'OVERWRITE_IF_EXISTS_OR_ADD'], ['x-spanledger-tenant', 'search', 'OVERWRITE_IF_EXISTS_OR_ADD'], ['x-spanledger-request-id', 'req-1', 'OVERWRITE_IF_EXISTS_OR_ADD']],
  );
});

test("our deny decodes with Envoy's definitions as denied_response: TooManyRequests, retry-after, the OpenAI-shaped body, RESOURCE_EXHAUSTED", () => {
  const v = verdictOf(decision({ decision: 'deny', reason: 'budget_exceeded', message: 'Budget exceeded', retryAfterS: 60 }), 'req-1');
  const res = envoy.decodeResponse(codec.encodeResponse(v));
  assert.equal(res.http_response, 'denied_response');
  assert.equal(res.status.code, 8);
  assert.equal(res.denied_response.status.code, 'TooManyRequests');
  const headers = Object.fromEntries(res.denied_response.headers.map((h: any) => [h.header.key, h.header.value]));
  assert.equal(headers['retry-after'], '60');
  assert.equal(headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(res.denied_response.body).error, { message: 'Budget exceeded', type: 'budget_exceeded', param: null, code: '429' });
});

test('bytes that are no CheckRequest, and a CheckRequest without an HTTP request, are refused naming why', () => {
  assert.throws(() => codec.decodeRequest(Uint8Array.from([0x0a, 0x05, 0x01])), (e: unknown) => e instanceof MalformedCheck && /not a valid envoy\.service\.auth\.v3\.CheckRequest/.test(e.message));
  assert.throws(() => codec.decodeRequest(Uint8Array.from(ld(1, []))), (e: unknown) => e instanceof MalformedCheck && /attributes\.request\.http is missing/.test(e.message));
});
