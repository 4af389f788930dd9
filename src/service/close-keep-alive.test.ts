import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { closeKeepAliveOnShutdown } from './close-keep-alive';

// Without the guard this case left fetch's second kept-alive connection open after close()
// in most runs here (the SIGTERM test in test/crash.test.ts hung the same way every time).
test('close() under a steady kept-alive client answers what is in flight and then closes', async () => {
  const app = Fastify({ return503OnClosing: true });
  app.post('/v1/traces', async () => {
    await new Promise((r) => setTimeout(r, 5));
    return { ok: true };
  });
  // A grace far longer than the test: only closing idle connections can let close() finish.
  closeKeepAliveOnShutdown(app, 600_000, 10);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const statuses = new Map<number, number>();
  let sending = true;
  const client = (async () => {
    while (sending) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      } catch {
        return;
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const closing = app.close();
  sending = false;
  await client;
  const outcome = await Promise.race([
    closing.then(() => 'closed'),
    new Promise<string>((r) => setTimeout(() => r('still open after 5 s'), 5_000).unref()),
  ]);
  app.server.closeAllConnections();
  await closing;
  assert.equal(outcome, 'closed');
  assert.ok((statuses.get(200) ?? 0) > 0);
  for (const s of statuses.keys()) assert.ok(s === 200 || s === 503, `status ${s}`);
});
