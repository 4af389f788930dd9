import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accessHook, ApiError, type Lane } from '../pipeline';
import { audit } from './audit';
import { budgets } from './budgets';
import { CHARGEBACK_DIMENSIONS, chargeback, type Dimension } from './chargeback';
import { focusColumns, focusRows, FOCUS_VERSIONS, type FocusVersion } from './focus';
import { detectFormat, importInvoice, type InvoiceFormat } from './invoice-import';
import { parsePeriod, type Period } from './period';
import type { BudgetSource, ReportLedger, TeamDirectory } from './ports';
import { prices } from './prices';
import { quality } from './quality';
import { reconcile } from './reconciliation';
import { untilClientGone } from './report-lane';
import { parseMaxStaleness, RESOLVED_AT_HEADER, type Resolve } from './staleness';
import { READERS, type AdminCheck } from './workflow-routes';

/** What the report routes read. */
export interface ReportRouteOptions {
  /** The ledger's named queries (reads, and the invoice import's write). */
  ledger: ReportLedger;
  teams: TeamDirectory;
  authorize: AdminCheck;
  /** Default reconciliation tolerance in percent. */
  tolerancePct: number;
  /** Reconciliation: how near a period's edge calls must be for a gap to be put down to timing. */
  boundaryHours: number;
  /** Brings duplicate and retry marks up to date before every report (or accepts a recent pass, with `max_staleness_s`). */
  resolve: Resolve;
  /** The lane every report request runs in (shared with the drill-down routes). */
  lane: Lane;
  /** The registry's budgets and the policy's reads of them; without it `/v1/reports/budgets` lists none. */
  budgets?: BudgetSource;
}

const NO_BUDGETS: BudgetSource = {
  directory: () => ({ tenantById: new Map(), costCenterByTeam: new Map() }),
  store: { spend: async () => [], reservationSnapshots: async () => [], emittedEvents: async () => [] },
  reservationMaxAgeMs: 0,
  bounds: () => ({ startMs: 0, endMs: 1 }),
};

type Query = { period?: string; from?: string; to?: string; format?: string; group_by?: string; tolerance_pct?: string; focus_version?: string; max_staleness_s?: string };

/**
 * Finance reports on the API port, admin token required, JSON by default and CSV where
 * tabular (`?format=csv`): `/v1/reports/chargeback`, `/audit`, `/quality`,
 * `/reconciliation` (+ `POST /v1/reports/invoices` to import an invoice export), `/focus`,
 * `/budgets` (every budget in its current period, with the period's events and decisions)
 * and `/prices` (the price each model's calls got, and re-rating adjustments).
 * Periods: `?period=YYYY-MM` (default: this month) or `?from=&to=` dates. Each report runs a
 * mark resolver pass first; `?max_staleness_s=N` accepts the last pass instead if it started
 * at most N seconds ago. `x-spanledger-resolved-at` says when the pass read started.
 */
