import { randomUUID } from 'node:crypto';
import type { LlmCall, WriterStamp } from '../pipeline';
import { formatNanoUsd, parseScaled } from '../pipeline';
import type { PolicyConfig } from './config';
import { compileAllowlist, type ModelCheck } from './model-allowlist';
import { createPeriodCalculator, type PeriodBounds } from './periods';
import type { PolicyStore } from './policy-store';
import type { BudgetSpec, EstimateCost, PolicyDirectory, PolicyTenant } from './ports';
import { RateLimiter } from './rate-limiter';
import { ReservationBook } from './reservation-book';
import type { BudgetState, Decision, DecideInput, PolicyEvent, PolicyEventKind, PolicyPersistence, PolicyReason, ReservationSnapshot, SettleQuery } from './types';

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

interface Spend extends PeriodBounds {
  /** Billed cost in the ledger as of the last refresh's read. */
  base: bigint;
  /** Calls stored before the running refresh's epoch boundary: its read includes them. */
  before: bigint;
  /** Calls stored since: no read has them yet. */
  local: bigint;
  /** Budget events already emitted for this scope and period (`EVENT_FLAG` bits). */
  emitted: number;
}

/** One bit per budget event kind, kept on the scope's spend of the period it belongs to. */
const EVENT_FLAG: Record<PolicyEventKind, number> = { budget_warning: 1, budget_exhausted: 2, budget_exceeded: 4 };
const EVENT_KINDS = Object.keys(EVENT_FLAG) as PolicyEventKind[];
const WARNED_AND_EXCEEDED = EVENT_FLAG.budget_warning | EVENT_FLAG.budget_exceeded;

/** Where a reservation's amount is counted: its tenant, team, and their scope totals. */
interface ReservationOwner {
  tenantId: string;
  team: string;
  tenantAcc: ScopeAcc;
  teamAcc: ScopeAcc;
}

/** One tenant's reservations from before a restart, as its last snapshot summed them. */
interface RestoredReservation extends ReservationOwner {
  amountNano: bigint;
  expiresAtMs: number;
}

const MAX_RESERVATION_NANO = 2n ** 63n - 1n;

/** A reservation's outcome, by the code the book stores. */
const OUTCOMES = ['allow', 'warn'] as const;

/** What is reserved against one budget scope: by this replica's open reservations, and by the other replicas' (their latest snapshots). */
interface ScopeAcc {
  reserved: bigint;
  remote: bigint;
}

const MAX_RECENT = 100_000;
// How far each look for calls stored elsewhere reaches back before the previous look: covers
// a slow query and the gap between this process's clock and storage's.
const SETTLE_OVERLAP_MS = 30_000;
const RESTORED = 'restored:';

