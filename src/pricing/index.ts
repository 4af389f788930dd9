/** Pricing: catalog + shipped corrections + service tiers + effective-dated overrides, exact nano-USD costs. */
export { pricingConfigSchema, type PricingConfig } from './config';
export { createCatalog, selectPrice, type Catalog, type CatalogPrice } from './catalog';
export { loadCorrections, shippedCorrections, SHIPPED_CORRECTIONS, type CompiledCorrection, type Correction } from './corrections';
export { loadServiceTiers, shippedServiceTiers, isStandardTier, SHIPPED_SERVICE_TIERS, type ServiceTiers, type ServiceTierEntry } from './service-tiers';
export { createPriceBook, loadOverrides, PricesError, type PriceBook, type PriceEntry, type PriceLookup } from './price-book';
export { overridesSchema, type PriceOverride } from './overrides-schema';
export { computeCost, unitsByClass, type CostParts, type Count, type Usage } from './compute-cost';
export { priceCall, type Billing, type PriceQuery } from './price-call';
export { createPricer, callPriceQuery, type PriceCalls, type PricingTelemetry } from './pricer';
export { createEstimator, type EstimateQuery } from './estimate';
export { rerate, type RerateLedger, type RerateSummary, type StoredPricedCall, type CostAdjustment } from './rerate';
export { createPricingStage, knowsModel } from './pricing-stage';
export { providerReportedNanoUsd, PROVIDER_COST_ATTRIBUTES } from './provider-cost';
export { formatNanoUsd, parseScaled, divRound } from '../pipeline';
export { rateFor, effectiveRate, type Rate, type TokenRates } from './token-rates';
export { RATE_CLASSES, RATE_CLASS_NAMES, CLASS_OF_PRICE_KEY, type RateClass } from './rate-classes';
