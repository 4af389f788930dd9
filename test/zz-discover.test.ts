import { test } from 'node:test';
import { appendFileSync } from 'node:fs';
import { ensureAppInstalled, runCurrentOtelApp, runNode20App } from './helpers/current-otel-app';
import { startProviderStub } from './helpers/provider-stub';
import { startTestService } from './helpers/test-service';
import { readLedger } from './helpers/ledger-rows';
import { selfSignedCert } from './helpers/self-signed';

const scenarios = (process.env.SCN ?? 'ai7-otel-generate').split(',');
test('discover', async () => {
  await ensureAppInstalled();
  const tls = selfSignedCert();
  for (const scenario of scenarios) {
    const stub = await startProviderStub();
    const tlsStub = await startProviderStub(tls);
    const svc = await startTestService();
    try {
      const node20 = scenario.startsWith('20:');
      const run = { scenario: scenario.replace(/^20:/, ''), stubOrigin: stub.origin, stubTlsHost: tlsStub.origin.replace('https://', ''), stubCaFile: tls.certFile, otlpEndpoint: `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces` };
      let out = '';
      try { out = await (node20 ? runNode20App(run) : runCurrentOtelApp(run)); } catch (e) { out = String(e); }
      const l = await readLedger(svc);
      const spans = await svc.rows(`SELECT name, is_llm_call, scope_name, scope_version, attributes FROM spans FINAL ORDER BY timestamp`);
      appendFileSync('/tmp/e2e/out.jsonl', JSON.stringify({ scenario, out, calls: l.calls, spans, stub: [...stub.requests, ...tlsStub.requests].map((r) => r.path) }) + '\n');
    } finally {
      await svc.stop();
      await stub.close();
      await tlsStub.close();
    }
  }
});
