import type { OwnedBatch, PricedBatch, PricedCall, Stage } from '../pipeline';
import type { PriceBook } from './price-book';
import type { PriceCalls } from './pricer';

/**
 * The third stage: prices every call by `priceCalls` (the price book in force, the billing
 * choice), in place, and hands the same calls on as priced ones, ready for the ledger.
 */
export function createPricingStage(priceCalls: PriceCalls): Stage<OwnedBatch, PricedBatch> {
  return {
    name: 'pricing',
    process(batch) {
      if (batch.calls.length === 0) return batch as PricedBatch;
      priceCalls(batch.calls);
      // Every call has its cost now (set in place: no copy per call).
      const calls = batch.calls as readonly PricedCall[];
      return { spans: batch.spans, calls, unmapped: batch.unmapped, refused: batch.refused };
    },
  };
}

/**
 * Whether the book in force lists a price for `model` at `atMs`, under any provider and on
 * the standard tier: what the normalize stage asks of a span no convention claimed.
 */
export function knowsModel(books: { current(): PriceBook }): (model: string, atMs: number) => boolean {
  return (model, atMs) => books.current().lookup({ provider: '', models: [model], serviceTier: '', atMs }) !== undefined;
}
