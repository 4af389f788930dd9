/** Ownership: the service-identity registry, sender authentication, owner resolution. */
export { ownershipConfigSchema, type OwnershipConfig } from './config';
export { registrySchema, tokenHashSchema, type Budget, type Registry, type Tenant } from './registry-schema';
export { compileRegistry, matchServiceTenants, type CompiledRegistry } from './compiled-registry';
export { loadRegistryFile, parseRegistry, RegistryError } from './load-registry';
export type { RegistrySource } from './registry-source';
export { emptyRegistry } from './compiled-registry';
export { createAuthenticator } from './authenticate';
export { createResolver, type ResolveOwners } from './resolve';
export { createOwnershipStage, type OwnershipTelemetry } from './ownership-stage';
export { createGatewayCheck, type GatewayAnswer } from './gateway-check';
export { hashToken, bearerToken, headerText } from './token-hash';
export { GATEWAY_TENANT_ID, GATEWAY_TENANT_TOKEN_HASH, TEAM_CLAIMS, FEATURE_CLAIMS } from './claims';
