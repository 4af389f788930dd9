// Attributes through which a caller declares its own owner. They are recorded, compared
// with the resolved owner, and never trusted.

/** Self-declared team, in order of preference. */
export const TEAM_CLAIMS = [
  'team',
  'owner.team',
  'spanledger.team',
  'http.request.header.x-owner-team',
  'traceloop.association.properties.team',
] as const;

/** Feature a span declares; honoured when the tenant allows it. */
export const FEATURE_CLAIMS = [
  'spanledger.feature',
  'feature',
  'app.feature',
  'traceloop.association.properties.feature',
  'ai.telemetry.metadata.feature',
  'ai.telemetry.functionId',
] as const;

/**
 * Attributes a trusted gateway sets on each call to name the tenant it authenticated:
 * the tenant id, or the SHA-256 (`sha256:<hex>` or bare hex) of the tenant token.
 */
export const GATEWAY_TENANT_ID = 'spanledger.tenant.id';
export const GATEWAY_TENANT_TOKEN_HASH = 'spanledger.tenant.token_sha256';
/** LiteLLM-style gateways record the SHA-256 of the caller's virtual key under this name. */
export const LITELLM_KEY_HASH = 'metadata.user_api_key_hash';
