import type { Attributes } from '../pipeline';

// Hosts of the providers' public endpoints (server.address, or the host of url.full).
const EXACT_HOSTS: Record<string, string> = {
  'api.openai.com': 'openai',
  'api.anthropic.com': 'anthropic',
  'generativelanguage.googleapis.com': 'gcp.gemini',
  'aiplatform.googleapis.com': 'gcp.vertex_ai',
  'api.mistral.ai': 'mistral_ai',
  'api.cohere.com': 'cohere',
  'api.cohere.ai': 'cohere',
  'api.groq.com': 'groq',
  'api.deepseek.com': 'deepseek',
  'api.perplexity.ai': 'perplexity',
  'api.x.ai': 'x_ai',
  'models.inference.ai.azure.com': 'azure.ai.inference',
  'models.github.ai': 'azure.ai.inference',
};
const SUFFIX_HOSTS: [RegExp, string][] = [
  [/\.openai\.azure\.com$/, 'azure.ai.openai'],
  [/\.(services\.ai|inference\.ai|cognitiveservices)\.azure\.com$/, 'azure.ai.inference'],
  [/^bedrock(-runtime|-agent-runtime)?(-fips)?\.[\w-]+\.amazonaws\.com(\.cn)?$/, 'aws.bedrock'],
  [/-aiplatform\.googleapis\.com$/, 'gcp.vertex_ai'],
  [/\.ml\.cloud\.ibm\.com$/, 'ibm.watsonx.ai'],
];

const ADDRESS = ['server.address', 'net.peer.name', 'http.host'] as const;
const URL_KEYS = ['url.full', 'http.url'] as const;

/** The provider a span's server address (or request URL) names, '' when it names none we know. */
export function providerFromAddress(a: Attributes): string {
  let host = '';
  for (const k of ADDRESS) if (a[k]) { host = a[k]!; break; }
  if (host === '') {
    for (const k of URL_KEYS) {
      const url = a[k];
      if (url === undefined) continue;
      const m = /^[a-z]+:\/\/([^/:?#]+)/i.exec(url);
      if (m !== null) { host = m[1]!; break; }
    }
  }
  if (host === '') return '';
  host = host.toLowerCase();
  const exact = EXACT_HOSTS[host];
  if (exact !== undefined) return exact;
  for (const [re, provider] of SUFFIX_HOSTS) if (re.test(host)) return provider;
  return '';
}

// Instrumentations that only ever trace one provider's API, whatever provider name they write
// (Traceloop's Vertex AI instrumentation writes `Google`, which also names the Gemini API).
const SCOPE_PROVIDERS: Record<string, string> = {
  '@traceloop/instrumentation-vertexai': 'gcp.vertex_ai',
  '@traceloop/instrumentation-bedrock': 'aws.bedrock',
};

/** The provider an instrumentation scope implies, '' when the scope traces more than one or is unknown. */
export function providerFromScope(scopeName: string): string {
  return SCOPE_PROVIDERS[scopeName] ?? '';
}
