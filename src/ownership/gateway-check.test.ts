import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGatewayCheck } from './gateway-check';
import { parseRegistry } from './load-registry';
import { hashToken } from './token-hash';

const registry = parseRegistry(
  `
tenants:
  - { id: search, team: search, app: search-api }
senders:
  - { id: search-api, token: "${hashToken('tok-search')}", tenant: search }
  - { id: edge-gw, token: "${hashToken('tok-gateway')}", gateway: true }
`,
  'test',
);
const check = createGatewayCheck({ current: () => registry });

test("a gateway sender's bearer token passes with its id; another sender's or an unknown token is denied; none is missing", () => {
  assert.deepEqual(check('Bearer tok-gateway'), { gatewayId: 'edge-gw' });
  assert.equal(check('Bearer tok-search'), 'denied');
  assert.equal(check('Bearer nobody-knows-me'), 'denied');
  assert.equal(check(undefined), 'missing');
  assert.equal(check(''), 'missing');
});
