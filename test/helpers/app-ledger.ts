import { runCurrentOtelApp, runNode20App } from './current-otel-app';
import { readLedgerWhen, readResolved, type Ledger } from './ledger-rows';
import { startProviderStub, type StubRequest } from './provider-stub';
import { selfSignedCert } from './self-signed';
import { startTestService } from './test-service';

/** What one app run left: the ledger, the resolved marks and the requests the stub answered. */
export interface AppLedger extends Ledger {
  resolved: Awaited<ReturnType<typeof readResolved>>;
  stub: StubRequest[];
}

let cert: ReturnType<typeof selfSignedCert> | undefined;

/**
 * Runs one scenario of a test app (`node22`: test/fixtures/current-otel-app under Node 22 and
 * NodeSDK 3.x; `node20`: test/fixtures/node20-app.cjs under this Node and NodeSDK 2.x) against
 * fresh provider stubs (plain and TLS) and a fresh spanledger database, exporting over
 * `protocol`, and reads what the ledger holds once `spans` spans have landed.
 */
export async function runAppScenario(app: 'node22' | 'node20', scenario: string, spans: number, protocol: 'http/protobuf' | 'grpc' = 'http/protobuf'): Promise<AppLedger> {
  cert ??= selfSignedCert();
  const stub = await startProviderStub();
  const tlsStub = await startProviderStub(cert);
  const svc = await startTestService();
  try {
    const otlpEndpoint = protocol === 'grpc' ? `127.0.0.1:${svc.service.ports.otlpGrpc}` : `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
    const run = { scenario, stubOrigin: stub.origin, stubTlsHost: tlsStub.origin.replace('https://', ''), stubCaFile: cert.certFile, otlpEndpoint, protocol };
    await (app === 'node22' ? runCurrentOtelApp(run) : runNode20App(run));
    const ledger = await readLedgerWhen(svc, spans);
    return { ...ledger, resolved: await readResolved(svc), stub: [...stub.requests, ...tlsStub.requests] };
  } finally {
    await svc.stop();
    await stub.close();
    await tlsStub.close();
  }
}
