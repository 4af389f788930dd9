import { jsonObject } from './json-usage';

/** LangChain's `ls_provider` (`openai`, `anthropic`, `google_vertexai`, `amazon_bedrock`...) from OpenInference's `metadata` JSON, '' when absent. */
export function langChainProvider(metadata: string | undefined): string {
  if (metadata === undefined || !metadata.includes('ls_provider')) return '';
  const p = jsonObject(metadata)?.ls_provider;
  return typeof p === 'string' ? p : '';
}
