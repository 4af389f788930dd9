/** Who takes part in a call's charge, as FOCUS names them. */
export interface Parties {
  /** ServiceProviderName (1.3): whose model service the call used. */
  service: string;
  /** HostProviderName (1.3): whose infrastructure served it. */
  host: string;
  /** InvoiceIssuerName, and ProviderName in 1.2: who bills for it. */
  invoiceIssuer: string;
  /** PublisherName: who made the model. */
  publisher: string;
  /** ServiceName. */
  serviceName: string;
}

// Providers that sell their own models: service, host, issuer and publisher are one.
const DIRECT: Record<string, string> = {
  openai: 'OpenAI', anthropic: 'Anthropic', 'gcp.gemini': 'Google', mistral_ai: 'Mistral AI', x_ai: 'xAI', deepseek: 'DeepSeek',
  groq: 'Groq', cohere: 'Cohere', perplexity: 'Perplexity',
};

// Clouds that serve other makers' models: the host and the invoice issuer.
const CLOUDS: Record<string, { name: string; service: string }> = {
  'aws.bedrock': { name: 'AWS', service: 'Amazon Bedrock' },
  'gcp.vertex_ai': { name: 'Google Cloud', service: 'Vertex AI' },
  'azure.ai.openai': { name: 'Microsoft', service: 'Azure OpenAI' },
  'azure.ai.inference': { name: 'Microsoft', service: 'Azure AI Foundry' },
};

// Model makers recognised in model ids (Bedrock `anthropic.claude-...`, `us.meta.llama...`, ARNs; Vertex and Azure names).
const MAKERS: [RegExp, string][] = [
  [/(^|[./:])anthropic\.|claude/i, 'Anthropic'],
  [/(^|[./:])meta\.|llama/i, 'Meta'],
  [/(^|[./:])mistral\.|mistral|mixtral|codestral/i, 'Mistral AI'],
  [/(^|[./:])cohere\.|command-r/i, 'Cohere'],
  [/(^|[./:])amazon\.|nova|titan/i, 'Amazon'],
  [/(^|[./:])ai21\.|jamba/i, 'AI21 Labs'],
  [/(^|[./:])deepseek/i, 'DeepSeek'],
  [/gemini|gemma/i, 'Google'],
  [/(^|[./:])openai\.|gpt|(^|[./:])o\d/i, 'OpenAI'],
];

/**
 * The parties of a charge for an OTel provider name and a model id. A direct provider is all
 * four; a cloud (Bedrock, Vertex AI, Azure) hosts and bills, while the service provider and
 * publisher are the model's maker when the model id names one (Anthropic models served by
 * Bedrock: ServiceProviderName Anthropic, HostProviderName AWS), else the cloud itself.
 */
export function providerParties(provider: string, model: string): Parties {
  const direct = DIRECT[provider];
  if (direct !== undefined) return { service: direct, host: direct, invoiceIssuer: direct, publisher: direct, serviceName: `${direct} API` };
  const cloud = CLOUDS[provider];
  if (cloud !== undefined) {
    const maker = MAKERS.find(([re]) => re.test(model))?.[1] ?? cloud.name;
    return { service: maker, host: cloud.name, invoiceIssuer: cloud.name, publisher: maker, serviceName: cloud.service };
  }
  const name = provider || 'Unknown';
  return { service: name, host: name, invoiceIssuer: name, publisher: name, serviceName: `${name} API` };
}
