import { divRound, formatNanoUsd, parseScaled } from '../pipeline';

const NANO = 1_000_000_000n;

/**
 * A readable dollar amount of an exact nano-USD figure, for people (headlines, summaries,
 * the CLI's tables): cents from $1 up (rounded half up, thousands grouped); under a dollar,
 * enough decimals for three significant digits (at most nine), so $0.000412 never reads
 * $0.00. The console's `format.js` follows the same rule (a test compares them); exact
 * figures stay in the *_nano_usd fields.
 */
export function dollars(nano: bigint): string {
  let n = nano;
  const sign = n < 0n ? '-' : '';
  if (n < 0n) n = -n;
  if (n === 0n) return '$0.00';
  if (n >= NANO) {
    const cents = divRound(n, 10_000_000n).toString().padStart(3, '0');
    return `${sign}$${cents.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents.slice(-2)}`;
  }
  const decimals = Math.min(9, Math.max(2, 12 - n.toString().length));
  const unit = 10n ** BigInt(9 - decimals);
  const rounded = unit === 1n ? n : (n + unit / 2n) / unit;
  if (rounded.toString().length > decimals) return `${sign}$1.00`;
  return `${sign}$0.${rounded.toString().padStart(decimals, '0')}`.replace(/(\.\d\d\d*?)0+$/, '$1');
}

/** Exact decimal dollars ("4860.123456789") for JSON and CSV. */
export function usd(nano: bigint): string {
  return formatNanoUsd(nano);
}

/** nano × multiplier (a decimal string), rounded half-up to the nano. */
export function applyMultiplier(nano: bigint, multiplier: string): bigint {
  return divRound(nano * parseScaled(multiplier, 9), 1_000_000_000n);
}
