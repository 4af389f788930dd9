/** Pricing: catalog + effective-dated overrides, exact nano-USD costs. */
export { pricingConfigSchema, type PricingConfig } from './config';
export { createCatalog, type Catalog, type CatalogPrice } from './catalog';
export { createPriceBook, loadOverrides, PricesError, type PriceBook, type PriceEntry, type PriceQuery } from './price-book';
export { overridesSchema, type PriceOverride } from './overrides-schema';
export { computeCost, type CostParts, type Usage } from './compute-cost';
export { createPricer, type PriceCalls, type PricingTelemetry } from './pricer';
export { providerReportedNanoUsd, PROVIDER_COST_ATTRIBUTES } from './provider-cost';
export { formatNanoUsd, parseScaled, divRound } from '../pipeline';
export { rateFor, type Rate, type TokenRates } from './token-rates';
