import type { SpanRecord } from '../pipeline';
import { unquote } from './call-rule';
import { langChainProvider } from './langchain-provider';

// Where each dialect names the provider, in the order the mappers are tried.
const PROVIDER_KEYS = ['ai.model.provider', 'gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'mlflow.llm.provider'] as const;

/**
 * The provider exactly as the span named it (before any alias mapping), for the row's
 * `raw_provider`: the first dialect attribute that names one, else LangChain's `ls_provider`
 * in an OpenInference span's `metadata`, else the plugin prefix of a Genkit model name
 * (`googleai/...`), else ''.
 */
export function rawProviderOf(span: SpanRecord): string {
  const a = span.attributes;
  for (const k of PROVIDER_KEYS) {
    const v = a[k];
    if (v !== undefined && v !== '') return unquote(v);
  }
  if (a['openinference.span.kind'] !== undefined) {
    const ls = langChainProvider(a['metadata']);
    if (ls !== '') return ls;
  }
  const genkit = a['genkit:name'];
  if (a['genkit:type'] !== undefined && genkit !== undefined && genkit.includes('/')) return genkit.slice(0, genkit.indexOf('/'));
  return '';
}
