import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { SpanledgerConfig } from '../config';
import { createDrilldownQueries, createLedgerWriter, createMarkResolver, createPolicyStateWriter, createPolicyStore, createReportQueries, createWorkflowViews, migrate, openDurability, openSqlSandbox, openStorage, readDetachedParts, setSpansTtl, writeCallsTo, type LedgerTelemetry, type LedgerWriter, type ResolveReport, type StorageClients } from '../ledger';
import { createNormalizeStage, createNormalizer, defaultMappers } from '../normalize';
import { createAuthenticator, createGatewayCheck, createOwnershipStage, createResolver, emptyRegistry, hashToken, loadRegistryFile, type CompiledRegistry } from '../ownership';
import { createPeriodCalculator, createPolicyEngine, createWebhookSender, registerPolicyRoutes, type PolicyEngine } from '../policy';
import { startExtAuthz } from './ext-authz';
import { createCatalog, createEstimator, createPriceBook, createPricer, createPricingStage, knowsModel, loadOverrides, type PriceBook } from '../pricing';
import { fixed, openReloadable, type Reloadable } from './reloadable-file';
import {
  bindGrpc,
  buildOtlpGrpcServer,
  createAdmission,
  buildOtlpHttpApp,
  createExportCore,
  createResponseEncoder,
  loadOtlpRoot,
  readerLimits,
  shutdownGrpc,
} from '../receiver';
import { createAdminGuard } from './admin-guard';
import { createReadGuard, createWriteGuard, createSessionStore, registerConsoleRoutes } from '../console';
import { registerAdminRoutes } from './admin-routes';
import { buildApiApp } from './api-app';
import { buildIngestChain } from './ingest-chain';
import { closeKeepAliveOnShutdown } from './close-keep-alive';
import { createMetrics, type ServiceMetrics } from './metrics';
import { rateLimited } from './rate-limited-log';
import { logRefusedSenders } from './refused-senders';
import { createReportLane, createWorkflowQueries, parsePeriod, quality, registerReportRoutes, registerWorkflowRoutes } from '../reports';

/** Ports actually bound (differs from the config when it asked for port 0). */
export interface BoundPorts {
  otlpGrpc: number;
  otlpHttp: number;
  api: number;
  /** Envoy ext_authz gRPC, when `policy.extAuthz.grpcPort` is set. */
  extAuthzGrpc?: number;
}

