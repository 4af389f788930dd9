import { dollars } from '../reports';

/**
 * A readable dollar amount of an exact nano-USD figure as the reports' `dollars` writes it
 * (cents from $1 up, three significant digits under a dollar); exact figures stay available
 * in `--format json`.
 */
export function formatUsd(nanoText: string | bigint | number | null | undefined): string {
  return dollars(BigInt(String(nanoText ?? '0') || '0'));
}
