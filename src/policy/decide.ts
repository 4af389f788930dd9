import { randomUUID } from 'node:crypto';
import type { BudgetEvents } from './budget-events';
import { budgetMessage } from './budget-message';
import { budgetVerdict, cappedReserveNano, unpricedReserveNano } from './budget-verdict';
import type { PolicyConfig } from './config';
import type { DecisionLog } from './decision-log';
import type { EstimateCost, PolicyDirectory } from './ports';
import type { RateLimiter } from './rate-limiter';
import type { Reservations } from './reservations';
import type { SpendBook } from './spend-book';
import { resolveTenant, type TenantRuntimes } from './tenant-runtime';
import type { Decision, DecideInput, PolicyReason } from './types';

/** The parts a decision reads and acts on; the engine composes them. */
export interface DecisionParts {
  config: Pick<PolicyConfig, 'unpricedModels' | 'reservationTtlMs' | 'maxOpenReservations'>;
  /** `policy.unpricedReserveUsdPerMillionTokens`, in nano-USD. */
  unpricedNanoPerMillionTokens: bigint;
  hashToken: (token: string) => string;
  estimate: EstimateCost;
  tenants: TenantRuntimes;
  limiter: RateLimiter;
  spend: SpendBook;
  reservations: Reservations;
  events: BudgetEvents;
  log: DecisionLog;
}

/**
 * One decision, from memory only: metadata, tenant, allowed model, rate limits, then the
 * call's most (when asked to reserve) against each budget. An allowed call that may cost
 * something opens a reservation (replacing one of the same tenant and request id); a denial
 * for a budget emits `budget_exhausted`. Every decision goes to the log.
 */
export function decide(p: DecisionParts, dir: PolicyDirectory, input: DecideInput, nowMs: number): Decision {
  let provider = input.provider ?? '';
  let model = input.model ?? '';
  if (!provider && model.includes('/')) [provider, model] = [model.slice(0, model.indexOf('/')), model.slice(model.indexOf('/') + 1)];
  const deny = (reason: PolicyReason, message: string, extra: Partial<Decision> = {}): Decision =>
    p.log.record({ decisionId: randomUUID(), decision: 'deny', reason, message, budgets: [], ...extra }, input.requestId, provider, model, nowMs);

  if (!model || (!input.tenantId && !input.tenantToken && !input.tenantTokenSha256)) {
    return deny('missing_metadata', 'no metadata, no call: send the tenant (tenant_token, tenant_token_sha256 or tenant_id) and the model');
  }
  const tenant = resolveTenant(input, dir, p.hashToken);
  if (tenant === undefined) return deny('unknown_tenant', 'the tenant is not in the registry: this call has no owner');
  const rt = p.tenants.of(tenant, dir);
  if (!rt.allowed(provider, model)) {
    return deny('model_not_allowed', `tenant ${tenant.id} may not use ${provider ? `${provider}/` : ''}${model}; allowed: ${(tenant.allowedModels ?? []).join(', ') || 'none'}`, { tenant: tenant.id });
  }
  const tokens = (input.estimatedInputTokens ?? 0) + (input.maxTokens ?? 0);
  const rate = p.limiter.check(tenant.id, rt.rate, tokens, nowMs);
  if (!rate.allowed) {
    return deny('rate_limited', `tenant ${tenant.id} is over its ${rate.limit === 'tokens_per_minute' ? 'tokens' : 'requests'} per minute limit; retry in ${rate.retryAfterS} s`, { tenant: tenant.id, retryAfterS: rate.retryAfterS });
  }
  const scopes = rt.scopes;
  let priced = 0n;
  if (input.reserve && tokens > 0) {
    const est = p.estimate({ provider, model, inputTokens: input.estimatedInputTokens ?? 0, outputTokens: input.maxTokens ?? 0, atMs: nowMs });
    if (est !== undefined) priced = est;
    else if (scopes.length > 0) {
      // Nothing prices the model: holding nothing would let any number of tokens through.
      if (p.config.unpricedModels === 'deny') {
        return deny('model_unpriced', `${provider ? `${provider}/` : ''}${model} has no price, so the most this call may cost cannot be held against the budgets of tenant ${tenant.id}; add a price override for it, or set policy.unpricedModels to reserve`, {
          tenant: tenant.id, budgets: scopes.map((s) => s.stateIn(s.periodAt(nowMs, p.spend))),
        });
      }
      priced = unpricedReserveNano(tokens, p.unpricedNanoPerMillionTokens);
    }
  }
  const estimate = cappedReserveNano(priced);
  // Make room first, so the budgets below count what stays open.
  if (estimate > 0n) p.reservations.makeRoom(p.config.maxOpenReservations);
  const budgets = scopes.map((s) => s.stateIn(s.periodAt(nowMs, p.spend)));
  const verdict = budgetVerdict(budgets, estimate);
  if (verdict.deniedBy >= 0) {
    const b = budgets[verdict.deniedBy]!;
    const scope = scopes[verdict.deniedBy]!;
    const period = scope.periodAt(nowMs, p.spend);
    p.events.exhausted(scope, period, nowMs, estimate);
    p.events.check(scope, period, nowMs);
    return deny('budget_exceeded', budgetMessage(b, 'budget_exceeded', estimate), {
      tenant: tenant.id, budgets, retryAfterS: Math.max(1, Math.ceil((b.periodEndMs - nowMs) / 1000)),
    });
  }
  const warned = verdict.warnedBy >= 0;
  // Stated with the figures the verdict saw, before this call's reservation moves them.
  const warning = warned ? budgetMessage(budgets[verdict.warnedBy]!, 'budget_warning', estimate) : undefined;
  let reservation: Decision['reservation'];
  let decisionId: string;
  if (estimate > 0n) {
    const expiresAtMs = nowMs + p.config.reservationTtlMs;
    const requestId = input.requestId ?? '';
    // The same call asked again (a retried decide): the new reservation replaces the old.
    if (requestId !== '') {
      const oldNano = p.reservations.releaseRequest(tenant.id, requestId);
      if (oldNano > 0n) for (const b of budgets) b.reservedNano -= oldNano;
    }
    // One id for a decision and the reservation it opens.
    decisionId = p.reservations.open(rt.owner, estimate, expiresAtMs, warned ? 'warn' : 'allow', requestId, input.gatewayId ?? '');
    reservation = { id: decisionId, amountNano: estimate, expiresAtMs };
    for (const b of budgets) b.reservedNano += estimate;
  } else decisionId = randomUUID();
  for (const scope of scopes) p.events.check(scope, scope.periodAt(nowMs, p.spend), nowMs);
  const d: Decision = { decisionId, decision: warned ? 'warn' : 'allow', reason: warned ? 'budget_warning' : undefined, message: warning, tenant: tenant.id, budgets, reservation };
  return p.log.record(d, input.requestId, provider, model, nowMs);
}
