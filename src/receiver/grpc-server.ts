import * as grpc from '@grpc/grpc-js';
import { PermanentError } from '../pipeline';
import type { ExportCore } from './export-core';
import type { ExportOutcome, ResponseEncoder } from './export-response';
import { toWireStatus } from './status-mapping';
import type { ReceiverTelemetry } from './telemetry';

/** Inputs of the OTLP/gRPC server. */
export interface OtlpGrpcOptions {
  core: ExportCore;
  encoder: ResponseEncoder;
  telemetry: ReceiverTelemetry;
  /** Largest accepted message after decompression. */
  maxBodyBytes: number;
  /** Connections are sent GOAWAY after this long, then closed `requestTimeoutMs` later. */
  maxConnectionAgeMs?: number;
  requestTimeoutMs?: number;
}

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const RETRY_INFO_DETAILS = 'grpc-status-details-bin';

/**
 * Builds (does not bind) a gRPC server exposing TraceService/Export. Requests are
 * passed through as raw bytes so the export core decodes them in a single pass.
 */
export function buildOtlpGrpcServer(opts: OtlpGrpcOptions): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxBodyBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    // A message trickled slowly holds its connection at most age + grace.
    ...(opts.maxConnectionAgeMs === undefined ? {} : { 'grpc.max_connection_age_ms': opts.maxConnectionAgeMs }),
    ...(opts.requestTimeoutMs === undefined ? {} : { 'grpc.max_connection_age_grace_ms': opts.requestTimeoutMs }),
  });
  const service: grpc.ServiceDefinition = {
    Export: {
      path: EXPORT_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (o: ExportOutcome) => Buffer.from(opts.encoder.exportProto(o)),
      responseDeserialize: (b: Buffer) => b,
    },
  };
  const handler: grpc.handleUnaryCall<Buffer, ExportOutcome> = (call, callback) => {
    const auth = call.metadata.get('authorization')[0];
    new Promise<ExportOutcome>((resolve) => {
      const context = opts.core.authenticate(typeof auth === 'string' ? auth : auth?.toString('utf8'));
      resolve(opts.core.export(call.request, 'proto', 'grpc', context));
    }).then(
      (outcome) => {
        opts.telemetry.request('grpc', outcome.rejectedSpans > 0 ? 'partial' : 'ok');
        callback(null, outcome);
      },
      (err: unknown) => {
        opts.telemetry.request('grpc', err instanceof PermanentError ? 'permanent_error' : 'retryable_error');
        const ws = toWireStatus(err);
        const metadata = new grpc.Metadata();
        if (ws.retryAfterMs !== undefined) {
          // google.rpc.Status with RetryInfo, as the OTLP spec asks for UNAVAILABLE.
          metadata.set(RETRY_INFO_DETAILS, Buffer.from(opts.encoder.statusProto(ws.grpcCode, ws.message, ws.retryAfterMs)));
        }
        callback({ code: ws.grpcCode, details: ws.message, metadata }, null);
      },
    );
  };
  server.addService(service, { Export: handler });
  return server;
}

/** Binds the server (TLS when a key and certificate chain are given); resolves with the bound port (useful with port 0). */
export function bindGrpc(server: grpc.Server, host: string, port: number, tls?: { key: Buffer; cert: Buffer }): Promise<number> {
  const credentials = tls ? grpc.ServerCredentials.createSsl(null, [{ private_key: tls.key, cert_chain: tls.cert }], false) : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
}

/** Stops accepting calls and waits for in-flight ones, forcing after `graceMs`. */
export function shutdownGrpc(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
