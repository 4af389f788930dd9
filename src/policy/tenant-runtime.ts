import { BudgetScope } from './budget-scope';
import { compileAllowlist, type ModelCheck } from './model-allowlist';
import type { PolicyDirectory, PolicyTenant } from './ports';
import type { ReservationOwner, Reservations } from './reservations';
import { tenantScopeKey, teamScopeKey } from './scope-keys';
import type { DecideInput } from './types';

/** What a decision needs about one tenant of one registry load. */
export interface TenantRuntime {
  readonly tenant: PolicyTenant;
  /** Its budgets: the tenant's own, then its team's, each only when set. */
  readonly scopes: readonly BudgetScope[];
  readonly allowed: ModelCheck;
  /** Its rate limits divided among the replicas. */
  readonly rate: PolicyTenant['rateLimits'];
  readonly owner: ReservationOwner;
}

/**
 * Tenant runtimes, worked out once per registry load (tenant objects are new in each load):
 * one lookup per decision instead of one per part, which measured several microseconds per
 * decision once the server's other work had cooled the caches.
 */
export class TenantRuntimes {
  readonly #reservations: Reservations;
  readonly #replicas: number;
  readonly #byTenant = new WeakMap<PolicyTenant, TenantRuntime & { dir: PolicyDirectory }>();

  constructor(reservations: Reservations, replicas: number) {
    this.#reservations = reservations;
    this.#replicas = replicas;
  }

  /** The runtime of `tenant` as registry `dir` states it. */
  of(tenant: PolicyTenant, dir: PolicyDirectory): TenantRuntime {
    const cached = this.#byTenant.get(tenant);
    if (cached !== undefined && cached.dir === dir) return cached;
    const res = this.#reservations;
    const scopes: BudgetScope[] = [];
    const tenantKey = tenantScopeKey(tenant.id);
    const teamKey = teamScopeKey(tenant.team);
    if (tenant.budget) scopes.push(new BudgetScope(tenantKey, 'tenant', tenant.id, tenant.budget, res.totalOf(tenantKey)));
    const teamBudget = dir.costCenterByTeam.get(tenant.team)?.budget;
    if (teamBudget) scopes.push(new BudgetScope(teamKey, 'team', tenant.team, teamBudget, res.totalOf(teamKey)));
    const rt = {
      tenant,
      dir,
      scopes,
      allowed: compileAllowlist(tenant.allowedModels, dir.modelGroups),
      rate: tenant.rateLimits === undefined ? undefined : perReplica(tenant.rateLimits, this.#replicas),
      owner: res.ownerFor(tenant.id, tenant.team),
    };
    this.#byTenant.set(tenant, rt);
    return rt;
  }
}

/** The tenant a decide or settle names, by id, token, or token hash (hex, with or without `sha256:`). */
export function resolveTenant(
  input: Pick<DecideInput, 'tenantId' | 'tenantToken' | 'tenantTokenSha256'>,
  dir: PolicyDirectory,
  hashToken: (token: string) => string,
): PolicyTenant | undefined {
  if (input.tenantId) return dir.tenantById.get(input.tenantId);
  if (input.tenantToken) return dir.tenantByTokenHash.get(hashToken(input.tenantToken));
  if (input.tenantTokenSha256) {
    const h = input.tenantTokenSha256.toLowerCase();
    return dir.tenantByTokenHash.get(h.startsWith('sha256:') ? h : `sha256:${h}`);
  }
  return undefined;
}

/** Per-minute limits as one of `replicas` replicas enforces them (at least 1 each). */
export function perReplica(limits: NonNullable<PolicyTenant['rateLimits']>, replicas: number): NonNullable<PolicyTenant['rateLimits']> {
  const share = (n: number | undefined) => (n === undefined ? undefined : Math.max(1, Math.floor(n / replicas)));
  return { requestsPerMinute: share(limits.requestsPerMinute), tokensPerMinute: share(limits.tokensPerMinute) };
}
