/** Counters the receiver reports; the service backs them with its metrics registry. */
export interface ReceiverTelemetry {
  /** Spans decoded and passed on. */
  accepted(transport: Transport, spans: number): void;
  /** Spans refused: unusable ids (partial success) or a whole request refused. */
  rejected(transport: Transport, spans: number, reason: string): void;
  /** Spans whose attributes were truncated or dropped by the caps. */
  truncated?(transport: Transport, spans: number): void;
  /** One export request finished with this outcome. */
  request(transport: Transport, outcome: 'ok' | 'partial' | 'permanent_error' | 'retryable_error'): void;
}

export type Transport = 'grpc' | 'http';

/** Telemetry that counts nothing, for tests and tools that do not need it. */
export const noTelemetry: ReceiverTelemetry = {
  accepted() {},
  rejected() {},
  request() {},
};
