import { formatNanoUsd } from '../pipeline';
import type { Period } from './period';
import type { ReportLedger } from './ports';

/** FOCUS 1.2 columns we emit, spec columns first (alphabetical), then our `x_` columns. */
export const FOCUS_COLUMNS = [
  'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingAccountType', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'ChargePeriodEnd', 'ChargePeriodStart', 'ConsumedQuantity',
  'ConsumedUnit', 'ContractedCost', 'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'PricingCategory', 'PricingQuantity', 'PricingUnit',
  'ProviderName', 'PublisherName', 'ServiceCategory', 'ServiceName', 'ServiceSubcategory', 'SkuId', 'SubAccountId', 'SubAccountName', 'Tags',
  'x_Tenant', 'x_Team', 'x_App', 'x_Feature', 'x_Environment', 'x_Model', 'x_Calls', 'x_FailedCost', 'x_RetryCost', 'x_WorkflowCost',
] as const;

const PROVIDER_NAMES: Record<string, string> = {
  openai: 'OpenAI', anthropic: 'Anthropic', 'gcp.gemini': 'Google', 'gcp.vertex_ai': 'Google Cloud', 'aws.bedrock': 'AWS',
  'azure.ai.openai': 'Microsoft', 'azure.ai.inference': 'Microsoft', mistral_ai: 'Mistral AI', x_ai: 'xAI', deepseek: 'DeepSeek',
  groq: 'Groq', cohere: 'Cohere', perplexity: 'Perplexity',
};

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The ledger of a period as FOCUS 1.2 usage rows, one per provider × model × day × tenant
 * (with team, app, feature and environment as tags). BilledCost, EffectiveCost, ContractedCost
 * and ListCost are all the billed cost (duplicates excluded): the price book does not yet keep
 * list prices apart from negotiated ones. Quantities are tokens.
 */
export async function focusRows(ledger: ReportLedger, period: Period): Promise<Record<(typeof FOCUS_COLUMNS)[number], string | null>[]> {
  const rows = await ledger.dailyCosts({ from: period.from, to: period.to });
  return rows.map((r) => {
    const dayMs = Date.parse(`${r.day}T00:00:00Z`);
    const cost = formatNanoUsd(BigInt(r.cost!));
    const provider = PROVIDER_NAMES[r.provider!] ?? (r.provider || 'Unknown');
    const tags: Record<string, string> = {};
    for (const k of ['team', 'app', 'feature', 'environment'] as const) if (r[k]) tags[k] = r[k]!;
    return {
      BilledCost: cost, BillingAccountId: 'spanledger', BillingAccountName: 'spanledger ledger', BillingAccountType: 'Internal',
      BillingCurrency: 'USD', BillingPeriodEnd: iso(period.toMs), BillingPeriodStart: iso(period.fromMs),
      ChargeCategory: 'Usage', ChargeClass: null, ChargeDescription: `${provider} ${r.model} tokens`, ChargeFrequency: 'Usage-Based',
      ChargePeriodEnd: iso(dayMs + 86_400_000), ChargePeriodStart: iso(dayMs), ConsumedQuantity: r.tokens!, ConsumedUnit: 'Tokens',
      ContractedCost: cost, EffectiveCost: cost, InvoiceIssuerName: provider, ListCost: cost, PricingCategory: 'Standard',
      PricingQuantity: r.tokens!, PricingUnit: 'Tokens', ProviderName: provider, PublisherName: provider, ServiceCategory: 'AI and Machine Learning',
      ServiceName: `${provider} API`, ServiceSubcategory: 'Generative AI', SkuId: `${r.provider}/${r.model}`, SubAccountId: r.tenant || null,
      SubAccountName: r.tenant || null, Tags: JSON.stringify(tags), x_Tenant: r.tenant || null, x_Team: r.team || null, x_App: r.app || null,
      x_Feature: r.feature || null, x_Environment: r.environment || null, x_Model: r.model!, x_Calls: r.calls!, x_FailedCost: formatNanoUsd(BigInt(r.failed!)),
      x_RetryCost: formatNanoUsd(BigInt(r.retry!)), x_WorkflowCost: cost,
    };
  });
}
