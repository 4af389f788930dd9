const NANO = 1_000_000_000n;

/**
 * A readable dollar amount of an exact nano-USD figure: cents from $1 up (rounded half up,
 * thousands grouped); under a dollar, enough decimals for three significant digits (at
 * most nine), so a day of test traffic reads $0.000412, never $0.00. The same rule as the
 * console's `format.js`; exact figures stay available in `--format json`.
 */
export function formatUsd(nanoText: string | bigint | number | null | undefined): string {
  let n = BigInt(String(nanoText ?? '0') || '0');
  const sign = n < 0n ? '-' : '';
  if (n < 0n) n = -n;
  if (n === 0n) return '$0.00';
  if (n >= NANO) {
    const s = ((n + 5_000_000n) / 10_000_000n).toString().padStart(3, '0');
    return `${sign}$${s.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${s.slice(-2)}`;
  }
  const decimals = Math.min(9, Math.max(2, 12 - n.toString().length));
  const unit = 10n ** BigInt(9 - decimals);
  const rounded = unit === 1n ? n : (n + unit / 2n) / unit;
  if (rounded.toString().length > decimals) return `${sign}$1.00`;
  return `${sign}$0.${rounded.toString().padStart(decimals, '0')}`.replace(/(\.\d\d\d*?)0+$/, '$1');
}
