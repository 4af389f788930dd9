import type { CallCost } from './call-cost';
import type { Ownership } from './ownership';
import type { Attributes, SpanRecord } from './span-record';

/**
 * The canonical record of one LLM call, whatever span convention reported it.
 * Token counts follow the OTel rule: cache read and cache write tokens are included in
 * `inputTokens`, reasoning tokens in `outputTokens`; null means "not reported", never 0.
 */
export interface LlmCall {
  span: SpanRecord;
  /** Name of the mapper (span convention) that produced this record. */
  convention: string;
  operation: string;
  /** OTel GenAI well-known provider name (`openai`, `aws.bedrock`...), '' when unknown. */
  provider: string;
  /** Model ids normalized for pricing (no `models/`, resource path, gateway or Bedrock region prefix). */
  requestModel: string;
  responseModel: string;
  /**
   * The provider and model ids as the span named them, before normalization. Set by
   * normalization (absent on calls rebuilt from stored rows, e.g. for repricing).
   */
  rawProvider?: string;
  rawRequestModel?: string;
  rawResponseModel?: string;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
  /** Parts of `cacheWriteTokens` written with a 5-minute and a 1-hour TTL (Anthropic); null or absent when not reported. */
  cacheWrite5mTokens?: number | null;
  cacheWrite1hTokens?: number | null;
  /** Token totals rebuilt by the OTel rule from an exclusive report: '', 'input', 'output' or 'input,output'. */
  tokenRebuild?: string;
  /** Content attributes (prompts, answers) removed from this call's stored attributes. */
  contentAttributesDropped?: number;
  /** Attributes stored with the call row when they differ from the span's (content kept in `spans` only). */
  callAttributes?: Attributes;
  requestId: string;
  responseId: string;
  sessionId: string;
  userId: string;
  errorType: string;
  httpStatusCode: number | null;
  serviceName: string;
  serviceNamespace: string;
  serviceVersion: string;
  deploymentEnvironment: string;
  latencyMs: number;
  /** Retry attempt number the sender reported (0 for a first attempt or when unknown). */
  retryAttempt: number;
  /** Service tier the call ran on (`batch`, `flex`, `priority`, `default`), '' when unknown. */
  serviceTier: string;
  /** Set by the ownership stage. */
  owner?: Ownership;
  /** Set by the pricing stage. */
  cost?: CallCost;
  /** The policy decision that let this call through, when the gateway asked one. */
  policy?: { decisionId: string; outcome: string };
  /** Set by the policy stage: which process stored the call, in which of its budget-refresh epochs. */
  writer?: WriterStamp;
}

/** The process that stores a call and its budget-refresh epoch then (shared by a whole export's calls). */
export interface WriterStamp {
  readonly writerId: string;
  readonly epoch: number;
}
