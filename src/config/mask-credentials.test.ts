import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskUrlCredentials } from './mask-credentials';

test('user and password inside a URL are masked wherever the URL appears', () => {
  assert.equal(maskUrlCredentials('{"clickhouseUrl":"https://admin:p%40ss@ch.internal:8443/db"}'), '{"clickhouseUrl":"https://***@ch.internal:8443/db"}');
  assert.equal(maskUrlCredentials('connect ECONNREFUSED for http://user:pw@127.0.0.1:1 and http://u2:pw2@h'), 'connect ECONNREFUSED for http://***@127.0.0.1:1 and http://***@h');
});

test('credential-like query parameters are masked, other text is left alone', () => {
  assert.equal(maskUrlCredentials('POST https://hooks.example/budget?team=search&token=abc123&sig=ff'), 'POST https://hooks.example/budget?team=search&token=***&sig=***');
  const plain = '{"msg":"spanledger listening","ports":{"api":8080},"url":"http://127.0.0.1:8080/x"}';
  assert.equal(maskUrlCredentials(plain), plain);
});
