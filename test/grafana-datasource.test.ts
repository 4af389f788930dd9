import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { burstCostForTest, demoCommand } from '../src/cli/demo-command';
import { demoRegistryYaml } from '../src/cli/demo/demo-plan';
import { configSchema } from '../src/config';
import { CONNECTION_STATEMENTS, sendAsGrafana, type DatasourceSettings } from './helpers/grafana-datasource-client';
import { expandGrafanaSql, type DashboardContext } from './helpers/grafana-macros';
import { ADMIN_TOKEN, registryFile, startTestService, type TestService } from './helpers/test-service';

// Every panel and variable query of every dashboard in dashboards/, sent to /clickhouse on a
// demo month the way the Grafana ClickHouse datasource sends it over HTTP (see
// helpers/grafana-datasource-client.ts), with the settings of deploy/grafana's embedded
// datasource file and the viewer credential: each must answer 200 with a Native block of rows.
const VIEWER = 'grafana-viewer-credential';
const root = path.resolve(__dirname, '..', '..');
interface Dashboard { title: string; panels: { title: string; targets: { rawSql: string }[] }[]; templating: { list: { name: string; type: string; query: string }[] } }
const dashboards = readdirSync(path.join(root, 'dashboards')).filter((f) => f.endsWith('.json'))
  .map((f) => ({ file: f, d: JSON.parse(readFileSync(path.join(root, 'dashboards', f), 'utf8')) as Dashboard }));
