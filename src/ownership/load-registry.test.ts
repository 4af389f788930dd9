import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadRegistryFile, parseRegistry, RegistryError } from './load-registry';

const testdata = path.resolve(__dirname, '..', '..', '..', 'testdata', 'registry');

test('the example registry in deploy/ loads into lookups', () => {
  const reg = loadRegistryFile(path.resolve(__dirname, '..', '..', '..', 'deploy', 'registry.yaml'));
  assert.equal(reg.tenantCount, 2);
  assert.equal(reg.tenantById.get('search-summarize')?.budget?.amount, '5000');
  assert.equal(reg.tenantById.get('search-summarize')?.budget?.warnAtPercent, 80);
  assert.equal(reg.senderByTokenHash.size, 3);
  assert.deepEqual(reg.costCenterByTeam.get('billing'), { costCenter: 'CC-2002', businessUnit: 'Finance', transferMultiplier: '1.1' });
});

test('validation errors name the entry by its id and the field', () => {
  assert.throws(
    () => loadRegistryFile(path.join(testdata, 'invalid.yaml')),
    (err: unknown) => {
      assert.ok(err instanceof RegistryError);
      const m = err.message;
      assert.match(m, /tenants\[0\] "search-summarize": budget\.amount: must be a non-negative decimal amount/);
      assert.match(m, /tenants\[1\] "billing": team: /);
      assert.match(m, /senders\[0\] "search-api": token: must be "sha256:" followed by 64 lowercase hex digits/);
      assert.match(m, /senders\[1\] "gateway": tenant: a sender is either a gateway or bound to a tenant, not both/);
      return true;
    },
  );
});

test('a registry wrong in many entries lists the first twenty problems and counts the rest', () => {
  const tenants = Array.from({ length: 50 }, (_, i) => `  - { id: t${i}, team: team }`).join('\n');
  let message = '';
  try {
    parseRegistry(`tenants:\n${tenants}\n`, 'many.yaml');
  } catch (err) {
    assert.ok(err instanceof RegistryError);
    message = err.message;
  }
  const listed = message.split('\n').filter((l) => l.startsWith('  tenants['));
  assert.equal(listed.length, 20);
  assert.match(listed[0]!, /tenants\[0\] "t0": app/);
  assert.match(message, /\.\.\. and 30 more problems$/);
});

test('cross-references are checked: duplicate ids and unknown tenants', () => {
  assert.throws(
    () => loadRegistryFile(path.join(testdata, 'invalid-references.yaml')),
    (err: unknown) => {
      assert.ok(err instanceof RegistryError);
      assert.match(err.message, /tenants\[1\] "search": id: duplicate tenant id "search"/);
      assert.match(err.message, /senders\[0\] "s1": tenant: unknown tenant "ads"/);
      assert.match(err.message, /services\[0\]: tenant: unknown tenant "nobody"/);
      return true;
    },
  );
});

test('a token hash may belong to one sender or tenant only', () => {
  const hash = `sha256:${'a'.repeat(64)}`;
  const yaml = `tenants: [{ id: t, team: x, app: y, tokens: ["${hash}"] }]\nsenders: [{ id: s, token: "${hash}", tenant: t }]`;
  assert.throws(() => parseRegistry(yaml, 'inline'), /senders\[0\] "s": token: token hash already used by tenant "t"/);
});

test('an empty file is an empty registry; broken YAML says so', () => {
  assert.equal(parseRegistry('', 'inline').tenantCount, 0);
  assert.throws(() => parseRegistry('tenants: [', 'inline'), /registry inline is not valid YAML/);
});
