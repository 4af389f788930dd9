import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../src/ownership';
import { expandGrafanaSql, type DashboardContext } from './helpers/grafana-macros';
import { encodeRequest, newSpanId, newTraceId } from './helpers/payloads';
import { ADMIN_TOKEN, registryFile, startTestService, type TestService } from './helpers/test-service';

interface Target { rawSql: string; queryType: string }
interface Panel { title: string; type: string; targets: Target[]; fieldConfig: { overrides: { matcher: { id: string; options: string } }[] }; options: { reduceOptions?: { fields: string } } }
interface Dashboard { title: string; panels: Panel[]; templating: { list: { name: string; type: string; query: string }[] } }

const dir = path.resolve(__dirname, '..', '..', 'dashboards');
const dashboards = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => ({ file: f, d: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Dashboard }));

/** Columns a panel reads: byName overrides, plain reduce fields, `time` for time series. */
function expectedColumns(p: Panel): { names: string[]; pattern?: RegExp } {
  const names = p.fieldConfig.overrides.filter((o) => o.matcher.id === 'byName').map((o) => o.matcher.options);
  if (p.type === 'timeseries') names.push('time');
  const fields = p.options.reduceOptions?.fields;
  if (fields && fields.startsWith('/')) return { names, pattern: new RegExp(fields.slice(1, -1)) };
  if (fields) names.push(fields);
  return { names };
}

/**
 * Sends `sql` the way the Grafana ClickHouse plugin does over HTTP (clickhouse-go):
 * POST with a gzip'd body, Native answers, the row limit as `limit`, the query timeout
 * as `max_execution_time`, the default database, HTTP Basic credentials, compression
 * asked for; and checks a Native block with rows comes back.
 */
async function asThePluginSends(svc: TestService, sql: string, what: string): Promise<void> {
  const params = new URLSearchParams({ database: svc.cfg.ledger.database, default_format: 'Native', limit: '1000', max_execution_time: '60', enable_http_compression: '1' });
  const res = await fetch(`http://127.0.0.1:${svc.service.ports.api}/clickhouse/?${params}`, {
    method: 'POST',
    body: gzipSync(sql),
    headers: { authorization: `Basic ${Buffer.from(`grafana:${ADMIN_TOKEN}`).toString('base64')}`, 'content-encoding': 'gzip', 'accept-encoding': 'gzip' },
  });
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200, `${what}: ${body.toString()}\n${sql}`);
  assert.equal(res.headers.get('x-clickhouse-format'), 'Native', what);
  // A Native block starts with its column count and row count (varints).
  assert.ok(body[0]! >= 1 && body[1]! >= 1, `${what}: no Native block with rows`);
}

describe('dashboard SQL is real SQL', () => {
  let svc: TestService;
  let traceId: string;
  before(async () => {
    const registry = registryFile(`
tenants: [{ id: chat, team: assistant, app: chat-api, feature: chat }]
senders: [{ id: web, token: "${hashToken('tok-web')}", tenant: chat }, { id: collector, token: "${hashToken('tok-collector')}" }]
`);
    svc = await startTestService({ ownership: { registry, allowUnauthenticated: false } });
    const otlp = `http://127.0.0.1:${svc.service.ports.otlpHttp}/v1/traces`;
    const send = (token: string, body: Buffer) => fetch(otlp, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` } });
    traceId = newTraceId();
    const root = newSpanId();
    const llm = { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.conversation.id': 'sess-1', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 };
    await send('tok-web', encodeRequest([
      { traceId, spanId: root, name: 'POST /chat', attributes: {} },
      { traceId, spanId: newSpanId(), parentSpanId: root, name: 'chat', attributes: { ...llm, team: 'other' } },
      { traceId, spanId: newSpanId(), parentSpanId: root, name: 'chat', attributes: { ...llm, 'error.type': 'timeout' } },
      { traceId, spanId: newSpanId(), parentSpanId: root, name: 'chat', attributes: { ...llm, 'gen_ai.request.model': 'gpt-unknown-1' } },
      { traceId, spanId: newSpanId(), parentSpanId: root, name: 'acme.call', attributes: { 'acme.model': 'gpt-4o' } },
    ], 'web'));
    await send('tok-collector', encodeRequest([{ traceId: newTraceId(), spanId: newSpanId(), name: 'chat', attributes: llm }], 'mystery'));
    await svc.service.resolveMarks();
  });
  after(async () => {
    await svc.stop();
  });

  const contexts = (): DashboardContext[] => {
    const base = { fromMs: Date.now() - 3_600_000, toMs: Date.now() + 3_600_000, intervalS: 60 };
    return [
      { ...base, vars: { datasource: 'spanledger', team: '$__all', feature: '$__all', session_id: '', trace_id: traceId } },
      { ...base, vars: { datasource: 'spanledger', team: ['assistant'], feature: ['chat'], session_id: 'sess-1', trace_id: traceId } },
    ];
  };

  for (const { file, d } of dashboards) {
    test(`${file}: every panel query runs and returns the columns its panel uses`, async () => {
      assert.ok(d.panels.length >= 4, `${d.title} has panels`);
      for (const ctx of contexts()) {
        for (const p of d.panels) {
          for (const t of p.targets) {
            const sql = expandGrafanaSql(t.rawSql, ctx);
            assert.doesNotMatch(sql, /\$/, `${d.title} / ${p.title}: unexpanded macro or variable in\n${sql}`);
            await asThePluginSends(svc, sql, `${d.title} / ${p.title}`);
            let rows: Record<string, unknown>[];
            try {
              rows = await (await svc.sql.query({ query: sql, format: 'JSONEachRow' })).json();
            } catch (err) {
              assert.fail(`${d.title} / ${p.title}: ${(err as Error).message}\n${sql}`);
            }
            assert.ok(rows.length > 0, `${d.title} / ${p.title} returned no rows for ${JSON.stringify(ctx.vars)}`);
            const cols = Object.keys(rows[0]!);
            const { names, pattern } = expectedColumns(p);
            for (const n of names) assert.ok(cols.includes(n), `${d.title} / ${p.title}: column ${n} missing from ${cols.join(', ')}`);
            if (pattern) assert.ok(cols.some((c) => pattern.test(c)), `${d.title} / ${p.title}: no column matches ${pattern}`);
          }
        }
        for (const v of d.templating.list.filter((x) => x.type === 'query')) {
          const rows = await (await svc.sql.query({ query: expandGrafanaSql(v.query, ctx), format: 'JSONEachRow' })).json();
          assert.ok(rows.length > 0, `${d.title}: variable ${v.name} has no values`);
        }
      }
    });
  }

  test('the macro expansion itself', () => {
    const ctx: DashboardContext = { fromMs: 1_700_000_000_000, toMs: 1_700_003_600_000, intervalS: 60, vars: { team: ['a', "b'c"], all: '$__all' } };
    assert.equal(expandGrafanaSql('$__timeFilter(ts)', ctx), 'ts >= toDateTime(1700000000) AND ts <= toDateTime(1700003600)');
    assert.equal(expandGrafanaSql('$__conditionalAll(team IN (${team:singlequote}), $team)', ctx), "team IN ('a','b\\'c')");
    assert.equal(expandGrafanaSql('$__conditionalAll(x IN (${all:singlequote}), $all)', ctx), '1=1');
  });
});
