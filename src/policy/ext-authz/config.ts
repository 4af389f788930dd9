import { z } from 'zod';

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name')
  .transform((s) => s.toLowerCase());

/**
 * Gateways asking through Envoy's external authorization protocol (ext_authz): over gRPC on
 * a port of its own (off unless `grpcPort` is set) and over HTTP on the API port under
 * `httpPathPrefix`. Which request headers name the tenant, the model and the request id.
 */
export const extAuthzConfigSchema = z
  .object({
    /** Port of the `envoy.service.auth.v3.Authorization` gRPC service; unset = off. */
    grpcPort: z.coerce.number().int().min(0).max(65535).optional(),
    /**
     * PEM CA bundle: the gRPC port then requires a client certificate it signed (mTLS), and
     * the certificate's subject CN names the gateway sender (its registry `senders[].id`).
     * Needs `tls.certFile` and `tls.keyFile`. Without it the gateway sends its bearer token.
     */
    clientCaFile: z.string().min(1).optional(),
    /** HTTP mode: the original path follows this prefix on the API port. */
    httpPathPrefix: z.string().regex(/^\/[A-Za-z0-9/_.-]*[A-Za-z0-9_.-]$/, 'must start with "/" and not end with "/"').default('/v1/ext-authz'),
    /** HTTP mode: the header carrying the gateway's own `Bearer <gateway sender token>` (the client's `authorization` is the tenant's). */
    gatewayHeader: headerName.default('x-spanledger-gateway'),
    /** The header naming the tenant: `authorization` (a `Bearer` prefix is dropped), `x-api-key`, or any. */
    tenantHeader: headerName.default('authorization'),
    /** Whether `tenantHeader` carries a tenant token from the registry (hashed on arrival) or the tenant id itself. */
    tenantHeaderHolds: z.enum(['token', 'id']).default('token'),
    /** The header naming the model (Envoy AI Gateway sets `x-ai-eg-model`); else the JSON body's `model`. */
    modelHeader: headerName.default('x-ai-eg-model'),
    /** The header naming the provider, if the gateway sets one; else a `provider` context extension, else `provider/model`. */
    providerHeader: headerName.optional(),
    /** The request id (Envoy generates `x-request-id`); also the span attribute that settles the reservation. */
    requestIdHeader: headerName.default('x-request-id'),
    /**
     * Most output tokens to reserve for when the body is not forwarded or names no
     * `max_tokens` / `max_completion_tokens` / `max_output_tokens`; 0 = reserve only the prompt.
     */
    defaultMaxTokens: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export type ExtAuthzConfig = z.infer<typeof extAuthzConfigSchema>;
