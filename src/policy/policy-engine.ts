import type { LlmCall } from '../pipeline';
import { parseScaled } from '../pipeline';
import { BudgetEvents } from './budget-events';
import type { PolicyConfig } from './config';
import { decide, type DecisionParts } from './decide';
import { DecisionLog } from './decision-log';
import type { PolicyStore } from './policy-store';
import type { BudgetSpec, EstimateCost, PolicyDirectory } from './ports';
import { RateLimiter } from './rate-limiter';
import { Reservations, type ReleasedReservation } from './reservations';
import { tenantScopeKey, teamScopeKey } from './scope-keys';
import { SpendBook } from './spend-book';
import { resolveTenant, TenantRuntimes } from './tenant-runtime';
import type { Decision, DecideInput, PolicyEvent, PolicyPersistence, SettleQuery } from './types';

/** The policy: decisions from in-memory state that a background refresh keeps in line with ClickHouse. */
export interface PolicyEngine {
  /** Answers at once, never waiting on storage. */
  decide(input: DecideInput, nowMs?: number): Decision;
  /**
   * Releases a reservation by id, or by request id within the named tenant; true if one was
   * open (and, when `gatewayId` is given, opened by that gateway or by none named).
   */
  settle(q: SettleQuery): boolean;
  /**
   * Before storage: tags calls with the decision that let them through (by request id) and
   * with this process's writer stamp. Every call to it must be followed by one `observe` of
   * the same calls, whether or not they were stored: a refresh waits for those in flight.
   */
  annotate(calls: readonly LlmCall[]): void;
  /** After the write: counts the calls' billed cost when `stored`, and settles their reservations. */
  observe(calls: readonly LlmCall[], stored?: boolean): void;
  /** Reloads spend and other replicas' reservations; runs in the background. */
  refresh(nowMs?: number): Promise<void>;
  start(): Promise<void>;
  stop(): void;
}

/** What the engine is built from. */
export interface PolicyEngineOptions {
  directory: () => PolicyDirectory;
  hashToken: (token: string) => string;
  estimate: EstimateCost;
  store: PolicyStore;
  persist: PolicyPersistence;
  deliver: (e: PolicyEvent) => void;
  config: PolicyConfig;
  /** Names this replica's reservation snapshots. */
  replicaId: string;
  /** Told of every decision, for metrics. */
  onDecision?: (decision: Decision['decision'], reason: string) => void;
  /** Told when a reservation is released early because `maxOpenReservations` were open. */
  onReservationEvicted?: () => void;
  /** Told of reservations closed because their calls were stored by another replica. */
  onSettledElsewhere?: (count: number) => void;
  onError: (what: string, err: unknown) => void;
}

