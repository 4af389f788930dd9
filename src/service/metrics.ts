import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LedgerTelemetry } from '../ledger';
import type { ReceiverTelemetry } from '../receiver';

/** The service's self-telemetry: one registry per service instance (no globals). */
export interface ServiceMetrics {
  registry: Registry;
  receiver: ReceiverTelemetry;
  ledger: LedgerTelemetry;
  /** LLM calls found by normalization. */
  llmCalls(n: number): void;
}

/** Creates the counters and histograms, named `spanledger_*`. */
export function createMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'spanledger_process_' });
  const received = new Counter({
    name: 'spanledger_spans_received_total',
    help: 'Spans decoded and accepted, by transport.',
    labelNames: ['transport'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'spanledger_spans_rejected_total',
    help: 'Spans refused (partial success), by transport and reason.',
    labelNames: ['transport', 'reason'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'spanledger_export_requests_total',
    help: 'OTLP export requests, by transport and outcome.',
    labelNames: ['transport', 'outcome'],
    registers: [registry],
  });
  const written = new Counter({
    name: 'spanledger_rows_written_total',
    help: 'Rows stored, by table.',
    labelNames: ['table'],
    registers: [registry],
  });
  const batches = new Counter({
    name: 'spanledger_batches_total',
    help: 'Insert batches, by table and outcome.',
    labelNames: ['table', 'outcome'],
    registers: [registry],
  });
  const writeLatency = new Histogram({
    name: 'spanledger_write_latency_seconds',
    help: 'Time to store one batch, by table.',
    labelNames: ['table'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const calls = new Counter({
    name: 'spanledger_llm_calls_total',
    help: 'LLM calls recognized by normalization.',
    registers: [registry],
  });
  return {
    registry,
    receiver: {
      accepted: (transport, n) => received.inc({ transport }, n),
      rejected: (transport, n, reason) => rejected.inc({ transport, reason }, n),
      request: (transport, outcome) => requests.inc({ transport, outcome }),
    },
    ledger: {
      batch(table, rows, ms, ok) {
        batches.inc({ table, outcome: ok ? 'ok' : 'error' });
        writeLatency.observe({ table }, ms / 1000);
        if (ok) written.inc({ table }, rows);
      },
    },
    llmCalls: (n) => calls.inc(n),
  };
}
