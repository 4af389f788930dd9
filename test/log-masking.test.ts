import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { killAll, runCli } from './helpers/cli-process';

after(killAll);

test('passwords inside the ClickHouse URL and a webhook URL appear in no log line', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-mask-'));
  const config = path.join(dir, 'spanledger.yaml');
  // Port 1 refuses connections: start-up fails after logging the configuration and the error.
  writeFileSync(config, `ledger:
  clickhouseUrl: "http://admin:ch-s3cr3t-pw@127.0.0.1:1"
policy:
  webhooks:
    - { url: "http://hook:h00k-s3cr3t@127.0.0.1:9/budget?token=t0k3n-s3cr3t", secret: "0123456789abcdef-signing" }
`);
  const res = await runCli(['serve', '--config', config, '--api-port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0']);
  assert.equal(res.code, 1, res.stderr);
  const output = res.stdout + res.stderr;
  assert.match(res.stdout, /"msg":"starting"/);
  assert.match(res.stdout, /"msg":"failed to start"/);
  for (const secret of ['ch-s3cr3t-pw', 'h00k-s3cr3t', 't0k3n-s3cr3t', '0123456789abcdef-signing']) assert.ok(!output.includes(secret), `${secret} was logged`);
  assert.match(res.stdout, /"clickhouseUrl":"http:\/\/\*\*\*@127\.0\.0\.1:1"/);
  assert.match(res.stdout, /"url":"http:\/\/\*\*\*@127\.0\.0\.1:9\/budget\?token=\*\*\*"/);
});
