import type { Server } from 'node:http';

/**
 * Bounds how long a client may take to send one request, headers and body: Node answers
 * 408 and closes the connection past `ms`. fastify turns Node's own request timeout off
 * (0), so a body trickled a byte at a time would otherwise hold its connection forever.
 * Node checks connections on an interval, here a quarter of the timeout (at most 30 s).
 * Call before `listen`.
 */
export function limitRequestTime(server: Server, ms: number): void {
  server.requestTimeout = ms;
  server.headersTimeout = ms;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(30_000, Math.max(50, Math.floor(ms / 4)));
}
