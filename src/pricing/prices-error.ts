/** A prices, corrections or service-tier file that cannot be used; the message names the entry and field. */
export class PricesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PricesError';
  }
}
