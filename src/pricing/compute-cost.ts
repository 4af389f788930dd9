import { costNano, type TokenRates } from './token-rates';

/** Token counts as the OTel rule reports them: input includes cache read and write, output includes reasoning. */
export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
}

/** A computed cost and its parts, nano-USD. `total` is the sum of the rounded parts. */
export interface CostParts {
  input: bigint;
  cacheRead: bigint;
  cacheWrite: bigint;
  output: bigint;
  reasoning: bigint;
  total: bigint;
}

/**
 * Prices each token class once: uncached input = input - cache read - cache write, text
 * output = output - reasoning (never double counted). Cache classes without their own rate
 * are billed at the input rate and reasoning at the output rate, as providers do. Each part
 * is rounded half-up to the nano-USD. Returns undefined when no usage was reported.
 */
export function computeCost(usage: Usage, rates: TokenRates): CostParts | undefined {
  if (usage.inputTokens === null && usage.outputTokens === null) return undefined;
  const input = usage.inputTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  const cacheRead = Math.min(usage.cacheReadTokens ?? 0, input);
  const cacheWrite = Math.min(usage.cacheWriteTokens ?? 0, input - cacheRead);
  const reasoning = Math.min(usage.reasoningTokens ?? 0, output);
  const parts = {
    input: costNano(input - cacheRead - cacheWrite, rates.input, input),
    cacheRead: costNano(cacheRead, rates.cacheRead ?? rates.input, input),
    cacheWrite: costNano(cacheWrite, rates.cacheWrite ?? rates.input, input),
    output: costNano(output - reasoning, rates.output, input),
    reasoning: costNano(reasoning, rates.reasoning ?? rates.output, input),
  };
  return { ...parts, total: parts.input + parts.cacheRead + parts.cacheWrite + parts.output + parts.reasoning };
}
