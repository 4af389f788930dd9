import { totalmem } from 'node:os';
import { z } from 'zod';

const MB = 1024 * 1024;

const port = z.coerce.number().int().min(0).max(65535);

/** Receiver settings: where OTLP is served and how large a request may be. */
export const receiverConfigSchema = z
  .object({
    otlpGrpcPort: port.default(4317),
    otlpHttpPort: port.default(4318),
    /** Largest request accepted, measured after decompression. */
    maxBodyBytes: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
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
  })
  .strict();

export type ReceiverConfig = z.infer<typeof receiverConfigSchema>;
