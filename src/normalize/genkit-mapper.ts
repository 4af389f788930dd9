import { buildCall } from './call-builder';
import { jsonObject } from './json-usage';
import type { SpanMapper } from './mapper';
import { canonicalProvider } from './provider-aliases';
import { countOf, sumCounts } from './token-count';

/**
 * Firebase Genkit: `genkit:type` spans whose `genkit:metadata:subtype` is `model` or
 * `embedder` are calls (flows, tools, prompts, utils are ruled out by the call rule). The
 * model is `genkit:name` (`googleai/gemini-2.5-flash`, `vertexai/...`: the plugin prefix
 * names the provider), usage is `usage` inside the JSON `genkit:output` (`inputTokens`,
 * `outputTokens`, `totalTokens`, `thoughtsTokens`, `cachedContentTokens`). Gemini's
 * `outputTokens` leave thoughts out: when `totalTokens` is input + output + thoughts,
 * output is rebuilt with them (the OTel rule).
 */
export const genkitMapper: SpanMapper = {
  name: 'genkit',
  priority: 80,
  map(span) {
    const a = span.attributes;
    if (a['genkit:type'] === undefined) return null;
    const usage = jsonObject(a['genkit:output'], 'usage');
    const u = (k: string) => countOf(usage?.[k], `genkit:output.usage.${k}`);
    const input = u('inputTokens');
    let output = u('outputTokens');
    const thoughts = u('thoughtsTokens');
    const total = u('totalTokens');
    let rebuilt = '';
    if (input !== null && output !== null && thoughts !== null && thoughts > 0 && total === input + output + thoughts) {
      output = sumCounts('genkit:output.usage.outputTokens with thoughtsTokens', output, thoughts);
      rebuilt = 'output';
    }
    const model = a['genkit:name'] ?? '';
    return buildCall(span, 'genkit', {
      operation: a['genkit:metadata:subtype'] === 'embedder' ? 'embeddings' : 'chat',
      provider: canonicalProvider(model.includes('/') ? model.slice(0, model.indexOf('/')) : ''),
      requestModel: model,
      responseModel: '',
      inputTokens: input,
      outputTokens: output,
      cacheReadTokens: u('cachedContentTokens'),
      cacheWriteTokens: null,
      reasoningTokens: thoughts,
      responseId: '',
      sessionId: a['genkit:sessionId'] ?? '',
      userId: '',
      tokenRebuild: rebuilt,
    });
  },
};
