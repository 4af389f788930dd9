import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { InMemorySpanExporter, SimpleSpanProcessor, BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { startTestService, type TestService } from './helpers/test-service';

const MAX_BODY = 1024 * 1024;
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
// How long the test keeps trickling before it calls the server's silence a failure; the
// service under test times requests out after one second.
const GIVE_UP_MS = 20_000;

/**
 * Sends request headers announcing a body, then one byte every 100 ms. Resolves with the
 * first line the server answers (its status line), or 'no answer' if it never does.
 */
function trickle(port: number, path: string, contentType: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: 1000\r\n\r\n`);
    });
    let answer = '';
    const drip = setInterval(() => socket.writable && socket.write('a'), 100);
    const giveUp = setTimeout(() => socket.destroy(), GIVE_UP_MS);
    socket.on('data', (d) => (answer ||= String(d).split('\r\n')[0]!));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(drip);
      clearTimeout(giveUp);
      resolve(answer || 'no answer');
    });
  });
}

/** Spans made by the real SDK with a large attribute, for the real OTLP/gRPC exporter. */
function bigSpans(count: number, bytesEach: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('big');
  for (let i = 0; i < count; i++) tracer.startSpan('big', { attributes: { blob: 'z'.repeat(bytesEach) } }).end();
  return memory.getFinishedSpans();
}

describe('slow and oversized requests are answered, never left hanging', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ requestTimeoutMs: 1000, receiver: { maxBodyBytes: MAX_BODY, grpcMaxConnectionAgeMs: 1000 } });
  });
  after(() => svc.stop());

  test('a body trickled to OTLP/HTTP is timed out with 408', async () => {
    assert.equal(await trickle(svc.service.ports.otlpHttp, '/v1/traces', 'application/x-protobuf'), 'HTTP/1.1 408 Request Timeout');
  });

  test('a body trickled to the API port is timed out with 408', async () => {
    assert.equal(await trickle(svc.service.ports.api, '/v1/policy/decide', 'application/json'), 'HTTP/1.1 408 Request Timeout');
  });

  test('a message trickled to OTLP/gRPC ends with its connection, and a normal export works after', async () => {
    const session = http2.connect(`http://127.0.0.1:${svc.service.ports.otlpGrpc}`);
    session.on('error', () => {});
    const stream = session.request({ ':method': 'POST', ':path': EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => {});
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(100_000, 1); // a message of 100,000 bytes is announced...
    stream.write(prefix);
    const drip = setInterval(() => stream.writable && stream.write(Buffer.from([0])), 100); // ...and sent a byte at a time
    let gaveUp = false;
    const giveUp = setTimeout(() => {
      gaveUp = true;
      stream.close();
    }, GIVE_UP_MS);
    await new Promise((resolve) => stream.once('close', resolve));
    clearInterval(drip);
    clearTimeout(giveUp);
    session.destroy();
    assert.equal(gaveUp, false, 'the server never ended the trickled call');
    const client = new grpc.Client(`127.0.0.1:${svc.service.ports.otlpGrpc}`, grpc.credentials.createInsecure());
    try {
      const body = encodeRequest([{ traceId: newTraceId(), spanId: newSpanId(), name: 'ok', attributes: {} }]);
      await new Promise<void>((resolve, reject) => client.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, body, (e) => (e ? reject(e) : resolve())));
    } finally {
      client.close();
    }
  });

  test('an over-limit message from the real OTLP/gRPC exporter is answered RESOURCE_EXHAUSTED, not a reset', async () => {
    const exporter = new GrpcExporter({ url: `http://127.0.0.1:${svc.service.ports.otlpGrpc}` });
    try {
      const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(bigSpans(8, 512 * 1024), resolve));
      assert.equal(result.code, 1, 'ExportResultCode.FAILED');
      const err = result.error as Error & { code?: number };
      assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED, err.message);
      assert.match(err.message, /larger than max \(\d+ vs 1048576\)/);
    } finally {
      await exporter.shutdown();
    }
  });

  test('an over-limit message from a raw gRPC client is RESOURCE_EXHAUSTED naming the limit', async () => {
    const client = new grpc.Client(`127.0.0.1:${svc.service.ports.otlpGrpc}`, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError>((resolve, reject) =>
        client.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(6 * MAX_BODY, 0), (e) => (e ? resolve(e) : reject(new Error('accepted')))),
      );
      assert.equal(err.code, grpc.status.RESOURCE_EXHAUSTED, `${err.code} ${err.details}`);
    } finally {
      client.close();
    }
  });
});