/** Builds the engine; call `start` before serving decisions. */
export function createPolicyEngine(opts: PolicyEngineOptions): PolicyEngine {
  const cfg = opts.config;
  const reservations = new Reservations({ replicaId: opts.replicaId, onEvicted: opts.onReservationEvicted });
  const spend = new SpendBook(opts.replicaId);
  const epochs = spend.epochs;
  const tenants = new TenantRuntimes(reservations, cfg.replicas);
  const events = new BudgetEvents((e) => {
    opts.persist.saveEvent(e);
    opts.deliver(e);
  });
  const log = new DecisionLog({ config: cfg, save: (row) => opts.persist.saveDecision(row), onDecision: opts.onDecision });
  const parts: DecisionParts = {
    config: cfg,
    unpricedNanoPerMillionTokens: parseScaled(cfg.unpricedReserveUsdPerMillionTokens, 9),
    hashToken: opts.hashToken,
    estimate: opts.estimate,
    tenants,
    limiter: new RateLimiter(),
    spend,
    reservations,
    events,
    log,
  };
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;

  const snapshot = (nowMs: number) => {
    const rows = reservations.snapshot(nowMs);
    if (rows.length > 0) opts.persist.saveReservations(rows);
  };

  // Adds stored calls' billed cost to their budgets and closes their reservations.
  const count = (calls: readonly LlmCall[]) => {
    const nowMs = Date.now();
    const dir = opts.directory();
    for (const c of calls) {
      const o = c.owner;
      if (c.requestId && o !== undefined) reservations.closeForCall(c.requestId, o.tenant, o.senderKind, o.senderId);
      const billed = c.cost?.billedNanoUsd;
      const tenantId = o?.tenant;
      if (!billed || !tenantId) continue;
      const tenant = dir.tenantById.get(tenantId);
      if (tenant === undefined) continue;
      const atMs = Number(c.span.startTimeUnixNano.slice(0, -6) || '0');
      for (const scope of tenants.of(tenant, dir).scopes) {
        const s = spend.count(scope.key, scope.budget, atMs, billed, c.writer, nowMs);
        if (s !== undefined) events.check(scope, s, nowMs);
      }
    }
  };

  const engine: PolicyEngine = {
    decide(input, nowMs = Date.now()) {
      return decide(parts, opts.directory(), input, nowMs);
    },

    settle(q) {
      let released: ReleasedReservation | undefined;
      if (q.reservationId !== undefined) released = reservations.settleById(q.reservationId, q.gatewayId);
      else if (q.requestId) {
        const tenant = resolveTenant(q, opts.directory(), opts.hashToken);
        if (tenant !== undefined) released = reservations.settleByRequest(tenant.id, q.requestId, q.gatewayId);
      }
      if (released === undefined) return false;
      // Settled before its span arrived: the span still needs the decision.
      if (released.requestId !== '') log.remember(released.tenantId, released.requestId, released.decisionId, released.outcome);
      return true;
    },

    annotate(calls) {
      if (calls.length === 0) return;
      epochs.began();
      const stamp = epochs.stamp;
      for (const c of calls) {
        c.writer = stamp;
        const o = c.owner;
        if (!c.requestId || o === undefined || !o.tenant || o.senderKind === 'anonymous') continue;
        // An open reservation knows its decision for as long as the call may take; the
        // decision log covers calls that reserved nothing, for a bounded while. Both only
        // for the tenant (and gateway) the decision was for.
        const held = reservations.decisionOfCall(c.requestId, o.tenant, o.senderKind, o.senderId);
        if (held !== null) {
          const d = held ?? log.find(o.tenant, c.requestId);
          if (d !== undefined) c.policy = d;
        }
      }
    },

    observe(calls, stored = true) {
      const epoch = calls[0]?.writer?.epoch;
      try {
        if (stored) count(calls);
      } finally {
        if (epoch !== undefined) epochs.ended(epoch);
      }
    },

    refresh(nowMs = Date.now()) {
      refreshing ??= (async () => {
        try {
          reservations.expire(nowMs);
          // Before the spend read, so the two can only overlap the other way: a call counted
          // twice, never a reservation dropped early.
          const closed = await reservations.settleStoredElsewhere(nowMs, cfg.reservationTtlMs, (lookbackMs) => opts.store.requestIdsStoredElsewhere(epochs.writerId, lookbackMs));
          if (closed > 0) opts.onSettledElsewhere?.(closed);
          spend.prune(nowMs);
          snapshot(nowMs);
          const dir = opts.directory();
          await spend.reload(budgetsOf(dir), nowMs, (startMs, endMs, exclude) => opts.store.spend(startMs, endMs, nowMs, exclude));
          // Other replicas' open reservations count against the same budgets.
          reservations.countRemote(await opts.store.reservationSnapshots(nowMs, cfg.reservationTtlMs));
          for (const t of dir.tenantById.values()) {
            for (const scope of tenants.of(t, dir).scopes) events.check(scope, spend.periodOf(scope.key, scope.budget, nowMs), nowMs);
          }
        } catch (err) {
          opts.onError('policy refresh failed; decisions use the last known state', err);
        } finally {
          refreshing = undefined;
        }
      })();
      return refreshing;
    },

    async start() {
      const nowMs = Date.now();
      events.storedBefore(await opts.store.emittedEvents(nowMs));
      reservations.restore(await opts.store.reservationSnapshots(nowMs, cfg.reservationTtlMs));
      await engine.refresh(nowMs);
      timer = setInterval(() => void engine.refresh(), cfg.refreshMs);
      timer.unref();
    },

    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      // Store what is still open so the next start counts it.
      snapshot(Date.now());
    },
  };
  return engine;
}

/** Every budget of the registry, by scope key. */
function* budgetsOf(dir: PolicyDirectory): Generator<[string, BudgetSpec]> {
  for (const t of dir.tenantById.values()) if (t.budget) yield [tenantScopeKey(t.id), t.budget];
  for (const [team, e] of dir.costCenterByTeam) if (e.budget) yield [teamScopeKey(team), e.budget];
}
