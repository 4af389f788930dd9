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
