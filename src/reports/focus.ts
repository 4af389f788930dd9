import { formatNanoUsd } from '../pipeline';
import { providerParties } from './focus-parties';
import type { Period } from './period';
import type { LedgerRow, ReportLedger } from './ports';

/** FOCUS versions the export can write: 1.3 (current, the default) or 1.2. */
export const FOCUS_VERSIONS = ['1.3', '1.2'] as const;
export type FocusVersion = (typeof FOCUS_VERSIONS)[number];

const X_COLUMNS = ['x_Tenant', 'x_Team', 'x_App', 'x_Feature', 'x_Environment', 'x_Model', 'x_Calls', 'x_FailedCost', 'x_RetryCost', 'x_WorkflowCost'] as const;

/** FOCUS 1.2 columns we emit, spec columns first (alphabetical), then our `x_` columns. */
export const FOCUS_1_2_COLUMNS = [
  'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingAccountType', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'ChargePeriodEnd', 'ChargePeriodStart', 'ConsumedQuantity',
  'ConsumedUnit', 'ContractedCost', 'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'PricingCategory', 'PricingQuantity', 'PricingUnit',
  'ProviderName', 'PublisherName', 'ServiceCategory', 'ServiceName', 'ServiceSubcategory', 'SkuId', 'SubAccountId', 'SubAccountName', 'Tags',
  ...X_COLUMNS,
] as const;

/**
 * FOCUS 1.3 columns we emit (the default), spec columns first (alphabetical), then our `x_`
 * columns: the 1.2 set plus the split cost allocation columns and ServiceProviderName /
 * HostProviderName (ProviderName, deprecated in 1.3, kept equal to ServiceProviderName).
 */
export const FOCUS_COLUMNS = [
  'AllocatedMethodDetails', 'AllocatedMethodId', 'AllocatedResourceId', 'AllocatedResourceName', 'AllocatedTags',
  'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingAccountType', 'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart',
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'ChargePeriodEnd', 'ChargePeriodStart', 'ConsumedQuantity',
  'ConsumedUnit', 'ContractedCost', 'EffectiveCost', 'HostProviderName', 'InvoiceIssuerName', 'ListCost', 'PricingCategory', 'PricingQuantity',
  'PricingUnit', 'ProviderName', 'PublisherName', 'ServiceCategory', 'ServiceName', 'ServiceProviderName', 'ServiceSubcategory', 'SkuId',
  'SubAccountId', 'SubAccountName', 'Tags',
  ...X_COLUMNS,
] as const;

/** The columns of a version, in the order CSV writes them. */
export function focusColumns(version: FocusVersion): readonly string[] {
  return version === '1.2' ? FOCUS_1_2_COLUMNS : FOCUS_COLUMNS;
}

/** How spanledger splits a provider's charge: documented in README ("FOCUS export"). */
export const ALLOCATION_METHOD_ID = 'spanledger-per-call-attribution';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** a / b as a decimal with up to 12 places (exact integers in, no float drift beyond the last place). */
function ratio(a: bigint, b: bigint): number {
  if (b === 0n) return 0;
  return Number((a * 1_000_000_000_000n) / b) / 1e12;
}

/**
 * The ledger of a period as FOCUS usage rows, one per provider × model × day × owner
 * (tenant, team, app, feature, environment), from the daily rollup of the billed cost.
 * BilledCost, EffectiveCost and ContractedCost are the billed cost after overrides and
 * re-rating (duplicates excluded); ListCost the catalog list cost before negotiated
 * overrides. In 1.3 each row is an allocated charge of the provider's charge for the model
 * and day (the origin charge): `AllocatedMethodDetails` gives its share of that charge.
 * Quantities are tokens.
 */
