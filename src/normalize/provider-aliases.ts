/**
 * Provider names seen in the wild, lowercased, to the OTel GenAI well-known
 * `gen_ai.provider.name` values. Sources: the OTel registry (deprecated `gen_ai.system`
 * values), LiteLLM's provider strings (`bedrock`, `vertex_ai`, `azure`, `gemini`...),
 * Pydantic AI's (`google-gla`, `google-vertex`), OpenLLMetry's capitalized names
 * (`OpenAI`, `Anthropic`, `AWS`), OpenInference `llm.provider`, AI SDK provider ids.
 */
const ALIASES: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  'aws.bedrock': 'aws.bedrock', aws: 'aws.bedrock', bedrock: 'aws.bedrock', bedrock_converse: 'aws.bedrock', 'amazon-bedrock': 'aws.bedrock', amazon_bedrock: 'aws.bedrock', 'aws-bedrock': 'aws.bedrock',
  'azure.ai.openai': 'azure.ai.openai', 'az.ai.openai': 'azure.ai.openai', azure: 'azure.ai.openai', azure_openai: 'azure.ai.openai', 'azure-openai': 'azure.ai.openai', azureopenai: 'azure.ai.openai',
  'azure.ai.inference': 'azure.ai.inference', 'az.ai.inference': 'azure.ai.inference', azure_ai: 'azure.ai.inference', 'azure-ai-inference': 'azure.ai.inference',
  'gcp.gemini': 'gcp.gemini', gemini: 'gcp.gemini', google: 'gcp.gemini', 'google-gla': 'gcp.gemini', googleai: 'gcp.gemini', 'google.generative-ai': 'gcp.gemini', google_genai: 'gcp.gemini', 'google-genai': 'gcp.gemini',
  'gcp.vertex_ai': 'gcp.vertex_ai', vertex_ai: 'gcp.vertex_ai', vertexai: 'gcp.vertex_ai', vertex_ai_beta: 'gcp.vertex_ai', google_vertexai: 'gcp.vertex_ai', 'google-vertex': 'gcp.vertex_ai', 'google.vertex': 'gcp.vertex_ai', 'vertex ai': 'gcp.vertex_ai', vertex: 'gcp.vertex_ai',
  'gcp.gen_ai': 'gcp.gen_ai',
  mistral_ai: 'mistral_ai', mistral: 'mistral_ai', mistralai: 'mistral_ai',
  cohere: 'cohere', cohere_chat: 'cohere',
  groq: 'groq',
  deepseek: 'deepseek',
  perplexity: 'perplexity', perplexityai: 'perplexity',
  x_ai: 'x_ai', xai: 'x_ai', grok: 'x_ai',
  'ibm.watsonx.ai': 'ibm.watsonx.ai', watsonx: 'ibm.watsonx.ai', 'ibm-watsonx': 'ibm.watsonx.ai', ibm_watsonx: 'ibm.watsonx.ai',
};

/**
 * Frameworks and tracers that instrumentations put where the provider belongs: they say
 * who made the call, not who served it, so the provider is inferred instead.
 */
const FRAMEWORKS = new Set([
  'langchain', 'langgraph', 'llamaindex', 'llama_index', 'llama-index', 'crewai', 'autogen', 'ag2', 'haystack', 'dspy',
  'semantic_kernel', 'semantic-kernel', 'mastra', 'vercel', 'ai', 'ai-sdk', 'genkit', 'litellm', 'openai_agents', 'openai-agents',
  'pydantic_ai', 'pydantic-ai', 'strands', 'smolagents', 'mlflow', 'unknown', 'none', 'null',
]);

/**
 * A provider name as a span reported it, to the OTel well-known value: '' for an empty
 * value or a framework name (infer it then), the lowercased value for an unknown provider.
 * AI SDK ids (`openai.chat`, `anthropic.messages`, `google.vertex.chat`) map by their prefix.
 */
export function canonicalProvider(raw: string): string {
  if (raw === '') return '';
  let hit = memo.get(raw);
  if (hit === undefined) {
    hit = compute(raw);
    if (memo.size >= 10_000) memo.clear();
    memo.set(raw, hit);
  }
  return hit;
}

const memo = new Map<string, string>();

function compute(raw: string): string {
  const lower = raw.trim().toLowerCase();
  const direct = ALIASES[lower];
  if (direct !== undefined) return direct;
  if (FRAMEWORKS.has(lower)) return '';
  // Dotted or dashed ids: the longest known prefix decides (google.vertex before google).
  for (let end = lower.length; end > 0; end = Math.max(lower.lastIndexOf('.', end - 1), lower.lastIndexOf('-', end - 1))) {
    const head = lower.slice(0, end);
    const hit = ALIASES[head];
    if (hit !== undefined) return hit;
    if (FRAMEWORKS.has(head)) return '';
  }
  return lower;
}

/** True when `value` (lowercased) is a known provider alias, for reading gateway prefixes. */
export function isProviderAlias(value: string): boolean {
  return ALIASES[value] !== undefined;
}

/** The provider an alias names (see canonicalProvider), undefined when it is not one. */
export function aliasProvider(value: string): string | undefined {
  return ALIASES[value];
}
