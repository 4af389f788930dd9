import type { NormalizedCall, SpanRecord } from '../pipeline';
import { durationMs, firstCount, firstString } from './attribute-readers';

// Envoy tags its spans with its request id as `guid:x-request-id`; LiteLLM puts its request id in `gen_ai.request.id`.
const REQUEST_ID = ['spanledger.request_id', 'gen_ai.request.id', 'http.request.header.x-request-id', 'guid:x-request-id', 'request.id'] as const;
const HTTP_STATUS = ['http.response.status_code', 'http.status_code'] as const;
const ENVIRONMENT = ['deployment.environment.name', 'deployment.environment'] as const;
const RETRY_ATTEMPT = ['spanledger.retry_count', 'gen_ai.request.retry_count', 'http.request.resend_count', 'retry.attempt', 'retry_count'] as const;
const SERVICE_TIER = [
  'openai.response.service_tier',
  'openai.request.service_tier',
  'gen_ai.openai.response.service_tier',
  'gen_ai.openai.request.service_tier',
  'gen_ai.request.service_tier',
] as const;

/**
 * The convention-specific part of a call; the rest is the same for every mapper. `provider`
 * and the models are as the span sent them: the registry normalizes them.
 */
export type CallFields = Pick<
  NormalizedCall,
  'operation' | 'provider' | 'requestModel' | 'responseModel' | 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens' | 'responseId' | 'sessionId' | 'userId'
> &
  Partial<Pick<NormalizedCall, 'cacheWrite5mTokens' | 'cacheWrite1hTokens' | 'tokenRebuild'>>;

/**
 * Completes a mapper's fields with what every convention shares: service identity from
 * the resource, latency, error type, HTTP status, request id, service tier and retry attempt.
 */
export function buildCall(span: SpanRecord, convention: string, fields: CallFields): NormalizedCall {
  const a = span.attributes;
  const r = span.resource;
  return {
    span,
    convention,
    cacheWrite5mTokens: null,
    cacheWrite1hTokens: null,
    tokenRebuild: '',
    contentAttributesDropped: 0,
    ...fields,
    requestId: firstString(a, REQUEST_ID),
    errorType: a['error.type'] ?? '',
    httpStatusCode: firstCount(a, HTTP_STATUS),
    serviceName: r['service.name'] ?? '',
    serviceNamespace: r['service.namespace'] ?? '',
    serviceVersion: r['service.version'] ?? '',
    deploymentEnvironment: firstString(r, ENVIRONMENT),
    latencyMs: durationMs(span.startTimeUnixNano, span.endTimeUnixNano),
    serviceTier: firstString(a, SERVICE_TIER).toLowerCase(),
    retryAttempt: firstCount(a, RETRY_ATTEMPT) ?? 0,
  };
}
