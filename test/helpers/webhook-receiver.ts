import { createServer, type Server } from 'node:http';

/** One request a webhook endpoint received. */
export interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A local HTTP endpoint that records what it receives, for webhook tests. */
export async function startWebhookReceiver(): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hooks/budget`, deliveries, close: () => new Promise((r) => server.close(() => r())) };
}
