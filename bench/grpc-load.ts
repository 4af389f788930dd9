// Load for an ext_authz gRPC Check server: paced (open loop, latency from each call's
// scheduled time, as bench/paced-load.ts does for HTTP) and unbounded (a fixed number of
// calls in flight). Calls go out as raw CheckRequest bytes over several channels.
import * as grpc from '@grpc/grpc-js';
import type { PacedResult, Percentiles } from './paced-load';

const CHECK = '/envoy.service.auth.v3.Authorization/Check';

/** Channels to one server, each its own HTTP/2 connection. */
export function checkChannels(address: string, count: number): { call(bytes: Buffer, md: grpc.Metadata): Promise<boolean>; close(): void } {
  const clients = Array.from({ length: count }, () => new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  let next = 0;
  return {
    call: (bytes, md) =>
      new Promise((resolve) => {
        const c = clients[next++ % clients.length]!;
        c.makeUnaryRequest(CHECK, (b: Buffer) => b, (b: Buffer) => b, bytes, md, (err) => resolve(err === null));
      }),
    close: () => clients.forEach((c) => c.close()),
  };
}

const percentiles = (xs: Float64Array, n: number): Percentiles => {
  const sorted = Array.from(xs.subarray(0, n)).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
};

/** `rate × seconds` Checks evenly paced; `non2xx` counts failed calls. */
export async function pacedGrpc(o: { address: string; rate: number; seconds: number; channels: number; metadata: grpc.Metadata; request: (i: number) => Buffer }): Promise<PacedResult> {
  const ch = checkChannels(o.address, o.channels);
  const total = Math.round(o.rate * o.seconds);
  const intervalNs = 1e9 / o.rate;
  const latencies = new Float64Array(total);
  const serviceTimes = new Float64Array(total);
  let completed = 0;
  let failed = 0;
  let sent = 0;
  const start = process.hrtime.bigint();
  await new Promise<void>((done) => {
    const send = (i: number) => {
      const scheduled = start + BigInt(Math.round(i * intervalNs));
      const bytes = o.request(i);
      const sentAt = process.hrtime.bigint();
      void ch.call(bytes, o.metadata).then((ok) => {
        const now = process.hrtime.bigint();
        if (!ok) failed++;
        latencies[completed] = Number(now - scheduled) / 1e6;
        serviceTimes[completed++] = Number(now - sentAt) / 1e6;
        if (completed === total) done();
      });
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(Number(process.hrtime.bigint() - start) / intervalNs) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 0);
    };
    tick();
  });
  const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
  ch.close();
  return { sent, completed, errors: 0, non2xx: failed, achievedRate: completed / elapsedS, fromSchedule: percentiles(latencies, completed), fromSend: percentiles(serviceTimes, completed) };
}

/** Checks with `inFlight` always outstanding for `seconds`; resolves with calls per second and failures. */
export async function unboundedGrpc(o: { address: string; seconds: number; channels: number; inFlight: number; metadata: grpc.Metadata; request: (i: number) => Buffer }): Promise<{ rate: number; total: number; failed: number }> {
  const ch = checkChannels(o.address, o.channels);
  const endAt = Date.now() + o.seconds * 1000;
  let i = 0;
  let failed = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (Date.now() < endAt) if (!(await ch.call(o.request(i++), o.metadata))) failed++;
  };
  await Promise.all(Array.from({ length: o.inFlight }, worker));
  const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
  ch.close();
  return { rate: i / elapsedS, total: i, failed };
}
