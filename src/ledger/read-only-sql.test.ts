import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstKeyword, hasMultipleStatements, isReadStatement } from './read-only-sql';

test('read statements pass, past comments and parentheses', () => {
  for (const sql of ['SELECT 1', '  with x as (select 1) select * from x', '-- note\nSHOW TABLES', '/* a */ (SELECT 1)', 'DESC llm_calls', 'EXPLAIN SELECT 1', 'EXISTS TABLE spans']) {
    assert.ok(isReadStatement(sql), sql);
  }
});

test('writes and DDL do not', () => {
  for (const sql of ['INSERT INTO t VALUES (1)', 'DROP TABLE llm_calls', 'ALTER TABLE x DELETE WHERE 1', 'SET readonly = 0', '', '/* SELECT */ TRUNCATE t']) {
    assert.equal(isReadStatement(sql), false, sql);
  }
  assert.equal(firstKeyword('# c\n optimize table t'), 'OPTIMIZE');
});

test('a second statement after a semicolon is detected, semicolons in strings and comments are not', () => {
  assert.equal(hasMultipleStatements('SELECT 1; DROP TABLE t'), true);
  assert.equal(hasMultipleStatements("SELECT 1;'x'"), true);
  assert.equal(hasMultipleStatements('SELECT 1;'), false);
  assert.equal(hasMultipleStatements('SELECT 1; -- done\n  '), false);
  assert.equal(hasMultipleStatements("SELECT 'a;b', `c;d` /* ; */"), false);
  assert.equal(hasMultipleStatements("SELECT 'it''s; fine'"), false);
});
