import { registrySchema, type Budget, type Registry, type Tenant } from './registry-schema';

/** A `services` rule with its attributes split for a fast first test on service.name. */
interface ServiceRule {
  match: [string, string][];
  tenantId: string;
}

/**
 * The registry turned into lookups built once per load, so resolution per span is a
 * few map reads.
 */
export interface CompiledRegistry {
  readonly tenantById: ReadonlyMap<string, Tenant>;
  readonly tenantByTokenHash: ReadonlyMap<string, Tenant>;
  readonly senderByTokenHash: ReadonlyMap<string, { id: string; tenantId: string | undefined; gateway: boolean }>;
  readonly costCenterByTeam: ReadonlyMap<string, { costCenter: string; businessUnit: string; budget?: Budget; transferMultiplier: string }>;
  /** Named model glob lists for allowedModels (`@name`). */
  readonly modelGroups: Readonly<Record<string, readonly string[]>>;
  /** Rules by their `service.name` value; rules without one are under ''. */
  readonly serviceRules: ReadonlyMap<string, readonly ServiceRule[]>;
  readonly tenantCount: number;
}

/** Builds the lookups of a validated registry. */
export function compileRegistry(reg: Registry): CompiledRegistry {
  const tenantById = new Map(reg.tenants.map((t) => [t.id, t]));
  const tenantByTokenHash = new Map<string, Tenant>();
  for (const t of reg.tenants) for (const h of t.tokens) tenantByTokenHash.set(h, t);
  const senderByTokenHash = new Map(reg.senders.map((s) => [s.token, { id: s.id, tenantId: s.tenant, gateway: s.gateway }]));
  const costCenterByTeam = new Map(Object.entries(reg.ownership));
  const serviceRules = new Map<string, ServiceRule[]>();
  for (const rule of reg.services) {
    const key = rule.match['service.name'] ?? '';
    const list = serviceRules.get(key) ?? [];
    list.push({ match: Object.entries(rule.match), tenantId: rule.tenant });
    serviceRules.set(key, list);
  }
  return { tenantById, tenantByTokenHash, senderByTokenHash, costCenterByTeam, modelGroups: reg.modelGroups, serviceRules, tenantCount: reg.tenants.length };
}

/** Tenant ids of every `services` rule matching `resource` (deduplicated, rule order). */
export function matchServiceTenants(reg: CompiledRegistry, resource: Record<string, string>): string[] {
  const found: string[] = [];
  const test = (rules: readonly ServiceRule[] | undefined) => {
    if (rules === undefined) return;
    for (const rule of rules) {
      if (rule.match.every(([k, v]) => resource[k] === v) && !found.includes(rule.tenantId)) found.push(rule.tenantId);
    }
  };
  test(reg.serviceRules.get(resource['service.name'] ?? ''));
  test(reg.serviceRules.get(''));
  return found;
}

/** A registry with no tenants, senders or rules. */
export function emptyRegistry(): CompiledRegistry {
  return compileRegistry(registrySchema.parse({}));
}
