// Money is integer nano-USD (bigint) everywhere; these helpers are shared by pricing, policy
// and reports. Exact decimal arithmetic on bigint. Money never passes through a JS float: catalog rates
// arrive as JS numbers, and their shortest decimal form (String(0.075) === '0.075') is the
// decimal the catalog's authors wrote, so we parse that string, not the binary value.

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/**
 * `text` (a decimal such as "2.5", "0.0375" or "1e-7") times 10^scale, exactly. Throws if
 * the value has more fractional digits than `scale` can hold.
 */
export function parseScaled(text: string, scale: number): bigint {
  const m = DECIMAL.exec(text.trim());
  if (m === null) throw new Error(`not a decimal number: '${text}'`);
  const [, sign, int, frac = '', exp = '0'] = m;
  let digits = `${int}${frac}`;
  let shift = scale - frac.length + Number(exp);
  if (shift < 0) {
    const dropped = digits.slice(digits.length + shift);
    if (/[^0]/.test(dropped)) throw new Error(`'${text}' has more than ${scale} decimal places`);
    digits = digits.slice(0, digits.length + shift) || '0';
    shift = 0;
  }
  const value = BigInt(digits) * 10n ** BigInt(shift);
  return sign ? -value : value;
}

/** A JS number from the catalog as an exact scaled integer (via its shortest decimal form). */
export function numberScaled(value: number, scale: number): bigint {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return parseScaled(String(value), scale);
}

/** a / b rounded half away from zero. */
export function divRound(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= (b < 0n ? -b : b)) return a < 0n !== b < 0n ? q - 1n : q + 1n;
  return q;
}

/** Nano-USD as a dollar string with all nine decimals, for display: 1234500000n -> "1.234500000". */
export function formatNanoUsd(nano: bigint): string {
  const neg = nano < 0n;
  const abs = neg ? -nano : nano;
  const s = abs.toString().padStart(10, '0');
  return `${neg ? '-' : ''}${s.slice(0, -9)}.${s.slice(-9)}`;
}