/** A running spanledger. */
export interface Service {
  readonly ports: BoundPorts;
  readonly metrics: ServiceMetrics;
  readonly storage: StorageClients;
  readonly registry: Reloadable<CompiledRegistry>;
  readonly priceBook: Reloadable<PriceBook>;
  readonly policy: PolicyEngine;
  readonly writer: LedgerWriter;
  /** Brings duplicate and retry marks up to date now (it also runs every `ledger.resolveIntervalMs`). */
  resolveMarks(): Promise<ResolveReport>;
  /** Stops receivers, flushes the ledger, closes storage. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Composition root: opens storage and migrates it, wires the ingest chain (`buildIngestChain`),
 * then starts the API and the receivers (storage first, receivers last). If any step
 * fails, what was started is stopped again before the error is rethrown.
 */
export async function startService(cfg: SpanledgerConfig, log: Logger): Promise<Service> {
  const metrics = createMetrics();
  const stack: { part: string; stop: () => Promise<void> }[] = [];
  const onStop = (part: string, stop: () => Promise<void>) => void stack.push({ part, stop });
  const unwind = async () => {
    while (stack.length > 0) {
      const { part, stop } = stack.pop()!;
      const startedMs = Date.now();
      try {
        await stop();
        log.debug({ part, tookMs: Date.now() - startedMs }, 'stopped');
      } catch (err) {
        log.error({ err, part }, 'error while stopping');
      }
    }
  };
  try {
    const storage = await openStorage(cfg.ledger);
    onStop('storage', () => storage.close());
    const schema = { cluster: cfg.ledger.cluster, schema: cfg.ledger.schema };
    const report = await migrate(storage.client, cfg.ledger.database, undefined, schema);
    await setSpansTtl(storage.client, cfg.ledger.database, cfg.ledger.spansTtlDays, schema);
    await createWorkflowViews(storage.client, cfg.ledger.database, { duplicateWinner: cfg.ledger.duplicateWinner, retryWindowS: cfg.ledger.retryWindowS, ...schema });
    const resolver = createMarkResolver(storage.client, cfg.ledger.database);
    const resolveMarks = () => resolver.resolve();
    const resolveWithin = (maxStalenessMs: number) => resolver.resolveWithin(maxStalenessMs);
    const resolveTimer = setInterval(() => void resolveMarks().catch((err: unknown) => log.warn({ err }, 'resolving duplicate and retry marks failed; will retry')), cfg.ledger.resolveIntervalMs);
    resolveTimer.unref();
    onStop('resolver timer', async () => clearInterval(resolveTimer));
    log.info({ storage: storage.mode, database: cfg.ledger.database, schemaVersion: report.current, applied: report.applied }, 'storage ready');
    // A server user may lack access to system tables: the report is then skipped, start goes on.
    const detached = await readDetachedParts(storage.client, cfg.ledger.database).catch((err: unknown) => {
      log.warn({ err }, 'could not read system.detached_parts; detached parts are not reported');
      return [];
    });
    if (detached.length > 0) {
      log.error({ detachedParts: detached }, 'ledger tables have detached parts (broken or unexpected at start, or detached by hand): their rows are not read; see system.detached_parts');
    }

    const reloadEvents = (what: string) => ({
      loaded: (path: string) => log.info({ [what]: path }, `${what} loaded`),
      rejected: (path: string, reason: string) => log.error({ [what]: path, reason }, `${what} change rejected; the previous one stays in force`),
    });
    const registry =
      cfg.ownership.registry === undefined
        ? fixed(emptyRegistry())
        : openReloadable(cfg.ownership.registry, loadRegistryFile, reloadEvents('registry'), cfg.ownership.registryPollMs);
    onStop('registry', async () => registry.close());
    if (cfg.ownership.allowUnauthenticated) {
      log.warn('unauthenticated mode: exports without a known sender token are accepted and their calls left unallocated');
    } else if (registry.current().senderByTokenHash.size === 0) {
      log.warn('no senders in the registry: every OTLP export will be refused (set --registry, or --allow-unauthenticated for a trial)');
    }
    const resolveOwners = createResolver(registry);
    const catalog = createCatalog();
    const bookFrom = (path: string) => {
      const book = createPriceBook(catalog, loadOverrides(path));
      metrics.catalog(book.catalogVersion, book.overrideCount);
      return book;
    };
    const priceBook =
      cfg.pricing.prices === undefined ? fixed(createPriceBook(catalog, [])) : openReloadable(cfg.pricing.prices, bookFrom, reloadEvents('prices'), cfg.pricing.pricesPollMs);
    onStop('price book', async () => priceBook.close());
    metrics.catalog(priceBook.current().catalogVersion, priceBook.current().overrideCount);
    log.info({ catalog: priceBook.current().catalogVersion, overrides: priceBook.current().overrideCount, billing: cfg.pricing.billing }, 'price book ready');
    const priceCalls = createPricer(priceBook, cfg.pricing.billing, metrics.pricing);

    const policyPersistence = createPolicyStateWriter(storage.client, cfg.ledger.database, (err) => log.error({ err }, 'policy state write failed'));
    onStop('policy persistence', () => policyPersistence.close());
    const policyStore = createPolicyStore(storage.client, cfg.ledger.database);
    const policy = createPolicyEngine({
      directory: () => registry.current(),
      hashToken,
      estimate: createEstimator(priceBook),
      store: policyStore,
      persist: policyPersistence,
      deliver: createWebhookSender(cfg.policy, {
        emitted: (event) => log.warn({ event }, 'budget event'),
        delivered: (url, eventId, attempts) => log.info({ url, eventId, attempts }, 'budget event delivered'),
        failed: (url, eventId, attempts, lastError) => log.error({ url, eventId, attempts, lastError }, 'budget event delivery failed'),
      }),
      config: cfg.policy,
      replicaId: cfg.policy.replicaId ?? hostname(),
      onDecision: metrics.decision,
      onReservationEvicted: metrics.reservationEvicted,
      onSettledElsewhere: metrics.reservationsSettledElsewhere,
      onError: (what, err) => log.warn({ err }, what),
    });
    await policy.start();
    onStop('policy', async () => policy.stop());
    const gatewayCheck = createGatewayCheck(registry);
    const extAuthz = startExtAuthz({ cfg, policy, directory: () => registry.current(), gateway: gatewayCheck });

    const { spoolDir, spool, deadLetters, diskGuard } = openDurability(cfg.ledger, storage.mode, (reason) =>
      reason === undefined ? log.info('disk space back above the reserve; exports accepted again') : log.error({ reason }, 'disk space below the reserve; exports refused (503) until it is freed'),
    );
    if (spool !== undefined && spool.bytes > 0) log.warn({ spoolDir, bytes: spool.bytes }, 'spool holds exports from before the last stop; replaying them');
    metrics.spool(() => spool?.bytes ?? 0);
    if (deadLetters !== undefined && deadLetters.count > 0) log.error({ count: deadLetters.count }, 'dead-letter store holds exports storage refused; list them at GET /v1/admin/dead-letters');
    onStop('disk guard', async () => diskGuard.close());
    metrics.durability({
      deadLetters: () => deadLetters?.count ?? 0,
      diskLow: () => diskGuard.lowReason() !== undefined,
      detachedParts: () => readDetachedParts(storage.client, cfg.ledger.database),
    });
    let lastReplayError = '';
    const logReplayFailure = rateLimited(60_000, (suppressed) => log.warn({ error: lastReplayError, failuresSinceLastLog: suppressed }, 'spool replay refused by storage; retrying every second'));
    const ledgerTelemetry: LedgerTelemetry = {
      ...metrics.ledger,
      replayFailed: (err) => {
        metrics.ledger.replayFailed?.(err);
        lastReplayError = err.message;
        logReplayFailure();
      },
      deadLettered: (entry) => {
        metrics.ledger.deadLettered?.(entry);
        log.error({ id: entry.id, reason: entry.reason, spans: entry.spans, calls: entry.calls }, 'a spooled export was refused by storage for good; kept as a dead letter (POST /v1/admin/dead-letters/replay)');
      },
    };
    const writer: LedgerWriter = createLedgerWriter(storage.client, cfg.ledger, ledgerTelemetry, spool, { deadLetters, diskGuard });
    onStop('ledger writer', () => writer.close());
    const normalizer = createNormalizer(defaultMappers(), cfg.normalize);
    const consume = buildIngestChain({
      normalize: createNormalizeStage(normalizer, knowsModel(priceBook), metrics),
      ownership: createOwnershipStage(resolveOwners, { owned: metrics.ownership }),
      pricing: createPricingStage(priceCalls),
      policy,
      ledger: writeCallsTo(writer),
      telemetry: metrics.stages,
    });

    const tls = cfg.tls.certFile && cfg.tls.keyFile ? { cert: readFileSync(cfg.tls.certFile), key: readFileSync(cfg.tls.keyFile) } : undefined;
    const adminGuard = createAdminGuard(cfg.adminToken);
    const sessions = createSessionStore(cfg.console.sessionTtlS * 1000, cfg.console.maxSessions);
    const credentials = { admin: adminGuard, viewer: createAdminGuard(cfg.console.viewerToken), sessions };
    const readGuard = createReadGuard(credentials);
    // The quality gauge is computed when /metrics is scraped, over the current month.
    const reportQueries = createReportQueries(storage.readonly, storage.client, cfg.ledger.database);
    metrics.qualityGauge(async () => (await quality(reportQueries, parsePeriod({}))).unallocated_spend_ratio);
    const sandbox = await openSqlSandbox(storage, cfg.ledger.database, cfg.ledger.sql);
    onStop('sql sessions', () => sandbox.close());
    const api = buildApiApp({
      storage,
      database: cfg.ledger.database,
      sql: { sandbox, maxQueryBytes: cfg.ledger.sql.maxQueryBytes },
      adminGuard,
      readGuard,
      registry: metrics.registry,
      memoryHardLimitMb: cfg.receiver.memoryHardLimitMb,
      notReady: () => diskGuard.lowReason(),
      tls,
      requestTimeoutMs: cfg.requestTimeoutMs,
      log,
      routes: (app) => {
        registerAdminRoutes(app, {
          authorize: createWriteGuard(credentials),
          client: storage.client,
          database: cfg.ledger.database,
          priceBook: () => priceBook.current(),
          billing: cfg.pricing.billing,
          deadLetters: { list: () => deadLetters?.list() ?? [], replay: (ids) => writer.replayDeadLetters(ids) },
        });
        registerConsoleRoutes(app, { sessions, tokens: () => ({ admin: cfg.adminToken, viewer: cfg.console.viewerToken }), sessionTtlS: cfg.console.sessionTtlS, maxStalenessS: cfg.console.maxStalenessS, secure: tls !== undefined });
        registerPolicyRoutes(app, { engine: policy, store: policyStore, gateway: gatewayCheck });
        extAuthz.routes(app);
        const reportLane = createReportLane(cfg.reports);
        registerWorkflowRoutes(app, { queries: createWorkflowQueries(createDrilldownQueries(storage.readonly, cfg.ledger.database)), authorize: readGuard, resolve: resolveWithin, lane: reportLane });
        registerReportRoutes(app, {
          ledger: reportQueries,
          teams: (team) => registry.current().costCenterByTeam.get(team),
          authorize: readGuard,
          tolerancePct: cfg.ledger.reconciliationTolerancePct,
          boundaryHours: cfg.ledger.reconciliationBoundaryHours,
          resolve: resolveWithin,
          lane: reportLane,
          // The console's Budgets page: the registry's budgets, read as the policy reads them.
          budgets: { directory: () => registry.current(), store: policyStore, reservationMaxAgeMs: cfg.policy.reservationTtlMs, bounds: createPeriodCalculator().bounds },
        });
      },
    });
    closeKeepAliveOnShutdown(api, cfg.shutdownGraceMs);
    await api.listen({ host: cfg.host, port: cfg.apiPort });
    onStop('api', () => api.close());
    // Popped before the API closes: its in-flight SQL requests end when their queries do.
    onStop('sql queries', () => sandbox.cancelAll());

    const encoder = createResponseEncoder(loadOtlpRoot());
    const core = createExportCore(
      consume,
      metrics.receiver,
      logRefusedSenders(createAuthenticator(registry, cfg.ownership.allowUnauthenticated), log),
      createAdmission(cfg.receiver),
      readerLimits(cfg.receiver),
      cfg.receiver,
    );
    const receiverOpts = {
      core,
      encoder,
      telemetry: metrics.receiver,
      maxBodyBytes: cfg.receiver.maxBodyBytes,
      tls,
      requestTimeoutMs: cfg.requestTimeoutMs,
      maxConnectionAgeMs: cfg.receiver.grpcMaxConnectionAgeMs,
    };
    const http = buildOtlpHttpApp(receiverOpts);
    closeKeepAliveOnShutdown(http, cfg.shutdownGraceMs);
    await http.listen({ host: cfg.host, port: cfg.receiver.otlpHttpPort });
    onStop('otlp http', () => http.close());
    const grpcServer: grpc.Server = buildOtlpGrpcServer(receiverOpts);
    const grpcPort = await bindGrpc(grpcServer, cfg.host, cfg.receiver.otlpGrpcPort, tls);
    onStop('otlp grpc', () => shutdownGrpc(grpcServer, cfg.shutdownGraceMs));

    const extAuthzGrpc = await extAuthz.listen(cfg.host, cfg.tls);
    if (extAuthzGrpc !== undefined) onStop('ext_authz grpc', () => extAuthz.stop(cfg.shutdownGraceMs));
    const ports: BoundPorts = { otlpGrpc: grpcPort, otlpHttp: portOf(http), api: portOf(api), ...(extAuthzGrpc === undefined ? {} : { extAuthzGrpc }) };
    log.info({ host: cfg.host, ports, tls: tls !== undefined, normalizers: normalizer.order }, 'spanledger listening');
    let stopping: Promise<void> | undefined;
    return {
      ports,
      metrics,
      storage,
      registry,
      priceBook,
      policy,
      resolveMarks,
      writer,
      stop: () => (stopping ??= unwind().then(() => log.info('spanledger stopped'))),
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

function portOf(app: FastifyInstance): number {
  const addr = app.server.address();
  return typeof addr === 'object' && addr !== null ? addr.port : 0;
}
