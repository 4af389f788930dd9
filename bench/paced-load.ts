// An open-loop load generator: requests are scheduled evenly (one every 1/rate seconds) and
// each latency is measured from its scheduled time, so a slow response delays nothing it
// should not and queueing behind it is counted (coordinated-omission correction).
//
// Written by hand because autocannon, the benchmark tool the rest of bench/ uses, paces a
// fixed rate per second: each connection sends its share for the second back to back, then
// waits for the next second (lib/httpClient.js resets its counter once a second). Its
// latencies "at 2,000 req/s" are therefore those of 64 requests queued at once.
import * as http from 'node:http';

/** Latency percentiles in milliseconds. */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** What one paced run measured. */
export interface PacedResult {
  sent: number;
  completed: number;
  errors: number;
  non2xx: number;
  achievedRate: number;
  /** From each request's scheduled time: includes up to one timer tick (about 1 ms) of the generator's own lateness. */
  fromSchedule: Percentiles;
  /** From the moment each request was handed to the socket layer. */
  fromSend: Percentiles;
}

/** Options of a paced run. */
export interface PacedOptions {
  url: string;
  rate: number;
  seconds: number;
  /** Keep-alive sockets; a request waits for one only if all are busy (and that wait counts). */
  connections: number;
  headers: Record<string, string>;
  body: (i: number) => string;
}

/** Sends `rate × seconds` POSTs evenly paced and reports corrected latency percentiles. */
export async function pacedLoad(o: PacedOptions): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const url = new URL(o.url);
  const total = Math.round(o.rate * o.seconds);
  const intervalNs = 1e9 / o.rate;
  const latencies = new Float64Array(total);
  const serviceTimes = new Float64Array(total);
  let completed = 0;
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  const start = process.hrtime.bigint();
  await new Promise<void>((done) => {
    const finish = () => {
      if (completed + errors === total) done();
    };
    const send = (i: number) => {
      const scheduled = start + BigInt(Math.round(i * intervalNs));
      const payload = o.body(i);
      const sentAt = process.hrtime.bigint();
      const req = http.request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...o.headers, 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          if (res.statusCode === undefined || res.statusCode >= 300) non2xx++;
          res.resume();
          res.on('end', () => {
            const now = process.hrtime.bigint();
            latencies[completed] = Number(now - scheduled) / 1e6;
            serviceTimes[completed++] = Number(now - sentAt) / 1e6;
            finish();
          });
        },
      );
      req.on('error', () => {
        errors++;
        finish();
      });
      req.end(payload);
    };
    // Each tick sends everything whose time has come (about two requests per 1 ms tick at
    // 2,000 req/s); a timer rather than a busy loop leaves the shared cores to the server.
    const tick = () => {
      const due = Math.min(total, Math.floor(Number(process.hrtime.bigint() - start) / intervalNs) + 1);
      while (sent < due) send(sent++);
      if (sent < total) setTimeout(tick, 0);
    };
    tick();
  });
  const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  const percentiles = (xs: Float64Array): Percentiles => {
    const sorted = Array.from(xs.subarray(0, completed)).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
  };
  return { sent, completed, errors, non2xx, achievedRate: completed / elapsedS, fromSchedule: percentiles(latencies), fromSend: percentiles(serviceTimes) };
}
