// A fastify app with one no-op JSON route, the baseline of the policy benchmark.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/noop', async () => ({ decision: 'allow' }));
void app.listen({ host: '127.0.0.1', port: 0 }).then(() => {
  const addr = app.server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ msg: 'noop listening', port: addr.port })}\n`);
});
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
