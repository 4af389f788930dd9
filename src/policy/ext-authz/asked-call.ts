import type { DecideInput } from '../types';
import { readBody } from './body-estimate';
import type { ExtAuthzConfig } from './config';

/** A gateway's original request as ext_authz hands it over, whatever the transport. */
export interface AskedCall {
  /** A header of the original request by lower-case name. */
  header(name: string): string | undefined;
  /** The original body when the gateway forwards it. */
  body?: string;
  /** The gateway's own request id (Envoy's `attributes.request.http.id`), used when the header is absent. */
  gatewayRequestId?: string;
  /** The provider a route names (Envoy's `context_extensions.provider`). */
  provider?: string;
}

const MAX_REQUEST_ID = 256;

/**
 * The decide input for an asked call: tenant, model, provider and request id from the
 * configured headers, the model (when no header names it) and the token estimate from the
 * body. Every decision through ext_authz reserves when there are tokens to price, as the
 * JSON API does when given estimates.
 */
export function decideInputOf(call: AskedCall, cfg: ExtAuthzConfig, gatewayId: string): DecideInput {
  const facts = call.body === undefined ? {} : readBody(call.body);
  const input: DecideInput = { reserve: false, gatewayId };
  const tenant = tenantValue(call.header(cfg.tenantHeader));
  if (tenant !== undefined) {
    if (cfg.tenantHeaderHolds === 'id') input.tenantId = tenant;
    else input.tenantToken = tenant;
  }
  input.model = nonEmpty(call.header(cfg.modelHeader)) ?? facts.model;
  input.provider = (cfg.providerHeader === undefined ? undefined : nonEmpty(call.header(cfg.providerHeader))) ?? nonEmpty(call.provider);
  const requestId = nonEmpty(call.header(cfg.requestIdHeader)) ?? nonEmpty(call.gatewayRequestId);
  if (requestId !== undefined) input.requestId = requestId.slice(0, MAX_REQUEST_ID);
  const maxTokens = facts.maxTokens ?? (cfg.defaultMaxTokens > 0 ? cfg.defaultMaxTokens : undefined);
  if (maxTokens !== undefined) input.maxTokens = maxTokens;
  if (facts.estimatedInputTokens !== undefined) input.estimatedInputTokens = facts.estimatedInputTokens;
  input.reserve = maxTokens !== undefined || facts.estimatedInputTokens !== undefined;
  return input;
}

/** The credential in a tenant header: the token after `Bearer ` when there is one, else the whole value. */
function tenantValue(v: string | undefined): string | undefined {
  const s = nonEmpty(v);
  if (s === undefined) return undefined;
  return /^bearer /i.test(s) ? nonEmpty(s.slice(7)) : s;
}

function nonEmpty(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  return s === '' ? undefined : s;
}
