import { z } from 'zod';

/** Normalization settings. */
export const normalizeConfigSchema = z
  .object({
    /**
     * Prompt and answer attributes (`gen_ai.input.messages`, `llm.input_messages.*`,
     * `ai.prompt*`...): `drop` removes them at ingestion from `spans` and `llm_calls`;
     * `keep_in_spans` keeps them in `spans` only (under its TTL), never in `llm_calls`.
     */
    content: z.enum(['drop', 'keep_in_spans']).default('drop'),
  })
  .strict();

export type NormalizeConfig = z.infer<typeof normalizeConfigSchema>;
