import type { Attributes, ExportContext, LlmCall, Ownership } from '../pipeline';
import { matchServiceTenants, type CompiledRegistry } from './compiled-registry';
import { FEATURE_CLAIMS, GATEWAY_TENANT_ID, GATEWAY_TENANT_TOKEN_HASH, LITELLM_KEY_HASH, TEAM_CLAIMS } from './claims';
import type { Tenant } from './registry-schema';
import type { RegistrySource } from './registry-source';

/** Sets `owner` on each call of one export. */
export type ResolveOwners = (calls: readonly LlmCall[], context: ExportContext) => void;

/**
 * Builds the resolver. Rules, in order: (1) a trusted gateway's tenant attribute, (2) the
 * sender's bound tenant, (3) a registry `services` match on the resource, (4) unallocated
 * with a reason: unknown_tenant / unknown_tenant_token (gateway named a tenant we do not
 * know), conflict (several services rules match), missing_tenant (gateway named none),
 * unknown_service, unauthenticated, unknown_sender. An anonymous sender (unauthenticated
 * mode) never reaches rules 1-3. The registry is read once per export.
 */
export function createResolver(store: RegistrySource): ResolveOwners {
  return (calls, context) => {
    if (calls.length === 0) return;
    const reg = store.current();
    // Spans of one ResourceSpans share the resource object: match services once per resource.
    const serviceMatches = new Map<object, string[]>();
    for (const call of calls) call.owner = resolveOne(reg, call, context, serviceMatches);
  };
}

function resolveOne(reg: CompiledRegistry, call: LlmCall, ctx: ExportContext, cache: Map<object, string[]>): Ownership {
  const a = call.span.attributes;
  const sender = ctx.sender;
  let tenant: Tenant | undefined;
  let source: Ownership['source'] = 'unallocated';
  let reason = '';
  let claimedTenant = '';

  if (sender?.gateway === true) {
    const named = a[GATEWAY_TENANT_ID];
    const hash = a[GATEWAY_TENANT_TOKEN_HASH] || a[LITELLM_KEY_HASH];
    if (named) {
      tenant = reg.tenantById.get(named);
      if (tenant === undefined) reason = 'unknown_tenant';
    } else if (hash) {
      tenant = reg.tenantByTokenHash.get(hash.startsWith('sha256:') ? hash.toLowerCase() : `sha256:${hash.toLowerCase()}`);
      if (tenant === undefined) reason = 'unknown_tenant_token';
    }
    if (tenant !== undefined) source = 'gateway';
  } else {
    claimedTenant = a[GATEWAY_TENANT_ID] ?? '';
  }

  if (tenant === undefined && reason === '') {
    if (sender === undefined) {
      // Unauthenticated mode: an anonymous sender cannot pick a tenant, not even through
      // a resource that matches a services rule (anyone can set service.name).
      reason = ctx.unknownCredential ? 'unknown_sender' : 'unauthenticated';
    } else if (sender.tenantId !== undefined) {
      tenant = reg.tenantById.get(sender.tenantId);
      source = 'sender';
    } else {
      const resource = call.span.resource;
      let matches = cache.get(resource);
      if (matches === undefined) {
        matches = matchServiceTenants(reg, resource);
        cache.set(resource, matches);
      }
      if (matches.length === 1) {
        tenant = reg.tenantById.get(matches[0]!);
        source = 'service';
      } else if (matches.length > 1) reason = 'conflict';
      else reason = sender.gateway ? 'missing_tenant' : 'unknown_service';
    }
  }
  // A sender bound to a tenant that a reload removed.
  if (tenant === undefined && reason === '') reason = 'unknown_tenant';
  return build(reg, call, a, tenant, tenant === undefined ? 'unallocated' : source, reason, sender?.id ?? '', claimedTenant, sender?.gateway === true);
}

function build(
  reg: CompiledRegistry,
  call: LlmCall,
  a: Attributes,
  tenant: Tenant | undefined,
  source: Ownership['source'],
  reason: string,
  senderId: string,
  claimedTenant: string,
  gateway: boolean,
): Ownership {
  const claimedTeam = first(a, TEAM_CLAIMS);
  const claimedFeature = first(a, FEATURE_CLAIMS);
  const senderKind = senderId === '' ? 'anonymous' : gateway ? 'gateway' : 'service';
  if (tenant === undefined) {
    return {
      tenant: '', team: '', app: '', feature: '', environment: call.deploymentEnvironment, costCenter: '', businessUnit: '',
      source, unallocatedReason: reason, senderId, senderKind, claimedTeam, claimedTenant, claimedFeature, conflict: false,
    };
  }
  const featureAllowed = claimedFeature !== '' && (tenant.features === undefined || tenant.features.includes(claimedFeature));
  const finance = reg.costCenterByTeam.get(tenant.team);
  return {
    tenant: tenant.id,
    team: tenant.team,
    app: tenant.app,
    feature: featureAllowed ? claimedFeature : tenant.feature,
    environment: tenant.environment || call.deploymentEnvironment,
    costCenter: finance?.costCenter ?? '',
    businessUnit: finance?.businessUnit ?? '',
    source,
    unallocatedReason: '',
    senderId,
    senderKind,
    claimedTeam,
    claimedTenant,
    claimedFeature,
    conflict: (claimedTeam !== '' && claimedTeam !== tenant.team) || (claimedTenant !== '' && claimedTenant !== tenant.id),
  };
}

function first(a: Attributes, keys: readonly string[]): string {
  for (const k of keys) {
    const v = a[k];
    if (v !== undefined && v !== '') return v;
  }
  return '';
}