export async function focusRows(ledger: ReportLedger, period: Period, version: FocusVersion = '1.3'): Promise<Record<string, string | null>[]> {
  const rows = await ledger.dailyCosts({ from: period.from, to: period.to });
  // The origin charge of each row: the provider's charge for the model and day, all owners.
  const origin = new Map<string, { cost: bigint; tokens: bigint; rows: number }>();
  const originKey = (r: LedgerRow) => `${r.day}|${r.provider}|${r.model}`;
  for (const r of rows) {
    const o = origin.get(originKey(r)) ?? { cost: 0n, tokens: 0n, rows: 0 };
    o.cost += BigInt(r.cost!);
    o.tokens += BigInt(r.tokens!);
    o.rows++;
    origin.set(originKey(r), o);
  }
  // Each row's keys in the version's column order, so JSON reads as the CSV does.
  const inOrder = (row: Record<string, string | null>) => Object.fromEntries(focusColumns(version).map((c) => [c, row[c] ?? null]));
  return rows.map((r) => inOrder(focusRow(r)));
  function focusRow(r: LedgerRow): Record<string, string | null> {
    const dayMs = Date.parse(`${r.day}T00:00:00Z`);
    const billed = BigInt(r.cost!);
    const cost = formatNanoUsd(billed);
    const parties = providerParties(r.provider!, r.model!);
    const owner: Record<string, string> = {};
    for (const k of ['tenant', 'team', 'app', 'feature'] as const) if (r[k]) owner[k] = r[k]!;
    const common = {
      BilledCost: cost, BillingAccountId: 'spanledger', BillingAccountName: 'spanledger ledger', BillingAccountType: 'Internal',
      BillingCurrency: 'USD', BillingPeriodEnd: iso(period.toMs), BillingPeriodStart: iso(period.fromMs),
      ChargeCategory: 'Usage', ChargeClass: null, ChargeDescription: `${parties.service} ${r.model} tokens`, ChargeFrequency: 'Usage-Based',
      ChargePeriodEnd: iso(dayMs + 86_400_000), ChargePeriodStart: iso(dayMs), ConsumedQuantity: r.tokens!, ConsumedUnit: 'Tokens',
      ContractedCost: cost, EffectiveCost: cost, InvoiceIssuerName: parties.invoiceIssuer, ListCost: formatNanoUsd(BigInt(r.list_cost ?? r.cost!)),
      PricingCategory: 'Standard', PricingQuantity: r.tokens!, PricingUnit: 'Tokens', PublisherName: parties.publisher,
      ServiceCategory: 'AI and Machine Learning', ServiceName: parties.serviceName, ServiceSubcategory: 'Generative AI', SkuId: `${r.provider}/${r.model}`,
      SubAccountId: r.tenant || null, SubAccountName: r.tenant || null,
    };
    const x = {
      x_Tenant: r.tenant || null, x_Team: r.team || null, x_App: r.app || null, x_Feature: r.feature || null, x_Environment: r.environment || null,
      x_Model: r.model!, x_Calls: r.calls!, x_FailedCost: formatNanoUsd(BigInt(r.failed!)), x_RetryCost: formatNanoUsd(BigInt(r.retry!)), x_WorkflowCost: cost,
    };
    if (version === '1.2') {
      const tags: Record<string, string> = { ...owner };
      delete tags.tenant;
      if (r.environment) tags.environment = r.environment;
      return { ...common, ProviderName: parties.invoiceIssuer, Tags: JSON.stringify(tags), ...x };
    }
    const o = origin.get(originKey(r))!;
    // Shares of the origin charge by billed cost; by tokens when it cost nothing; evenly when neither.
    const share = o.cost !== 0n ? ratio(billed, o.cost) : o.tokens !== 0n ? ratio(BigInt(r.tokens!), o.tokens) : 1 / o.rows;
    const allocated = r.tenant !== '';
    const allocatedTags: Record<string, string> = {};
    for (const [k, v] of Object.entries(owner)) allocatedTags[`spanledger/${k}`] = v;
    return {
      AllocatedMethodDetails: JSON.stringify({ Elements: [{ AllocatedRatio: share, UsageUnit: 'Tokens', UsageQuantity: Number(r.tokens) }] }),
      AllocatedMethodId: ALLOCATION_METHOD_ID,
      // The unallocated portion of a charge has no allocated resource (FOCUS 1.3).
      AllocatedResourceId: allocated ? ['tenant', 'team', 'app', 'feature'].map((k) => `${k}:${r[k] ?? ''}`).join('/') : null,
      AllocatedResourceName: allocated ? [r.team, r.app, r.feature].filter(Boolean).join(' / ') + ` (tenant ${r.tenant})` : null,
      AllocatedTags: allocated ? JSON.stringify(allocatedTags) : null,
      ...common,
      HostProviderName: parties.host, ProviderName: parties.service, ServiceProviderName: parties.service,
      Tags: JSON.stringify(r.environment ? { environment: r.environment } : {}),
      ...x,
    };
  }
}
