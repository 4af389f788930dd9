import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startChatService } from './helpers/chat-service';
import type { TestService } from './helpers/test-service';

// A trace whose calls do not all carry the session (a gateway's span of the call beside the
// SDK's, or a call made outside the conversation) still belongs to that session in
// `trace_costs`: the dashboards and the drill-down filter traces by it. `any(session_id)`
// could pick the empty one.
let svc: TestService;
let otlp: string;
before(async () => {
  ({ svc, otlp } = await startChatService(['web']));
});
after(async () => {
  await svc.stop();
});

test("a trace's session is the session its calls name, whichever of its calls name none", async () => {
  const traceId = newTraceId();
  const call = (session: string | undefined, input: number) => ({
    traceId, spanId: newSpanId(), name: 'chat gpt-4o-mini',
    attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': 1, ...(session === undefined ? {} : { 'session.id': session }),
    },
  });
  // Several calls without the session, one with it: whichever any() read first, one answer.
  const spans = [call(undefined, 10), call(undefined, 20), call('sess-7', 30), call(undefined, 40), call(undefined, 50)];
  const res = await fetch(otlp, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', authorization: 'Bearer tok-web' }, body: encodeRequest(spans, 'web') });
  assert.equal(res.status, 200);
  await svc.service.resolveMarks();
  const from = new Date(Date.now() - 3_600_000).toISOString().replace('T', ' ').replace('Z', '');
  const to = new Date(Date.now() + 3_600_000).toISOString().replace('T', ' ').replace('Z', '');
  const rows = await svc.rows<{ trace_session_id: string; llm_calls: string }>(
    'SELECT trace_session_id, toString(llm_calls) AS llm_calls FROM trace_costs(from = {from:String}, to = {to:String}) WHERE trace_id = {t:String}',
    { from, to, t: traceId },
  );
  assert.deepEqual(rows, [{ trace_session_id: 'sess-7', llm_calls: '5' }]);
});
