import type { CallCost } from './call-cost';
import type { Ownership } from './ownership';
import type { Attributes, SpanRecord } from './span-record';

/**
 * The canonical record of one LLM call as normalization returns it, whatever span
 * convention reported it: not yet owned or priced (`OwnedCall`, `PricedCall` add those).
 * Token counts follow the OTel rule: cache read and cache write tokens are included in
 * `inputTokens`, reasoning tokens in `outputTokens`; null means "not reported", never 0.
 */
export interface NormalizedCall {
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
  // Finer usage classes, each part of the count above it (OTel rule); undefined or null when
  // the convention does not report it. The pricer bills each at its own catalog rate.
  /** Audio, image and video input tokens (parts of `inputTokens`), and the cached audio and image ones. */
  audioInputTokens?: number | null;
  audioCacheReadTokens?: number | null;
  imageInputTokens?: number | null;
  imageCacheReadTokens?: number | null;
  videoInputTokens?: number | null;
  /** Audio, image, video and citation output tokens (parts of `outputTokens`). */
  audioOutputTokens?: number | null;
  imageOutputTokens?: number | null;
  videoOutputTokens?: number | null;
  citationTokens?: number | null;
  /** Server-side tool uses billed per call: web searches, file (vector store) searches. */
  webSearchCount?: number | null;
  fileSearchCount?: number | null;
  /** Other billed units: text messages (voice agents), document pages and annotated pages (OCR), seconds of input audio (transcription). */
  textMessageCount?: number | null;
  documentPageCount?: number | null;
  annotatedDocumentPageCount?: number | null;
  audioSeconds?: number | null;
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
}

/** A call the ownership stage resolved: who it belongs to (or why nobody). */
export interface OwnedCall extends NormalizedCall {
  owner: Ownership;
}

/** A call the pricing stage priced, as the ledger stores it; the policy tags it before the write. */
export interface PricedCall extends OwnedCall {
  cost: CallCost;
  /** The policy decision that let this call through, when the gateway asked one. */
  policy?: PolicyMark;
  /** Set by the policy: which process stored the call, in which of its budget-refresh epochs. */
  writer?: WriterStamp;
}

/**
 * A call at any stage, for code that handles calls of several stages (the policy engine,
 * re-rating): the stages' fields are optional here.
 */
export interface LlmCall extends NormalizedCall {
  /** Set by the ownership stage. */
  owner?: Ownership;
  /** Set by the pricing stage. */
  cost?: CallCost;
  /** The policy decision that let this call through, when the gateway asked one. */
  policy?: PolicyMark;
  /** Set by the policy stage: which process stored the call, in which of its budget-refresh epochs. */
  writer?: WriterStamp;
}

/** The policy decision that let a call through. */
export interface PolicyMark {
  decisionId: string;
  outcome: string;
}

/** The process that stores a call and its budget-refresh epoch then (shared by a whole export's calls). */
export interface WriterStamp {
  readonly writerId: string;
  readonly epoch: number;
}

/**
 * The finer usage fields of a call and their keys in the ledger's `usage_details` map, which
 * stores the counts as reported (so a re-rating sees what ingestion saw).
 */
export const FINE_USAGE_FIELDS = {
  cacheWrite1hTokens: 'cache_write_1h_tokens',
  audioInputTokens: 'audio_input_tokens',
  audioCacheReadTokens: 'audio_cache_read_tokens',
  imageInputTokens: 'image_input_tokens',
  imageCacheReadTokens: 'image_cache_read_tokens',
  videoInputTokens: 'video_input_tokens',
  audioOutputTokens: 'audio_output_tokens',
  imageOutputTokens: 'image_output_tokens',
  videoOutputTokens: 'video_output_tokens',
  citationTokens: 'citation_tokens',
  webSearchCount: 'web_search_count',
  fileSearchCount: 'file_search_count',
  textMessageCount: 'text_message_count',
  documentPageCount: 'document_page_count',
  annotatedDocumentPageCount: 'annotated_document_page_count',
  audioSeconds: 'audio_seconds',
} as const satisfies Partial<Record<keyof NormalizedCall, string>>;
