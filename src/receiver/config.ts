import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

/** Receiver settings: where OTLP is served and how large a request may be. */
export const receiverConfigSchema = z
  .object({
    otlpGrpcPort: port.default(4317),
    otlpHttpPort: port.default(4318),
    /** Largest request accepted, measured after decompression. */
    maxBodyBytes: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
  })
  .strict();

export type ReceiverConfig = z.infer<typeof receiverConfigSchema>;
