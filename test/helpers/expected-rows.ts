import { expectedCostNanoUsd, type CallTokens } from './catalog-cost';
import type { CallRow } from './ledger-rows';

/** One expected `llm_calls` row: the identity as stored, the tokens as reported, the cost derived from the catalog entry `price`. */
export interface ExpectedCall {
  span: string;
  convention: string;
  operation?: string;
  provider: string;
  rawProvider: string;
  requestModel: string;
  responseModel?: string;
  tokens: CallTokens;
  /** The catalog entry that prices the call: provider id and model id. */
  price: [string, string];
  tokenRebuild?: string;
  session?: string;
  user?: string;
}

/** The row `e` describes, with its cost computed from the catalog (see catalog-cost.ts). */
export function expectedRow(e: ExpectedCall): CallRow & { span_name: string } {
  const t = e.tokens;
  return {
    span_name: e.span, convention: e.convention, operation: e.operation ?? 'chat', provider: e.provider, raw_provider: e.rawProvider,
    request_model: e.requestModel, response_model: e.responseModel ?? e.requestModel,
    input_tokens: t.input, output_tokens: e.operation === 'embeddings' ? null : t.output, cache_read_tokens: t.cacheRead ?? null, cache_write_tokens: t.cacheWrite ?? null,
    cache_write_1h_tokens: t.cacheWrite1h ?? null, reasoning_tokens: t.reasoning ?? null, token_rebuild: e.tokenRebuild ?? '',
    cost_nano_usd: String(expectedCostNanoUsd(e.price[0], e.price[1], t)), pricing_status: 'priced', session_id: e.session ?? '', user_id: e.user ?? '',
  };
}
