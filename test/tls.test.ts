import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { killAll, runCli } from './helpers/cli-process';
import { emitChatTrace, providerWith } from './helpers/otel';
import { startTestService } from './helpers/test-service';

// No child process outlives this file, even when a test fails half-way.
after(killAll);

/** A self-signed certificate for 127.0.0.1, made with the system's openssl. */
function selfSigned(): { certFile: string; keyFile: string; ca: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { certFile, keyFile, ca: readFileSync(certFile) };
}

test('with a certificate configured, OTLP/gRPC, OTLP/HTTP and the API speak TLS', async () => {
  const { certFile, keyFile, ca } = selfSigned();
  const svc = await startTestService({ tls: { certFile, keyFile } });
  try {
    const http = providerWith(new ProtoExporter({ url: `https://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, httpAgentOptions: { ca } }), 'tls-http');
    const viaHttp = emitChatTrace(http, { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 5 });
    await http.forceFlush();
    await http.shutdown();
    const rpc = providerWith(new GrpcExporter({ url: `https://127.0.0.1:${svc.service.ports.otlpGrpc}`, credentials: grpc.credentials.createSsl(ca) }), 'tls-grpc');
    const viaGrpc = emitChatTrace(rpc, { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 6 });
    await rpc.forceFlush();
    await rpc.shutdown();
    const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: svc.service.ports.api, path: '/healthz', ca }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(health, { status: 200, body: '{"status":"ok"}' });
    // Plain HTTP is refused on the TLS port.
    await assert.rejects(fetch(`http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }).then((r) => r.text()));
    await svc.sql.close();
    const rows = await svc.service.storage.client
      .query({ query: `SELECT input_tokens FROM ${svc.cfg.ledger.database}.llm_calls FINAL WHERE trace_id IN {t:Array(String)} ORDER BY input_tokens`, query_params: { t: [viaHttp.traceId, viaGrpc.traceId] }, format: 'JSONEachRow' })
      .then((r) => r.json());
    assert.deepEqual(rows, [{ input_tokens: 5 }, { input_tokens: 6 }]);
  } finally {
    await svc.service.stop();
  }
});

test('a certificate without its key stops start-up naming the field', async () => {
  const res = await runCli(['serve', '--tls-cert', '/nowhere/cert.pem']);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /tls: set both certFile and keyFile, or neither/);
});
