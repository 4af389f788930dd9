import type { NormalizedCall } from '../pipeline';
import { canonicalOperation } from './call-rule';
import { normalizeModelId } from './model-ids';
import { canonicalProvider } from './provider-aliases';
import { providerFromAddress, providerFromScope } from './provider-inference';
import { rawProviderOf } from './raw-provider';

// Names that several providers answer to: the server address or the model id decides first.
const AMBIGUOUS = new Set(['google', 'azure', 'gcp.gemini', 'azure.ai.openai', 'azure.ai.inference']);

/**
 * Normalizes a mapped call's identity in place: names the operation by its OTel name,
 * keeps the provider and model ids as sent
 * in `raw*`, normalizes model ids for pricing, and names the provider by its OTel
 * well-known value, inferred from the server address, then the model id, then the
 * instrumentation scope, when the span names a framework or nothing (and when it names an
 * ambiguous one such as `google`).
 */
export function normalizeIdentity(call: NormalizedCall): void {
  const rawProvider = rawProviderOf(call.span) || call.provider;
  call.rawProvider = rawProvider;
  call.operation = canonicalOperation(call.operation);
  call.rawRequestModel = call.requestModel;
  call.rawResponseModel = call.responseModel;
  const req = normalizeModelId(call.requestModel);
  const res = normalizeModelId(call.responseModel);
  call.requestModel = req.model;
  call.responseModel = res.model;
  const named = canonicalProvider(rawProvider);
  if (named !== '' && !AMBIGUOUS.has(rawProvider.toLowerCase())) {
    call.provider = named;
    return;
  }
  call.provider = providerFromAddress(call.span.attributes) || res.provider || req.provider || providerFromScope(call.span.scopeName) || named;
}