const provisioned = parseYaml(readFileSync(path.join(root, 'deploy', 'grafana', 'provisioning', 'datasources', 'spanledger-embedded.yaml'), 'utf8')) as {
  datasources: { type: string; uid: string; jsonData: Record<string, unknown>; secureJsonData: Record<string, string> }[];
};
const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('Grafana\'s ClickHouse datasource on embedded storage, through /clickhouse with the viewer credential', () => {
  let svc: TestService;
  let ds: DatasourceSettings;
  let vars: { team: string; feature: string; session: string; trace: string };

  before(async () => {
    svc = await startTestService({
      ownership: { allowUnauthenticated: false, registry: registryFile(demoRegistryYaml(burstCostForTest)) },
      console: { viewerToken: VIEWER },
    });
    const code = await demoCommand(
      ['--days', '7', '--scale', '0.1', '--quiet', '--api-port', String(svc.service.ports.api), '--otlp-http-port', String(svc.service.ports.otlpHttp), '--admin-token', ADMIN_TOKEN],
      sink(), sink(),
    );
    assert.equal(code, 0);
    await svc.service.resolveMarks();
    const [s] = await svc.rows<{ session_id: string; trace_id: string; team: string; feature: string }>(
      "SELECT session_id, trace_id, team, feature FROM llm_calls FINAL WHERE team = 'search' AND session_id != '' ORDER BY timestamp DESC LIMIT 1");
    vars = { team: s!.team, feature: s!.feature, session: s!.session_id, trace: s!.trace_id };
    const j = provisioned.datasources[0]!.jsonData;
    ds = {
      origin: `http://127.0.0.1:${svc.service.ports.api}`, path: String(j.path), database: svc.cfg.ledger.database, username: String(j.username),
      password: VIEWER, rowLimit: 1000, queryTimeoutS: 60,
    };
  });
  after(async () => {
    await svc?.stop();
  });

  test('the provisioned datasource is the HTTP protocol on the API port\'s /clickhouse, with the viewer credential', () => {
    const [d] = provisioned.datasources;
    assert.equal(provisioned.datasources.length, 1);
    assert.equal(d!.type, 'grafana-clickhouse-datasource');
    assert.equal(d!.jsonData.protocol, 'http', 'the native protocol is not served on embedded storage');
    assert.equal(d!.jsonData.path, '/clickhouse');
    assert.equal(d!.jsonData.port, configSchema.parse({}).apiPort, 'the API port\'s default');
    assert.equal(d!.jsonData.defaultDatabase, configSchema.parse({}).ledger.database, 'the ledger database\'s default');
    assert.equal(d!.secureJsonData.password, '${SPANLEDGER_VIEWER_TOKEN}');
    assert.equal(d!.uid, 'spanledger', 'the uid the dashboards name');
    for (const { file, d: dash } of dashboards) {
      const text = JSON.stringify(dash);
      assert.ok(!/"uid":\s*"(?!spanledger|\$\{datasource\})[^"]*"[^}]*"type":\s*"grafana-clickhouse-datasource"/.test(text), `${file} names another datasource`);
    }
  });

  test('opening a connection and the health check answer as the driver expects', async () => {
    for (const sql of CONNECTION_STATEMENTS) {
      for (const tlsHeaders of [false, true]) {
        const a = await sendAsGrafana({ ...ds, tlsHeaders }, sql);
        assert.equal(a.status, 200, `${sql}: ${a.text}`);
        assert.equal(a.format, 'Native');
        assert.deepEqual([a.columns, a.rows], [1, 1], sql);
      }
    }
  });

  test('a wrong credential is refused; without the row limit and with a short timeout the queries still answer', async () => {
    const wrong = await sendAsGrafana({ ...ds, password: 'not-the-viewer' }, 'SELECT 1');
    assert.equal(wrong.status, 401, wrong.text);
    const wrongTls = await sendAsGrafana({ ...ds, password: 'not-the-viewer', tlsHeaders: true }, 'SELECT 1');
    assert.equal(wrongTls.status, 401, wrongTls.text);
    const noLimit = await sendAsGrafana({ ...ds, rowLimit: 0, queryTimeoutS: 5 }, 'SELECT count() FROM llm_calls FINAL');
    assert.equal(noLimit.status, 200, noLimit.text);
    // The admin token works as the datasource's password too.
    assert.equal((await sendAsGrafana({ ...ds, password: ADMIN_TOKEN }, 'SELECT 1')).status, 200);
    // The viewer writes nothing, whatever the datasource sends.
    const insert = await sendAsGrafana(ds, "INSERT INTO invoice_lines (provider) VALUES ('x')");
    assert.equal(insert.status, 403, insert.text);
  });

  for (const { file, d } of dashboards) {
    test(`${file}: every panel and variable query answers 200 with rows, as the plugin sends it`, async () => {
      const base = { fromMs: Date.now() - 8 * 86_400_000, toMs: Date.now() + 3_600_000, intervalS: 3600 };
      const contexts: DashboardContext[] = [
        { ...base, vars: { datasource: 'spanledger', team: '$__all', feature: '$__all', session_id: vars.session, trace_id: vars.trace } },
        { ...base, vars: { datasource: 'spanledger', team: [vars.team], feature: [vars.feature], session_id: vars.session, trace_id: vars.trace } },
      ];
      let sent = 0;
      for (const ctx of contexts) {
        const queries = [
          ...d.panels.flatMap((p) => p.targets.map((t) => ({ what: `panel "${p.title}"`, sql: t.rawSql }))),
          ...d.templating.list.filter((v) => v.type === 'query').map((v) => ({ what: `variable ${v.name}`, sql: v.query })),
        ];
        for (const q of queries) {
          const sql = expandGrafanaSql(q.sql, ctx);
          assert.doesNotMatch(sql, /\$/, `${d.title} / ${q.what}: unexpanded macro or variable`);
          const a = await sendAsGrafana(ds, sql);
          assert.equal(a.status, 200, `${d.title} / ${q.what}: ${a.text}\n${sql}`);
          assert.equal(a.format, 'Native');
          assert.ok(a.columns >= 1 && a.rows >= 1, `${d.title} / ${q.what} (${JSON.stringify(ctx.vars)}): ${a.columns} columns, ${a.rows} rows\n${sql}`);
          sent++;
        }
      }
      assert.ok(sent >= 2 * d.panels.length, 'every panel was sent');
    });
  }
});