/** Builds the engine; call `start` before serving decisions. */
export function createPolicyEngine(opts: PolicyEngineOptions): PolicyEngine {
  const periods = createPeriodCalculator();
  const limiter = new RateLimiter();
  const spend = new Map<string, Spend>();
  const book = new ReservationBook<ReservationOwner>();
  // Restored at start, one per tenant, by a random id `restored:<uuid>` that is never handed
  // out (a guessable id would let any sender release another tenant's hold); they keep
  // their own expiry.
  const restored = new Map<string, RestoredReservation>();
  // Reservation totals per scope key (`tenant|<id>`, `team|<team>`); never removed, so the
  // tenant runtimes below can hold them.
  const accs = new Map<string, ScopeAcc>();
  const accOf = (key: string): ScopeAcc => {
    let a = accs.get(key);
    if (a === undefined) {
      a = { reserved: 0n, remote: 0n };
      accs.set(key, a);
    }
    return a;
  };
  // What the last snapshot said per tenant, so only changes are written.
  const lastSnapshot = new Map<string, string>();
  // Events stored before this start (`scope|subject|periodStartMs|kind`): read when a
  // period's spend is first made; from then on its `emitted` bits say.
  const emittedBefore = new Set<string>();
  const unpricedNanoPerMillionTokens = parseScaled(opts.config.unpricedReserveUsdPerMillionTokens, 9);
  // Decisions by tenant and request id (`tenant NUL request id`), for the ledger rows of the calls they let through. Two
  // generations instead of evicting the oldest one by one: V8 maps leave a hole per deleted
  // entry at the front, and finding the oldest then walks every hole (that alone made a
  // decision several times slower once the map was full).
  let recent = new Map<string, { decisionId: string; outcome: string }>();
  let olderRecent = new Map<string, { decisionId: string; outcome: string }>();
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;

  // Exact refreshes. Every call is stamped with this process (a nonce tells restarts apart)
  // and the epoch it arrived in; a refresh opens a new epoch, waits until the calls of
  // earlier epochs are written, then reads the ledger without this process's calls of the
  // new epoch. Its read therefore holds exactly the calls counted in memory before the
  // boundary, never one counted again in memory after it.
  const writerId = `${opts.replicaId}/${randomUUID().slice(0, 8)}`;
  let stamp: WriterStamp = { writerId, epoch: 1 };
  const inFlight = new Map<number, number>(); // epoch -> exports between annotate and observe
  let drainWaiter: { boundary: number; resolve: () => void } | undefined;
  const drainedBefore = (boundary: number): boolean => {
    for (const [epoch, n] of inFlight) if (epoch < boundary && n > 0) return false;
    return true;
  };
  const writeEnded = (epoch: number) => {
    const n = (inFlight.get(epoch) ?? 1) - 1;
    if (n <= 0) inFlight.delete(epoch);
    else inFlight.set(epoch, n);
    if (drainWaiter !== undefined && drainedBefore(drainWaiter.boundary)) {
      drainWaiter.resolve();
      drainWaiter = undefined;
    }
  };

  // What a decision needs about a tenant, worked out once per registry load (tenant objects
  // are new in each load): one lookup per decision instead of one per part, which measured
  // several microseconds per decision once the server's other work had cooled the caches.
  type Scope = {
    key: string; scope: 'tenant' | 'team'; subject: string; budget: BudgetSpec; limit: bigint; warnAt: bigint; acc: ScopeAcc;
    /** The scope's spend in the period of the last decision (checked against the clock before use). */
    spend: Spend | undefined;
  };
  type TenantRuntime = ReservationOwner & {
    dir: PolicyDirectory; scopes: Scope[]; allowed: ModelCheck; rate: PolicyTenant['rateLimits'];
  };
  const runtimes = new WeakMap<PolicyTenant, TenantRuntime>();
  const runtimeOf = (tenant: PolicyTenant, dir: PolicyDirectory): TenantRuntime => {
    const cached = runtimes.get(tenant);
    if (cached !== undefined && cached.dir === dir) return cached;
    const scope = (key: string, kind: 'tenant' | 'team', subject: string, budget: BudgetSpec): Scope => {
      const limit = parseScaled(budget.amount, 9);
      const warnAt = (limit * BigInt(Math.round(budget.warnAtPercent * 1000))) / 100_000n;
      return { key, scope: kind, subject, budget, limit, warnAt, acc: accOf(key), spend: undefined };
    };
    const scopes: Scope[] = [];
    const tenantKey = `tenant|${tenant.id}`;
    const teamKey = `team|${tenant.team}`;
    if (tenant.budget) scopes.push(scope(tenantKey, 'tenant', tenant.id, tenant.budget));
    const teamBudget = dir.costCenterByTeam.get(tenant.team)?.budget;
    if (teamBudget) scopes.push(scope(teamKey, 'team', tenant.team, teamBudget));
    const rt: TenantRuntime = {
      tenantId: tenant.id,
      team: tenant.team,
      dir,
      scopes,
      allowed: compileAllowlist(tenant.allowedModels, dir.modelGroups),
      rate: tenant.rateLimits === undefined ? undefined : perReplica(tenant.rateLimits, opts.config.replicas),
      tenantAcc: accOf(tenantKey),
      teamAcc: accOf(teamKey),
    };
    runtimes.set(tenant, rt);
    return rt;
  };
  const scopesOf = (tenant: PolicyTenant, dir: PolicyDirectory): Scope[] => runtimeOf(tenant, dir).scopes;

  // Spend per scope and period; `current` remembers each scope's latest period for the
  // common case (a decision in the same period as the last one) without date arithmetic.
  const current = new Map<string, Spend>();
  let lastSettleLookMs = Date.now();

  // A call's span may reach a replica other than the one that reserved for it (a gateway's
  // decisions and an SDK's spans go through different load balancers). That replica
  // stores the call without knowing the reservation; here the one holding it finds the
  // call by request id, or the call's cost and its reservation would both count until
  // the reservation expired. Looked up before the spend read, so the two can only
  // overlap the other way: a call counted twice, never a reservation dropped early.
  const settleStoredElsewhere = async (nowMs: number) => {
    const lookbackMs = Math.min(opts.config.reservationTtlMs, nowMs - lastSettleLookMs) + SETTLE_OVERLAP_MS;
    if (book.size === 0) {
      lastSettleLookMs = nowMs;
      return;
    }
    const stored = await opts.store.requestIdsStoredElsewhere(writerId, lookbackMs);
    lastSettleLookMs = nowMs;
    let closed = 0;
    for (const c of stored) {
      const seq = reservationOfCall(c.requestId, c.tenant, c.senderKind, c.senderId);
      if (seq >= 0 && dropReservation(seq)) closed++;
    }
    if (closed > 0) opts.onSettledElsewhere?.(closed);
  };

  const spendOf = (key: string, budget: BudgetSpec, nowMs: number): Spend => {
    const c = current.get(key);
    if (c !== undefined && nowMs >= c.startMs && nowMs < c.endMs) return c;
    const bounds = periods.bounds(budget.period, budget.timeZone, nowMs);
    const periodKey = `${key}|${bounds.startMs}`;
    let s = spend.get(periodKey);
    if (s === undefined) {
      // A period starts from zero until the next refresh fills in what the ledger has.
      s = { ...bounds, base: 0n, before: 0n, local: 0n, emitted: 0 };
      if (emittedBefore.size > 0) for (const kind of EVENT_KINDS) if (emittedBefore.has(`${periodKey}|${kind}`)) s.emitted |= EVENT_FLAG[kind];
      spend.set(periodKey, s);
    }
    current.set(key, s);
    return s;
  };

  // Per tenant with open reservations: how many, and the latest expiry, kept as they open
  // and close so a snapshot costs the number of tenants, not the number of reservations (a
  // busy gateway holds hundreds of thousands). Their sum is the tenant's `acc.reserved`.
  const openByTenant = new Map<string, { team: string; acc: ScopeAcc; count: number; expires: number }>();

  const reserve = (o: ReservationOwner, amountNano: bigint, expiresAtMs: number) => {
    o.tenantAcc.reserved += amountNano;
    o.teamAcc.reserved += amountNano;
    const t = openByTenant.get(o.tenantId);
    if (t === undefined) openByTenant.set(o.tenantId, { team: o.team, acc: o.tenantAcc, count: 1, expires: expiresAtMs });
    else {
      t.count++;
      if (expiresAtMs > t.expires) t.expires = expiresAtMs;
    }
  };

  const unreserve = (o: ReservationOwner, amountNano: bigint) => {
    o.tenantAcc.reserved -= amountNano;
    o.teamAcc.reserved -= amountNano;
    const t = openByTenant.get(o.tenantId)!;
    // The snapshot's expiry stays the latest ever opened while any is open: an upper bound
    // that other replicas only use to forget a snapshot nobody renews.
    if (--t.count === 0) openByTenant.delete(o.tenantId);
  };

  /** Closes a reservation of the book; false if it was not open. */
  const dropReservation = (seq: number): boolean => {
    if (!book.isOpen(seq)) return false;
    const owner = book.ownerOf(seq);
    const amountNano = book.amountOf(seq);
    book.close(seq);
    unreserve(owner, amountNano);
    return true;
  };

  const dropRestored = (id: string): boolean => {
    const r = restored.get(id);
    if (r === undefined) return false;
    restored.delete(id);
    unreserve(r, r.amountNano);
    return true;
  };

  const evictOldest = () => {
    const seq = book.oldest();
    if (seq < 0) return;
    dropReservation(seq);
    opts.onReservationEvicted?.();
  };

  const expire = (nowMs: number) => {
    for (const seq of book.expired(nowMs)) dropReservation(seq);
    for (const [id, r] of restored) if (r.expiresAtMs <= nowMs) dropRestored(id);
  };

  const stateOf = (scope: Scope, nowMs: number): BudgetState => {
    let s = scope.spend;
    if (s === undefined || nowMs < s.startMs || nowMs >= s.endMs) {
      s = spendOf(scope.key, scope.budget, nowMs);
      scope.spend = s;
    }
    return stateFrom(scope, s);
  };

  const stateFrom = (scope: Scope, s: Spend): BudgetState => ({
    scope: scope.scope,
    subject: scope.subject,
    limitNano: scope.limit,
    warnAtNano: scope.warnAt,
    spentNano: s.base + s.before + s.local,
    reservedNano: scope.acc.reserved + scope.acc.remote,
    currency: scope.budget.currency,
    period: scope.budget.period,
    periodStartMs: s.startMs,
    periodEndMs: s.endMs,
    warnAtPercent: scope.budget.warnAtPercent,
  });

  /** Stores, delivers and marks one budget event of `scope` in the period of `s`; the caller checked it is new. */
  const emit = (scope: Scope, s: Spend, kind: PolicyEventKind, nowMs: number, estimate = 0n) => {
    s.emitted |= EVENT_FLAG[kind];
    const b = stateFrom(scope, s);
    const event: PolicyEvent = {
      eventId: randomUUID(), createdAtMs: nowMs, kind, scope: b.scope, subject: b.subject,
      periodStartMs: b.periodStartMs, periodEndMs: b.periodEndMs, limitNano: b.limitNano, spentNano: b.spentNano,
      reservedNano: b.reservedNano, currency: b.currency, message: budgetMessage(b, kind, estimate),
    };
    opts.persist.saveEvent(event);
    opts.deliver(event);
  };

  // The two events that follow from the figures alone: the warning on spend plus
  // reservations, `budget_exceeded` on settled spend only (reservations that cross and are
  // released again never stand in for it). Allocates nothing unless one fires.
  const checkThresholds = (scope: Scope, s: Spend, nowMs: number) => {
    if ((s.emitted & WARNED_AND_EXCEEDED) === WARNED_AND_EXCEEDED) return;
    const spent = s.base + s.before + s.local;
    if ((s.emitted & EVENT_FLAG.budget_warning) === 0 && spent + scope.acc.reserved + scope.acc.remote >= scope.warnAt) emit(scope, s, 'budget_warning', nowMs);
    if ((s.emitted & EVENT_FLAG.budget_exceeded) === 0 && spent >= scope.limit) emit(scope, s, 'budget_exceeded', nowMs);
  };

  /**
   * The open reservation a stored call closes: the one its resolved tenant opened under its
   * request id, and for a gateway's span only one that gateway opened (or that named none).
   * Unauthenticated senders close none.
   */
  const reservationOfCall = (requestId: string, tenant: string, senderKind: string, senderId: string): number => {
    if (!requestId || !tenant || senderKind === 'anonymous') return -1;
    const seq = book.findByRequest(tenant, requestId);
    if (seq < 0 || senderKind !== 'gateway') return seq;
    const gateway = book.gatewayOf(seq);
    return gateway === '' || gateway === senderId ? seq : -1;
  };

  const resolveTenant = (input: Pick<DecideInput, 'tenantId' | 'tenantToken' | 'tenantTokenSha256'>, dir: PolicyDirectory): PolicyTenant | undefined => {
    if (input.tenantId) return dir.tenantById.get(input.tenantId);
    if (input.tenantToken) return dir.tenantByTokenHash.get(opts.hashToken(input.tenantToken));
    if (input.tenantTokenSha256) {
      const h = input.tenantTokenSha256.toLowerCase();
      return dir.tenantByTokenHash.get(h.startsWith('sha256:') ? h : `sha256:${h}`);
    }
    return undefined;
  };

  const remember = (tenant: string, requestId: string, decisionId: string, outcome: string) => {
    if (recent.size >= MAX_RECENT / 2) {
      olderRecent = recent;
      recent = new Map();
    }
    recent.set(`${tenant}\u0000${requestId}`, { decisionId, outcome });
  };

  const record = (d: Decision, input: DecideInput, provider: string, model: string, nowMs: number): Decision => {
    opts.onDecision?.(d.decision, d.reason ?? '');
    // A decision that reserved is remembered by its reservation (see annotate).
    if (input.requestId && d.tenant && d.decision !== 'deny' && d.reservation === undefined) remember(d.tenant, input.requestId, d.decisionId, d.decision);
    const mode = opts.config.recordDecisions;
    if (mode === 'all' || (mode === 'warn_deny' && d.decision !== 'allow') || (mode === 'sampled' && (d.decision !== 'allow' || Math.random() < opts.config.decisionSampleRate))) {
      opts.persist.saveDecision({
        decisionId: d.decisionId, createdAtMs: nowMs, tenant: d.tenant ?? '', requestId: input.requestId ?? '',
        provider, model, outcome: d.decision, reason: d.reason ?? '', reservedNano: d.reservation?.amountNano ?? 0n,
      });
    }
    return d;
  };

  /** Writes this replica's open reservations per tenant where they changed since the last snapshot. */
  const snapshot = (nowMs: number) => {
    const rows: ReservationSnapshot[] = [];
    for (const [tenant, t] of openByTenant) {
      const sig = `${t.count}|${t.acc.reserved}|${t.expires}`;
      if (lastSnapshot.get(tenant) === sig) continue;
      lastSnapshot.set(tenant, sig);
      rows.push({ replicaId: opts.replicaId, tenant, team: t.team, openCount: t.count, reservedNano: t.acc.reserved, expiresAtMs: t.expires, updatedAtMs: nowMs });
    }
    for (const [tenant, sig] of lastSnapshot) {
      if (openByTenant.has(tenant) || sig === '0|0|0') continue;
      lastSnapshot.set(tenant, '0|0|0');
      rows.push({ replicaId: opts.replicaId, tenant, team: '', openCount: 0, reservedNano: 0n, expiresAtMs: nowMs, updatedAtMs: nowMs });
    }
    if (rows.length > 0) opts.persist.saveReservations(rows);
  };

  // Adds stored calls' billed cost to their budgets and closes their reservations. A call
  // from before the running refresh's boundary is in that refresh's read, so it goes to
  // `before`, which the read replaces.
  const count = (calls: readonly LlmCall[]) => {
    const nowMs = Date.now();
    const dir = opts.directory();
    for (const c of calls) {
      const tenantId = c.owner?.tenant;
      if (c.requestId && c.owner !== undefined) {
        const seq = reservationOfCall(c.requestId, c.owner.tenant, c.owner.senderKind, c.owner.senderId);
        if (seq >= 0) dropReservation(seq);
      }
      const billed = c.cost?.billedNanoUsd;
      if (!billed || !tenantId) continue;
      const tenant = dir.tenantById.get(tenantId);
      if (tenant === undefined) continue;
      const atMs = Number(c.span.startTimeUnixNano.slice(0, -6) || '0');
      const early = c.writer !== undefined && c.writer.epoch < stamp.epoch;
      for (const scope of scopesOf(tenant, dir)) {
        const s = spendOf(scope.key, scope.budget, nowMs);
        if (atMs < s.startMs || atMs >= s.endMs) continue;
        if (early) s.before += billed;
        else s.local += billed;
        checkThresholds(scope, s, nowMs);
      }
    }
  };

  const engine: PolicyEngine = {
    decide(input, nowMs = Date.now()) {
      const dir = opts.directory();
      let provider = input.provider ?? '';
      let model = input.model ?? '';
      if (!provider && model.includes('/')) [provider, model] = [model.slice(0, model.indexOf('/')), model.slice(model.indexOf('/') + 1)];
      const deny = (reason: PolicyReason, message: string, extra: Partial<Decision> = {}): Decision =>
        record({ decisionId: randomUUID(), decision: 'deny', reason, message, budgets: [], ...extra }, input, provider, model, nowMs);

      if (!model || (!input.tenantId && !input.tenantToken && !input.tenantTokenSha256)) {
        return deny('missing_metadata', 'no metadata, no call: send the tenant (tenant_token, tenant_token_sha256 or tenant_id) and the model');
      }
      const tenant = resolveTenant(input, dir);
      if (tenant === undefined) return deny('unknown_tenant', 'the tenant is not in the registry: this call has no owner');
      const rt = runtimeOf(tenant, dir);
      if (!rt.allowed(provider, model)) {
        return deny('model_not_allowed', `tenant ${tenant.id} may not use ${provider ? `${provider}/` : ''}${model}; allowed: ${(tenant.allowedModels ?? []).join(', ') || 'none'}`, { tenant: tenant.id });
      }
      const tokens = (input.estimatedInputTokens ?? 0) + (input.maxTokens ?? 0);
      const rate = limiter.check(tenant.id, rt.rate, tokens, nowMs);
      if (!rate.allowed) {
        return deny('rate_limited', `tenant ${tenant.id} is over its ${rate.limit === 'tokens_per_minute' ? 'tokens' : 'requests'} per minute limit; retry in ${rate.retryAfterS} s`, { tenant: tenant.id, retryAfterS: rate.retryAfterS });
      }
      let priced = 0n;
      if (input.reserve && tokens > 0) {
        const p = opts.estimate({ provider, model, inputTokens: input.estimatedInputTokens ?? 0, outputTokens: input.maxTokens ?? 0, atMs: nowMs });
        if (p !== undefined) priced = p;
        else if (rt.scopes.length > 0) {
          // Nothing prices the model: holding nothing would let any number of tokens through.
          if (opts.config.unpricedModels === 'deny') {
            return deny('model_unpriced', `${provider ? `${provider}/` : ''}${model} has no price, so the most this call may cost cannot be held against the budgets of tenant ${tenant.id}; add a price override for it, or set policy.unpricedModels to reserve`, {
              tenant: tenant.id, budgets: rt.scopes.map((s) => stateOf(s, nowMs)),
            });
          }
          priced = (BigInt(tokens) * unpricedNanoPerMillionTokens + 999_999n) / 1_000_000n;
        }
      }
      // The book keeps amounts as int64 nano-USD ($9.2 billion). Any budget denies more than
      // that anyway; without a budget, a reservation only has to stay countable.
      const estimate = priced > MAX_RESERVATION_NANO ? MAX_RESERVATION_NANO : priced;
      // Make room first, so the budgets below count what stays open.
      if (estimate > 0n && book.size + restored.size >= opts.config.maxOpenReservations) evictOldest();
      const budgets = rt.scopes.map((s) => stateOf(s, nowMs));
      let decision: Decision['decision'] = 'allow';
      let reason: PolicyReason | undefined;
      let message: string | undefined;
      for (let i = 0; i < budgets.length; i++) {
        const b = budgets[i]!;
        const used = b.spentNano + b.reservedNano;
        if (used >= b.limitNano || used + estimate > b.limitNano) {
          const scope = rt.scopes[i]!;
          const s = scope.spend!;
          if ((s.emitted & EVENT_FLAG.budget_exhausted) === 0) emit(scope, s, 'budget_exhausted', nowMs, estimate);
          checkThresholds(scope, s, nowMs);
          return deny('budget_exceeded', budgetMessage(b, 'budget_exceeded', estimate), {
            tenant: tenant.id, budgets, retryAfterS: Math.max(1, Math.ceil((b.periodEndMs - nowMs) / 1000)),
          });
        }
        if (used + estimate >= b.warnAtNano && decision === 'allow') {
          decision = 'warn';
          reason = 'budget_warning';
          message = budgetMessage(b, 'budget_warning', estimate);
        }
      }
      let reservation: Decision['reservation'];
      let decisionId: string;
      if (estimate > 0n) {
        const expiresAtMs = nowMs + opts.config.reservationTtlMs;
        const requestId = input.requestId ?? '';
        // The same call asked again (a retried decide): the new reservation replaces the old.
        if (requestId !== '') {
          const old = book.findByRequest(tenant.id, requestId);
          if (old >= 0) {
            const oldNano = book.amountOf(old);
            dropReservation(old);
            for (const b of budgets) b.reservedNano -= oldNano;
          }
        }
        const seq = book.open(rt, estimate, expiresAtMs, decision === 'warn' ? 1 : 0, tenant.id, requestId, input.gatewayId ?? '');
        reserve(rt, estimate, expiresAtMs);
        // One id for a decision and the reservation it opens.
        decisionId = book.idOf(seq);
        reservation = { id: decisionId, amountNano: estimate, expiresAtMs };
        for (const b of budgets) b.reservedNano += estimate;
      } else decisionId = randomUUID();
      for (const scope of rt.scopes) checkThresholds(scope, scope.spend!, nowMs);
      return record({ decisionId, decision, reason, message, tenant: tenant.id, budgets, reservation }, input, provider, model, nowMs);
    },

    settle(q) {
      if (q.reservationId !== undefined && restored.has(q.reservationId)) return dropRestored(q.reservationId);
      let seq = -1;
      if (q.reservationId !== undefined) seq = book.find(q.reservationId);
      else if (q.requestId) {
        const tenant = resolveTenant(q, opts.directory());
        if (tenant !== undefined) seq = book.findByRequest(tenant.id, q.requestId);
      }
      if (seq < 0) return false;
      const gateway = book.gatewayOf(seq);
      if (q.gatewayId !== undefined && gateway !== '' && gateway !== q.gatewayId) return false;
      // Settled before its span arrived: the span still needs the decision.
      const requestId = book.requestOf(seq);
      if (requestId !== '') remember(book.ownerOf(seq).tenantId, requestId, book.idOf(seq), OUTCOMES[book.outcomeOf(seq)]!);
      return dropReservation(seq);
    },

    annotate(calls) {
      if (calls.length === 0) return;
      inFlight.set(stamp.epoch, (inFlight.get(stamp.epoch) ?? 0) + 1);
      for (const c of calls) {
        c.writer = stamp;
        const o = c.owner;
        if (!c.requestId || o === undefined || !o.tenant || o.senderKind === 'anonymous') continue;
        // An open reservation knows its decision for as long as the call may take; the
        // recent-decisions maps cover calls that reserved nothing, for a bounded while.
        // Both only for the tenant (and gateway) the decision was for.
        const seq = reservationOfCall(c.requestId, o.tenant, o.senderKind, o.senderId);
        if (seq >= 0) c.policy = { decisionId: book.idOf(seq), outcome: OUTCOMES[book.outcomeOf(seq)]! };
        else if (book.findByRequest(o.tenant, c.requestId) < 0) {
          const key = `${o.tenant}\u0000${c.requestId}`;
          const d = recent.get(key) ?? olderRecent.get(key);
          if (d !== undefined) c.policy = d;
        }
      }
    },

    observe(calls, stored = true) {
      const epoch = calls[0]?.writer?.epoch;
      try {
        if (stored) count(calls);
      } finally {
        if (epoch !== undefined) writeEnded(epoch);
      }
    },

    refresh(nowMs = Date.now()) {
      refreshing ??= (async () => {
        try {
          expire(nowMs);
          await settleStoredElsewhere(nowMs);
          for (const [k, s] of spend) if (s.endMs < nowMs - 86_400_000) spend.delete(k);
          snapshot(nowMs);
          const dir = opts.directory();
          const groups = new Map<string, { bounds: PeriodBounds; keys: Map<string, BudgetSpec> }>();
          const add = (key: string, budget: BudgetSpec) => {
            const bounds = spendOf(key, budget, nowMs);
            const g = `${bounds.startMs}|${bounds.endMs}`;
            if (!groups.has(g)) groups.set(g, { bounds: { startMs: bounds.startMs, endMs: bounds.endMs }, keys: new Map() });
            groups.get(g)!.keys.set(key, budget);
          };
          for (const t of dir.tenantById.values()) if (t.budget) add(`tenant|${t.id}`, t.budget);
          for (const [team, e] of dir.costCenterByTeam) if (e.budget) add(`team|${team}`, e.budget);
          // Open the next epoch: what is counted in memory so far belongs to this read.
          stamp = { writerId, epoch: stamp.epoch + 1 };
          const boundary = stamp.epoch;
          for (const s of spend.values()) {
            s.before += s.local;
            s.local = 0n;
          }
          if (!drainedBefore(boundary)) await new Promise<void>((resolve) => (drainWaiter = { boundary, resolve }));
          for (const { bounds, keys } of groups.values()) {
            const rows = await opts.store.spend(bounds.startMs, bounds.endMs, nowMs, { writerId, fromEpoch: boundary });
            const totals = new Map<string, bigint>();
            for (const r of rows) {
              totals.set(`tenant|${r.tenant}`, (totals.get(`tenant|${r.tenant}`) ?? 0n) + BigInt(r.nano));
              totals.set(`team|${r.team}`, (totals.get(`team|${r.team}`) ?? 0n) + BigInt(r.nano));
            }
            for (const [key, budget] of keys) {
              const s = spendOf(key, budget, nowMs);
              s.base = totals.get(key) ?? 0n;
              s.before = 0n;
            }
          }
          // Other replicas' open reservations count against the same budgets (replaced in
          // one synchronous pass, so no decision sees a half-updated total).
          const snapshots = await opts.store.reservationSnapshots(nowMs, opts.config.reservationTtlMs);
          for (const a of accs.values()) a.remote = 0n;
          for (const r of snapshots) {
            if (r.replicaId === opts.replicaId) continue;
            accOf(`tenant|${r.tenant}`).remote += r.reservedNano;
            accOf(`team|${r.team}`).remote += r.reservedNano;
          }
          for (const t of dir.tenantById.values()) {
            for (const scope of scopesOf(t, dir)) checkThresholds(scope, spendOf(scope.key, scope.budget, nowMs), nowMs);
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
      for (const k of await opts.store.emittedEvents(nowMs)) emittedBefore.add(k);
      // This replica's reservations from before a restart come back as one per tenant,
      // held until the last of them would have expired.
      for (const r of await opts.store.reservationSnapshots(nowMs, opts.config.reservationTtlMs)) {
        if (r.replicaId !== opts.replicaId) continue;
        const owner: RestoredReservation = {
          tenantId: r.tenant, team: r.team, tenantAcc: accOf(`tenant|${r.tenant}`), teamAcc: accOf(`team|${r.team}`),
          amountNano: r.reservedNano, expiresAtMs: r.expiresAtMs,
        };
        restored.set(`${RESTORED}${randomUUID()}`, owner);
        reserve(owner, r.reservedNano, r.expiresAtMs);
        lastSnapshot.set(r.tenant, `${r.openCount}|${r.reservedNano}|${r.expiresAtMs}`);
      }
      await engine.refresh(nowMs);
      timer = setInterval(() => void engine.refresh(), opts.config.refreshMs);
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

function perReplica(limits: NonNullable<PolicyTenant['rateLimits']>, replicas: number): NonNullable<PolicyTenant['rateLimits']> {
  const share = (n: number | undefined) => (n === undefined ? undefined : Math.max(1, Math.floor(n / replicas)));
  return { requestsPerMinute: share(limits.requestsPerMinute), tokensPerMinute: share(limits.tokensPerMinute) };
}

/** Human figures for messages: "$10.00". */
export function usd(nano: bigint): string {
  return `$${decimalUsd(nano)}`;
}

/** Dollars as a decimal with at least two places and no trailing zeros beyond them: "10.00", "0.001". */
export function decimalUsd(nano: bigint): string {
  const s = formatNanoUsd(nano);
  // formatNanoUsd always writes nine decimals; every decision renders several of these,
  // so the zeros are trimmed by hand rather than by a regular expression.
  const keep = s.length - 7;
  let end = s.length;
  while (end > keep && s.charCodeAt(end - 1) === 48) end--;
  return s.slice(0, end);
}

function budgetMessage(b: BudgetState, kind: PolicyEventKind, estimate = 0n): string {
  const remaining = b.limitNano - b.spentNano - b.reservedNano;
  const period = `${b.period === 'month' ? 'monthly' : b.period === 'week' ? 'weekly' : 'daily'} budget`;
  const head = kind === 'budget_exceeded' ? 'Budget exceeded' : kind === 'budget_exhausted' ? 'Budget exhausted' : 'Budget warning';
  const estimateText = estimate > 0n ? `, this call up to ${usd(estimate)}` : '';
  return `${head} for ${b.scope} ${b.subject}: ${period} ${usd(b.limitNano)} ${b.currency}, spent ${usd(b.spentNano)}, reserved ${usd(b.reservedNano)}, remaining ${usd(remaining > 0n ? remaining : 0n)}${estimateText}; period ${new Date(b.periodStartMs).toISOString()} to ${new Date(b.periodEndMs).toISOString()}, resets ${new Date(b.periodEndMs).toISOString()}`;
}
