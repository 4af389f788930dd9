import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, redactConfig } from './load';

const testdata = path.resolve(__dirname, '..', '..', '..', 'testdata', 'config');

test('defaults alone make a valid configuration', () => {
  const cfg = loadConfig({ argv: [], env: {} });
  assert.equal(cfg.host, '127.0.0.1');
  assert.equal(cfg.receiver.otlpGrpcPort, 4317);
  assert.equal(cfg.receiver.otlpHttpPort, 4318);
  assert.equal(cfg.apiPort, 8080);
  assert.equal(cfg.receiver.maxBodyBytes, 16 * 1024 * 1024);
  assert.equal(cfg.ledger.dataDir, './data');
  assert.equal(cfg.ledger.clickhouseUrl, undefined);
});

test('flags beat the environment, which beats the file, which beats defaults', () => {
  const file = path.join(testdata, 'full.yaml');
  const cfg = loadConfig({
    argv: ['--config', file, '--otlp-http-port', '7318'],
    env: { SPANLEDGER_OTLP_HTTP_PORT: '6318', SPANLEDGER_API_PORT: '6080', SPANLEDGER_DATA_DIR: '/env/data' },
  });
  assert.equal(cfg.receiver.otlpHttpPort, 7318); // flag
  assert.equal(cfg.apiPort, 6080); // environment over file
  assert.equal(cfg.ledger.dataDir, '/env/data'); // environment over file
  assert.equal(cfg.receiver.otlpGrpcPort, 5317); // file over default
  assert.equal(cfg.ledger.database, 'ledger_prod');
  assert.equal(cfg.ledger.batchMaxRows, 20000); // default
});

test('the config file may come from SPANLEDGER_CONFIG', () => {
  const cfg = loadConfig({ argv: [], env: { SPANLEDGER_CONFIG: path.join(testdata, 'full.yaml') } });
  assert.equal(cfg.ledger.spansTtlDays, 14);
});

test('a typo in the file is refused naming the key', () => {
  assert.throws(
    () => loadConfig({ argv: ['--config', path.join(testdata, 'typo.yaml')], env: {} }),
    (err: unknown) => err instanceof ConfigError && /receiver: Unrecognized key: "otlpHttpPrt"/.test(err.message),
  );
});

test('bad values are refused naming each field and where it came from', () => {
  assert.throws(
    () => loadConfig({ argv: ['--config', path.join(testdata, 'bad-values.yaml'), '--otlp-grpc-port', 'abc'], env: {} }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /apiPort: .*65535.* \(from config file .*bad-values\.yaml\)/);
      assert.match(err.message, /ledger\.database: must be a plain identifier/);
      assert.match(err.message, /receiver\.otlpGrpcPort: .* \(from flag --otlp-grpc-port\)/);
      return true;
    },
  );
});

test('an unknown flag is refused listing the known ones', () => {
  assert.throws(() => loadConfig({ argv: ['--port', '1'], env: {} }), /Unknown option '--port'.*--otlp-http-port/);
});

test('secrets never appear in the redacted view or in error messages', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'spanledger-cfg-'));
  writeFileSync(path.join(dir, 'c.yaml'), 'policy:\n  webhooks:\n    - { url: "https://hooks.example/budget", secret: "hook-secret-0123456789" }\n');
  const cfg = loadConfig({ argv: ['--admin-token', 'very-secret-token', '--config', path.join(dir, 'c.yaml')], env: { SPANLEDGER_CLICKHOUSE_PASSWORD: 'pw-123' } });
  const shown = JSON.stringify(redactConfig(cfg));
  assert.ok(!shown.includes('very-secret-token'));
  assert.ok(!shown.includes('pw-123'));
  assert.ok(!shown.includes('hook-secret-0123456789'));
  assert.ok(shown.includes('https://hooks.example/budget'));
  assert.throws(
    () => loadConfig({ argv: ['--admin-token', 'short'], env: {} }),
    (err: unknown) => err instanceof ConfigError && /adminToken: must be at least 8 characters/.test(err.message) && !err.message.includes('short'),
  );
});

test('the example configuration in deploy/ is valid', () => {
  const cfg = loadConfig({ argv: ['--config', path.resolve(testdata, '..', '..', 'deploy', 'spanledger.yaml')], env: {} });
  assert.equal(cfg.ledger.dataDir, '/var/lib/spanledger');
  assert.equal(cfg.ownership.registry, '/etc/spanledger/registry.yaml');
});

test('every YAML file in deploy/ parses', async () => {
  const { parseAllDocuments } = await import('yaml');
  const { readdirSync, readFileSync, statSync } = await import('node:fs');
  const root = path.resolve(testdata, '..', '..', 'deploy');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(f)) files.push(p);
    }
  };
  walk(root);
  assert.ok(files.length >= 6, files.join(', '));
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) assert.deepEqual(doc.errors, [], f);
  }
});
