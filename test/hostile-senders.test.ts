import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { hashToken } from '../src/ownership';
import { BIN } from './helpers/cli-process';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { registryFile, startTestService, type TestService } from './helpers/test-service';

// Tokens with non-ASCII characters: one inside latin1 (what a Node client writes as is),
// one outside it (what curl or a Go client writes as UTF-8 bytes).
const SENDER_TOKEN = 'tök-sender-€-ünïcode';
const GATEWAY_TOKEN = 'gätewäy-tøken-✓';
const TENANT_TOKEN = 'sk-tenant-naïve-😀';

/** What `spanledger hash-token` prints for a token given on standard input. */
function cliHash(token: string): string {
  const run = spawnSync(process.execPath, [BIN, 'hash-token'], { input: Buffer.from(token, 'utf8') });
  assert.equal(run.status, 0, String(run.stderr));
  return String(run.stdout).trim();
}

/** A header value whose bytes on the wire are the UTF-8 encoding of `text` (fetch writes header strings as latin1). */
const utf8Header = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

const llmSpan = (traceId: string) => ({
  traceId,
  spanId: newSpanId(),
  name: 'chat gpt-4o-mini',
  attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 },
});

describe('tokens are hashed from their UTF-8 bytes everywhere', () => {
  let svc: TestService;
  let otlp: string;
  let api: string;
  before(async () => {
    const registry = registryFile(`
tenants:
  - { id: intl, team: intl, app: intl-api, tokens: ["${cliHash(TENANT_TOKEN)}"] }
senders:
  - { id: intl-api, token: "${cliHash(SENDER_TOKEN)}", tenant: intl }
  - { id: gateway, token: "${cliHash(GATEWAY_TOKEN)}", gateway: true }
`);
    svc = await startTestService({ ownership: { registry, allowUnauthenticated: false } });
    otlp = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
    api = `http://127.0.0.1:${svc.service.ports.api}`;
  });
  after(() => svc.stop());

  test('the CLI hash is the SHA-256 of the UTF-8 bytes', () => {
    assert.equal(cliHash(TENANT_TOKEN), hashToken(TENANT_TOKEN));
    assert.equal(cliHash(TENANT_TOKEN), `sha256:${createHash('sha256').update(Buffer.from(TENANT_TOKEN, 'utf8')).digest('hex')}`);
  });

  test('a sender token sent as UTF-8 bytes authenticates its export', async () => {
    const traceId = newTraceId();
    const res = await fetch(otlp, { method: 'POST', body: encodeRequest([llmSpan(traceId)]), headers: { 'content-type': 'application/x-protobuf', authorization: utf8Header(`Bearer ${SENDER_TOKEN}`) } });
    assert.equal(res.status, 200, await res.text());
    assert.deepEqual(await svc.rows('SELECT tenant, sender_id FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId }), [{ tenant: 'intl', sender_id: 'intl-api' }]);
  });

  test('a latin1-only token written by a Node client as latin1 bytes still matches its hash', async () => {
    const latin1Token = 'tök-latïn1-only';
    const registry = registryFile(`senders:\n  - { id: latin, token: "${cliHash(latin1Token)}" }\n`);
    const other = await startTestService({ ownership: { registry, allowUnauthenticated: false } });
    try {
      const res = await fetch(`http://127.0.0.1:${other.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body: encodeRequest([llmSpan(newTraceId())]), headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${latin1Token}` } });
      assert.equal(res.status, 200, await res.text());
    } finally {
      await other.stop();
    }
  });

  test('a gateway token in UTF-8 and a non-ASCII tenant_token are recognised by the policy endpoint', async () => {
    const res = await fetch(`${api}/v1/policy/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: utf8Header(`Bearer ${GATEWAY_TOKEN}`) },
      body: JSON.stringify({ tenant_token: TENANT_TOKEN, provider: 'openai', model: 'gpt-4o-mini' }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const body = JSON.parse(text) as { decision: string; tenant: string };
    assert.deepEqual([body.decision, body.tenant], ['allow', 'intl']);
  });
});

describe('unauthenticated mode and hostile bodies', () => {
  let svc: TestService;
  let otlp: string;
  before(async () => {
    const registry = registryFile(`
tenants:
  - { id: billing, team: billing, app: billing-worker }
services:
  - { match: { service.name: billing-worker }, tenant: billing }
`);
    svc = await startTestService({ ownership: { registry, allowUnauthenticated: true } });
    otlp = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
  });
  after(() => svc.stop());

  test('an anonymous sender whose resource matches a services rule stays unallocated (unauthenticated)', async () => {
    const traceId = newTraceId();
    const res = await fetch(otlp, { method: 'POST', body: encodeRequest([llmSpan(traceId)], 'billing-worker'), headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await svc.rows('SELECT tenant, ownership_source, unallocated_reason FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId }), [
      { tenant: '', ownership_source: 'unallocated', unallocated_reason: 'unauthenticated' },
    ]);
  });

  test('OTLP JSON nested 100,000 levels deep is a plain 400, and the next export works', async () => {
    const depth = 100_000;
    const value = `${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"x"}${']}}'.repeat(depth)}`;
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${newTraceId()}","spanId":"${newSpanId()}","attributes":[{"key":"deep","value":${value}}]}]}]}]}`;
    const res = await fetch(otlp, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400);
    const status = (await res.json()) as { code: number; message: string };
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(status.message, 'invalid OTLP JSON at resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value: nested deeper than 64 levels');
    const traceId = newTraceId();
    assert.equal((await fetch(otlp, { method: 'POST', body: encodeRequest([llmSpan(traceId)]), headers: { 'content-type': 'application/x-protobuf' } })).status, 200);
    assert.equal((await svc.rows('SELECT 1 FROM llm_calls FINAL WHERE trace_id = {t:String}', { t: traceId })).length, 1);
  });
});
