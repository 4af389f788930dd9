import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

// SQL against the ledger's tables lives in src/ledger/ only: every other folder asks the
// ledger's named queries (reports, the policy) or, talking to the SQL endpoint from outside
// like a dashboard (the CLI), reads the ledger's views. Dashboards read the views for money.

const root = path.resolve(__dirname, '..', '..');
const TABLES = [
  'llm_calls', 'spans', 'cost_adjustments', 'call_marks', 'resolver_state', 'invoice_lines', 'rollup_daily_costs', 'rollup_daily_users',
  'rollup_daily_routes', 'policy_reservations', 'policy_events', 'policy_decisions',
];
const VIEWS = ['llm_calls_resolved', 'touched_calls_resolved', 'trace_calls_resolved', 'trace_costs', 'session_costs', 'daily_costs', 'unpriced_calls'];
const names = (list: string[]) => list.join('|');
// A table after a SQL keyword, qualified (`${db}.`, `db.`) or not, quoted or not.
const sqlNaming = (list: string[]) => new RegExp(`\\b(FROM|JOIN|INTO|TABLE|UPDATE)\\s+(\\$\\{[^}]+\\}\\.|\\w+\\.)?\`?(${names(list)})\\b`, 'i');
// A table named as a string (`table: \`${db}.llm_calls\``, `'policy_events'`); `spans` is a common word, left to the keyword rule.
const literalNaming = (list: string[]) => new RegExp(`['"\`](\\$\\{[^}]+\\}\\.)?(${names(list.filter((t) => t !== 'spans'))})['"\`]`);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const full = path.join(dir, f);
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** Where `text` names one of `list` in SQL: `file:line: line`. */
function offences(file: string, list: string[]): string[] {
  const rules = [sqlNaming(list), literalNaming(list)];
  return readFileSync(file, 'utf8').split('\n').flatMap((line, i) =>
    rules.some((r) => r.test(line)) && !/^\s*(\/\/|\*|\/\*)/.test(line) ? [`${path.relative(root, file)}:${i + 1}: ${line.trim()}`] : []);
}

test('the rules catch what they are meant to', () => {
  const probe = (line: string, list: string[] = TABLES) => [sqlNaming(list), literalNaming(list)].some((r) => r.test(line));
  assert.ok(probe('`SELECT 1 FROM ${db}.llm_calls FINAL`'));
  assert.ok(probe("query: 'SELECT count() FROM spans FINAL'"));
  assert.ok(probe('LEFT JOIN db.cost_adjustments AS a'));
  assert.ok(probe("writer('policy_events', ['event_id'])"));
  assert.ok(probe('table: `${db}.invoice_lines`,'));
  assert.ok(probe('FROM ${db}.daily_costs(from = {from:String})', VIEWS));
  assert.ok(!probe("const items = list(ss, 'spans', 'spans', ssPath);"));
  assert.ok(!probe('spanledger_llm_calls_total'));
  assert.ok(!probe('countIf(NOT is_duplicate) AS llm_calls'));
});

test('no SQL names a ledger table outside src/ledger/, and only the CLI (a client of the SQL endpoint) names its views', () => {
  const found: string[] = [];
  for (const file of files(path.join(root, 'src'))) {
    const rel = path.relative(path.join(root, 'src'), file);
    if (rel.startsWith(`ledger${path.sep}`)) continue;
    found.push(...offences(file, rel.startsWith(`cli${path.sep}`) ? TABLES : [...TABLES, ...VIEWS]));
  }
  assert.deepEqual(found, []);
});

test('every dashboard query that shows money reads the ledger views, never its tables', () => {
  const found: string[] = [];
  const dir = path.join(root, 'dashboards');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { panels: { title: string; targets: { rawSql: string }[] }[] };
    for (const p of d.panels) {
      for (const t of p.targets) {
        if (!/nano_usd|usd\b/.test(t.rawSql)) continue;
        // The money itself comes from a view; a join to a table for labels (span names) is fine.
        if (!new RegExp(`\\b(${VIEWS.join('|')})\\(`).test(t.rawSql)) found.push(`${f} / ${p.title}: no ledger view`);
        if (/\b(cost_nano_usd|delta_nano_usd)\b/.test(t.rawSql) && sqlNaming(TABLES.filter((x) => x !== 'spans')).test(t.rawSql)) found.push(`${f} / ${p.title}: money from a table`);
      }
    }
  }
  assert.deepEqual(found, []);
});
