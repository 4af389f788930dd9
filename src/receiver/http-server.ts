import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { limitRequestTime } from './request-timeout';
import { PermanentError, decompressBody } from '../pipeline';
import type { ExportCore } from './export-core';
import type { ResponseEncoder } from './export-response';
import { toWireStatus } from './status-mapping';
import type { ReceiverTelemetry } from './telemetry';

/** Inputs of the OTLP/HTTP app. */
export interface OtlpHttpOptions {
  core: ExportCore;
  encoder: ResponseEncoder;
  telemetry: ReceiverTelemetry;
  /** Largest accepted body after decompression. */
  maxBodyBytes: number;
  /** Serve HTTPS with this PEM key and certificate chain. */
  tls?: { key: Buffer; cert: Buffer };
  /** Longest a client may take to send a whole request; then 408 and the connection closes. */
  requestTimeoutMs?: number;
}

const PROTO_TYPES = new Set(['application/x-protobuf', 'application/protobuf']);
const JSON_TYPE = 'application/json';
// A gzip of incompressible data is a little larger than the data; the real limit is
// enforced after decompression.
const COMPRESSED_SLACK_BYTES = 64 * 1024;

/**
 * Builds (does not start) the OTLP/HTTP app: `POST /v1/traces` in protobuf or JSON,
 * optionally gzip/deflate encoded; answers in the request's content type.
 */
export function buildOtlpHttpApp(opts: OtlpHttpOptions): FastifyInstance {
  const bodyLimit = opts.maxBodyBytes + COMPRESSED_SLACK_BYTES;
  const app = Fastify({ bodyLimit, logger: false, return503OnClosing: true, ...(opts.tls ? { https: opts.tls } : {}) }) as unknown as FastifyInstance;
  if (opts.requestTimeoutMs !== undefined) limitRequestTime(app.server, opts.requestTimeoutMs);
  app.removeAllContentTypeParsers();
  // Every body arrives raw: the codec is chosen in the route, after decompression.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));

  app.post('/v1/traces', async (req, reply) => {
    const codec = codecOf(req.headers['content-type']);
    if (codec === undefined) {
      opts.telemetry.request('http', 'permanent_error');
      return sendError(reply, 'json', opts.encoder, new PermanentError(
        'unsupported_media_type',
        `unsupported Content-Type '${req.headers['content-type'] ?? ''}': use application/x-protobuf or application/json`,
      ));
    }
    try {
      const context = opts.core.authenticate(header(req.headers.authorization));
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const body = await decompressBody(raw, header(req.headers['content-encoding']), opts.maxBodyBytes);
      const outcome = await opts.core.export(body, codec, 'http', context);
      opts.telemetry.request('http', outcome.rejectedSpans > 0 ? 'partial' : 'ok');
      if (codec === 'proto') return reply.code(200).type('application/x-protobuf').send(Buffer.from(opts.encoder.exportProto(outcome)));
      return reply.code(200).type(JSON_TYPE).send(opts.encoder.exportJson(outcome));
    } catch (err) {
      opts.telemetry.request('http', err instanceof PermanentError ? 'permanent_error' : 'retryable_error');
      return sendError(reply, codec, opts.encoder, err);
    }
  });

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
    const codec = codecOf(req.headers['content-type']) ?? 'json';
    opts.telemetry.request('http', 'permanent_error');
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, codec, opts.encoder, new PermanentError('payload_too_large', `request body exceeds ${opts.maxBodyBytes} bytes`));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return sendError(reply, codec, opts.encoder, new PermanentError('invalid_argument', err.message));
    }
    return sendError(reply, codec, opts.encoder, err);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, 'json', opts.encoder, new PermanentError('not_found', `no route ${req.method} ${req.url}: OTLP traces go to POST /v1/traces`)),
  );
  return app;
}

function codecOf(contentType: string | undefined): 'proto' | 'json' | undefined {
  if (contentType === undefined) return undefined;
  const base = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (PROTO_TYPES.has(base)) return 'proto';
  if (base === JSON_TYPE) return 'json';
  return undefined;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function sendError(reply: FastifyReply, codec: 'proto' | 'json', encoder: ResponseEncoder, err: unknown): FastifyReply {
  const ws = toWireStatus(err);
  reply.code(ws.httpStatus);
  if (ws.retryAfterMs !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(ws.retryAfterMs / 1000))));
  if (codec === 'proto') {
    return reply.type('application/x-protobuf').send(Buffer.from(encoder.statusProto(ws.grpcCode, ws.message, ws.retryAfterMs)));
  }
  return reply.type(JSON_TYPE).send(encoder.statusJson(ws.grpcCode, ws.message, ws.retryAfterMs));
}
