import { totalmem } from 'node:os';
import { z } from 'zod';
import type { ReaderLimits } from './decode-result';

const MB = 1024 * 1024;

const port = z.coerce.number().int().min(0).max(65535);

/** Receiver settings: where OTLP is served and how large a request may be. */
export const receiverConfigSchema = z
  .object({
    otlpGrpcPort: port.default(4317),
    otlpHttpPort: port.default(4318),
    /** Largest request accepted, measured after decompression. */
    maxBodyBytes: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
    /**
     * OTLP/gRPC connections are asked to go away (GOAWAY, clients reconnect) after this
     * long, then closed after the request timeout: a message trickled slowly cannot hold one forever.
     */
    grpcMaxConnectionAgeMs: z.coerce.number().int().min(100).default(300_000),
    /** Above this resident memory, new exports get a retryable refusal (checked before decoding). */
    memorySoftLimitMb: z.coerce.number().int().min(64).default(Math.floor((totalmem() * 0.5) / MB)),
    /** Above this, /readyz reports not ready too, so orchestrators stop routing here. */
    memoryHardLimitMb: z.coerce.number().int().min(64).default(Math.floor((totalmem() * 0.7) / MB)),
    /** Export requests per second each sender may make (bursts up to twice that); 0 = no limit. */
    senderRequestsPerSecond: z.coerce.number().min(0).default(1000),
    /** Attribute values longer than this are truncated (and the span flagged). */
    maxAttributeValueBytes: z.coerce.number().int().min(64).default(64 * 1024),
    /** Attributes past this count on one span are dropped (and the span flagged). */
    maxAttributesPerSpan: z.coerce.number().int().min(8).default(512),
    /** Attribute keys (span, event, link, resource) longer than this are cut (and flagged). */
    maxAttributeKeyBytes: z.coerce.number().int().min(32).default(256),
    /** Span and event names longer than this are cut (and flagged). */
    maxNameBytes: z.coerce.number().int().min(32).default(1024),
    /** Events and links past these counts on one span are dropped (and the span flagged); the OTel SDK's defaults. */
    maxEventsPerSpan: z.coerce.number().int().min(0).default(128),
    maxLinksPerSpan: z.coerce.number().int().min(0).default(128),
    /** Attributes past this count on one event or link are dropped. */
    maxAttributesPerEvent: z.coerce.number().int().min(0).default(128),
    /** Resource attributes are copied into every row of their spans, hence tighter caps. */
    maxResourceAttributes: z.coerce.number().int().min(8).default(128),
    maxResourceAttributeValueBytes: z.coerce.number().int().min(64).default(4096),
    /** Most spans (rows) one export may carry; more is refused whole (413 / RESOURCE_EXHAUSTED). */
    maxSpansPerExport: z.coerce.number().int().min(1).default(100_000),
    /**
     * Most bytes of rows one export may expand into: its decompressed body plus each span's
     * share of its resource (copied into every row). More is refused whole (413 / RESOURCE_EXHAUSTED).
     */
    maxExportRowBytes: z.coerce.number().int().min(1024).default(64 * 1024 * 1024),
    /** Spans that started more than this long ago are refused one by one (partial success, reason too_old). */
    maxSpanAgeDays: z.coerce.number().int().min(1).default(400),
    /** Spans that start or end more than this far ahead of our clock are refused one by one (reason in_future). */
    maxFutureSkewSeconds: z.coerce.number().int().min(0).default(86_400),
  })
  .strict();

export type ReceiverConfig = z.infer<typeof receiverConfigSchema>;

/** The reader caps from the receiver config. */
export function readerLimits(cfg: ReceiverConfig): ReaderLimits {
  return {
    maxAttributeValueBytes: cfg.maxAttributeValueBytes,
    maxAttributesPerSpan: cfg.maxAttributesPerSpan,
    maxAttributeKeyBytes: cfg.maxAttributeKeyBytes,
    maxNameBytes: cfg.maxNameBytes,
    maxEventsPerSpan: cfg.maxEventsPerSpan,
    maxLinksPerSpan: cfg.maxLinksPerSpan,
    maxAttributesPerEvent: cfg.maxAttributesPerEvent,
    maxResourceAttributes: cfg.maxResourceAttributes,
    maxResourceAttributeValueBytes: cfg.maxResourceAttributeValueBytes,
  };
}
