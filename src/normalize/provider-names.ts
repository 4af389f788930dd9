/**
 * Deprecated `gen_ai.system` values whose `gen_ai.provider.name` differs; other values
 * (openai, anthropic, aws.bedrock, cohere, ...) were kept as they were.
 */
const RENAMED: Record<string, string> = {
  'az.ai.inference': 'azure.ai.inference',
  'az.ai.openai': 'azure.ai.openai',
  gemini: 'gcp.gemini',
  vertex_ai: 'gcp.vertex_ai',
  xai: 'x_ai',
};

/** The current provider name for a value of the deprecated `gen_ai.system`. */
export function providerFromSystem(system: string): string {
  const lower = system.toLowerCase();
  return RENAMED[lower] ?? lower;
}

// Other conventions' provider names, to the OTel `gen_ai.provider.name` values.
const OTHER_NAMES: Record<string, string> = {
  openai: 'openai',
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  anthropic: 'anthropic',
  google: 'gcp.gemini',
  'google.generative-ai': 'gcp.gemini',
  'google.vertex': 'gcp.vertex_ai',
  vertexai: 'gcp.vertex_ai',
  aws: 'aws.bedrock',
  'amazon-bedrock': 'aws.bedrock',
  mistral: 'mistral_ai',
  mistralai: 'mistral_ai',
  xai: 'x_ai',
  deepseek: 'deepseek',
  groq: 'groq',
  cohere: 'cohere',
  perplexity: 'perplexity',
};

/** OpenInference `llm.provider` (preferred) or `llm.system` to an OTel provider name. */
export function providerFromOpenInference(provider: string, system: string): string {
  const name = (provider || system).toLowerCase();
  return OTHER_NAMES[name] ?? providerFromSystem(name);
}

/** Vercel AI SDK `ai.model.provider` (`openai.chat`, `anthropic.messages`, `google.vertex.chat`...) to an OTel provider name. */
export function providerFromVercel(value: string): string {
  const lower = value.toLowerCase();
  if (lower.startsWith('google.vertex')) return 'gcp.vertex_ai';
  const head = lower.startsWith('google.generative-ai') ? 'google.generative-ai' : lower.split('.')[0]!;
  return OTHER_NAMES[head] ?? head;
}