export function registerReportRoutes(app: FastifyInstance, opts: ReportRouteOptions): void {
  void app.register(async (scope) => {
    // Invoice files arrive raw, whatever their content type.
    scope.addContentTypeParser(['text/csv', 'text/plain', 'application/octet-stream'], { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_r, body, done) => done(null, body));
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_r, body, done) => done(null, body));
    scope.addHook('onRequest', accessHook(opts.authorize, 'report endpoints', READERS));
    // Figures of the ledger, for one caller: no shared cache keeps them.
    scope.addHook('onSend', async (_req, reply) => void reply.header('cache-control', 'no-store'));

    const handle = <T>(build: (period: Period, q: Query) => Promise<T>, csv?: (result: T) => Record<string, unknown>[]) =>
      async (req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) => {
        let period: Period;
        try {
          period = parsePeriod(req.query);
        } catch (err) {
          throw new ApiError.invalidRequest((err as Error).message);
        }
        const maxStalenessMs = parseMaxStaleness(req.query.max_staleness_s);
        const result = await opts.lane.run(async () => {
          const resolved = await opts.resolve(maxStalenessMs);
          void reply.header(RESOLVED_AT_HEADER, resolved.startedAt);
          return build(period, req.query);
        }, untilClientGone(reply));
        if (req.query.format === 'csv' && csv) return reply.type('text/csv; charset=utf-8').send(toCsv(csv(result)));
        return result;
      };

    scope.get('/v1/reports/chargeback', handle(
      (p, q) => chargeback(opts.ledger, p, parseGroup(q.group_by), opts.teams),
      (r) => [...r.lines, { team: '(unallocated)', calls: r.unallocated.calls, billed_nano_usd: r.unallocated.billed_nano_usd, charged_nano_usd: r.unallocated.billed_nano_usd, transfer_multiplier: '1' }],
    ));
    scope.get('/v1/reports/audit', handle((p) => audit(opts.ledger, p), (r) => r.lines as unknown as Record<string, unknown>[]));
    scope.get('/v1/reports/quality', handle((p) => quality(opts.ledger, p), (r) => [r as unknown as Record<string, unknown>]));
    scope.get('/v1/reports/reconciliation', handle(
      (p, q) => reconcile(opts.ledger, p, q.tolerance_pct === undefined ? opts.tolerancePct : Number(q.tolerance_pct), opts.boundaryHours),
      (r) => r.lines as unknown as Record<string, unknown>[],
    ));
    scope.get('/v1/reports/budgets', handle((p) => budgets(opts.ledger, opts.budgets ?? NO_BUDGETS, p), (r) => r.budgets.map((b) => ({ ...b, events: b.events.join(' ') }))));
    scope.get('/v1/reports/prices', handle((p) => prices(opts.ledger, p), (r) => r.lines.map((l) => ({ ...l, corrections: l.corrections.join(' ') }))));
    scope.get('/v1/reports/focus', handle((p, q) => focusRows(opts.ledger, p, parseFocusVersion(q.focus_version)), (rows) => rows));

    scope.post<{ Querystring: { format?: string } }>('/v1/reports/invoices', async (req, reply) => {
      const body = typeof req.body === 'string' ? req.body : '';
      if (body.trim() === '') throw new ApiError.invalidRequest('send the invoice export as the request body');
      const format = (req.query.format ?? detectFormat(body)) as InvoiceFormat;
      if (!['generic_csv', 'openai_costs_json', 'anthropic_cost_csv'].includes(format)) throw new ApiError.invalidRequest(`unknown format '${format}': generic_csv, openai_costs_json or anthropic_cost_csv`);
      return opts.lane.run(async () => {
        try {
          return await importInvoice(opts.ledger, body, format);
        } catch (err) {
          throw new ApiError.invalidRequest(`invalid ${format}: ${(err as Error).message}`);
        }
      }, untilClientGone(reply));
    });
  });
}

function parseFocusVersion(text: string | undefined): FocusVersion {
  if (text === undefined) return '1.3';
  if (!(FOCUS_VERSIONS as readonly string[]).includes(text)) throw new ApiError.invalidRequest(`focus_version: '${text}' is not one of ${FOCUS_VERSIONS.join(', ')}`);
  return text as FocusVersion;
}

function parseGroup(text: string | undefined): Dimension[] {
  if (!text) return ['team', 'app', 'feature', 'model'];
  const dims = text.split(',').map((d) => d.trim()).filter(Boolean);
  for (const d of dims) if (!(CHARGEBACK_DIMENSIONS as readonly string[]).includes(d)) throw new ApiError.invalidRequest(`group_by: unknown dimension '${d}'`);
  return dims as Dimension[];
}

/** CSV with a header from the union of keys, in first-seen order; FOCUS rows keep the spec's order. */
export function toCsv(rows: Record<string, unknown>[]): string {
  const columns: string[] = rows.length > 0 && 'BilledCost' in rows[0]! ? [...focusColumns('ServiceProviderName' in rows[0]! ? '1.3' : '1.2')] : [];
  for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  return stringify(rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c])))), { header: true, columns });
}
