import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { hashToken } from '../src/ownership';
import { envoyAuthzClient, headersOf } from './helpers/envoy-authz';
import { startTestService, type TestService } from './helpers/test-service';

const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

/** A CA, a server certificate for 127.0.0.1 and client certificates with the given CNs, made with the system's openssl. */
function certificates(dir: string, clients: string[]): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca');
  const issue = (name: string, cn: string, ext?: string) => {
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    if (ext) writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', ...(ext ? ['-extfile', `${name}.ext`] : []));
  };
  issue('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const c of clients) issue(c, c);
}

describe('ext_authz gRPC with mTLS: the client certificate\'s CN names the gateway sender', () => {
  let svc: TestService;
  let dir: string;
  const file = (f: string) => readFileSync(path.join(dir, f));
  const clientFor = (cn?: string) =>
    envoyAuthzClient(`127.0.0.1:${svc.service.ports.extAuthzGrpc}`, grpc.credentials.createSsl(file('ca.pem'), cn ? file(`${cn}.key`) : null, cn ? file(`${cn}.pem`) : null));
  const http = { id: 'm1', method: 'POST', headers: { authorization: 'Bearer sk-m', 'x-ai-eg-model': 'gpt-4o-mini' } };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'spanledger-mtls-'));
    certificates(dir, ['envoy-mtls', 'stranger']);
    writeFileSync(path.join(dir, 'registry.yaml'), `
tenants:
  - { id: m, team: m, app: m, tokens: ["${hashToken('sk-m')}"] }
senders:
  - { id: envoy-mtls, token: "${hashToken('tok-envoy-mtls')}", gateway: true }
`);
    svc = await startTestService({
      tls: { certFile: path.join(dir, 'server.pem'), keyFile: path.join(dir, 'server.key') },
      ownership: { registry: path.join(dir, 'registry.yaml'), allowUnauthenticated: false },
      policy: { extAuthz: { grpcPort: 0, clientCaFile: path.join(dir, 'ca.pem') } },
    });
  });
  after(async () => svc?.stop());

  test('a certificate whose CN is a gateway sender allows without a bearer token', async () => {
    const c = clientFor('envoy-mtls');
    const res = await c.check(http);
    c.close();
    assert.equal(res.http_response, 'ok_response');
    assert.equal(headersOf(res)['x-spanledger-tenant'], 'm');
  });

  test('a certificate the CA signed for a CN that is no gateway sender is UNAUTHENTICATED, even with a gateway token', async () => {
    const c = clientFor('stranger');
    await assert.rejects(c.check(http, 'tok-envoy-mtls'), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED && /unknown gateway credentials/.test(e.details));
    c.close();
  });

  test('no client certificate: the TLS handshake is refused', async () => {
    const c = clientFor();
    await assert.rejects(c.check(http, 'tok-envoy-mtls'), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE);
    c.close();
  });
});
