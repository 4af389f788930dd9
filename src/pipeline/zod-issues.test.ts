import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { issueLines, issuePath } from './zod-issues';

const schema = z.object({ budget: z.object({ amount: z.string() }), tags: z.array(z.number()) }).strict();

test('each issue is "dotted.path: message"; an issue about the whole value is named as asked', () => {
  const r = schema.safeParse({ budget: { amount: 5 }, tags: [1, 'x'], extra: true });
  assert.equal(r.success, false);
  const lines = issueLines(r.error!.issues);
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^budget\.amount: /);
  assert.match(lines[1]!, /^tags\.1: /);
  assert.match(lines[2]!, /^body: .*extra/);
  assert.equal(issuePath({ path: [], message: 'm' }, '(top level)'), '(top level)');
  assert.deepEqual(issueLines([{ path: [], message: 'm' }], { whole: '(top level)' }), ['(top level): m']);
});

test('a caller may name where an issue is its own way', () => {
  assert.deepEqual(issueLines([{ path: ['tenants', 2, 'id'], message: 'bad' }], { where: (i) => `entry ${String(i.path[1])}` }), ['entry 2: bad']);
});
