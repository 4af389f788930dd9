import { divRound, formatNanoUsd, parseScaled } from '../pipeline';

/** "$4,860.00" from nano-USD, rounded to the cent for people; exact figures stay in *_nano_usd fields. */
export function dollars(nano: bigint): string {
  const cents = divRound(nano, 10_000_000n);
  const neg = cents < 0n;
  const abs = (neg ? -cents : cents).toString().padStart(3, '0');
  const whole = abs.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}$${whole}.${abs.slice(-2)}`;
}

/** Exact decimal dollars ("4860.123456789") for JSON and CSV. */
export function usd(nano: bigint): string {
  return formatNanoUsd(nano);
}

/** nano × multiplier (a decimal string), rounded half-up to the nano. */
export function applyMultiplier(nano: bigint, multiplier: string): bigint {
  return divRound(nano * parseScaled(multiplier, 9), 1_000_000_000n);
}
