import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startChatService } from './helpers/chat-service';
import type { TestService } from './helpers/test-service';

// Every report and session route runs a resolver pass first. Callers that arrive while a pass
// runs share the one pass queued after it (it has not started, so it reads what they saw),
// instead of queuing one pass each.
let svc: TestService;
let otlp: string;
before(async () => {
  ({ svc, otlp } = await startChatService(['web']));
});
after(async () => {
  await svc.stop();
});

const day = new Date().toISOString().slice(0, 10);
const send = async (input: number) => {
  const span = {
    traceId: newTraceId(), spanId: newSpanId(), name: 'chat gpt-4o-mini',
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 1 },
  };
  const res = await fetch(otlp, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer tok-web' }, body: encodeRequest([span], 'web') });
  assert.equal(res.status, 200);
};
const rolledUp = async () => {
  const [r] = await svc.rows<{ calls: string }>('SELECT toString(sum(llm_calls)) AS calls FROM rollup_daily_costs FINAL WHERE day = {d:Date}', { d: day });
  return Number(r?.calls ?? 0);
};

test('callers arriving during a pass share the one queued after it, and it includes what they wrote before asking', async () => {
  await send(100);
  const running = svc.service.resolveMarks();
  await send(200);
  const second = svc.service.resolveMarks();
  const third = svc.service.resolveMarks();
  assert.notEqual(second, running, 'a caller arriving during a pass gets a pass that starts after it');
  assert.equal(third, second, 'a third caller joins the pass already queued, instead of queuing another');
  await Promise.all([running, second]);
  assert.equal(await rolledUp(), 2, 'the shared pass holds the call written before it was asked for');
  const later = svc.service.resolveMarks();
  assert.notEqual(later, second, 'once the queued pass has run, a new caller gets a new pass');
  await later;
});
