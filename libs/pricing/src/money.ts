// Exact money arithmetic for metering. Money is a bigint count of picodollars (1e-12 USD) and
// never a floating-point number: a float cannot hold $0.01875 exactly, and summing millions of
// metered events in floats drifts by visible cents.
//
// Why picodollars: list prices are quoted in USD per million tokens with up to six decimals
// ($0.005, $0.01875, $0.028 …), so the price of ONE token is a whole number of picodollars
// (pico per token = USD per million × 1e6). Every token cost is therefore an exact integer product
// and no rounding happens until a figure is shown to a human or converted to credits.

/** A signed amount of money in picodollars (1 USD = 1e12). */
export type Picodollars = bigint;

export const PICO_PER_USD = 1_000_000_000_000n;
export const PICO_PER_MICRO_USD = 1_000_000n;
/** Most decimals a USD amount may carry: one picodollar. */
export const MAX_USD_DECIMALS = 12;

/** A decimal string could not be read as money (garbage, too many decimals, or a forbidden sign). */
export class InvalidMoneyAmount extends Error {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`invalid money amount ${JSON.stringify(input)}: ${reason}`);
    this.name = 'InvalidMoneyAmount';
  }
}

/** A decimal number as an exact fraction: value = units / 10^scale. */
export interface ExactDecimal {
  units: bigint;
  scale: number;
}

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Reads a plain decimal string ("12", "0.15", "-3.5") exactly. No exponents, no thousands
 * separators, no surrounding whitespace, no bare "." forms: config and catalogs are written by
 * people, and a typo must fail loudly rather than price something at zero.
 */
export function parseDecimal(input: string, options: { maxDecimals: number; allowNegative?: boolean }): ExactDecimal {
  if (typeof input !== 'string') throw new InvalidMoneyAmount(String(input), 'not a string');
  const match = DECIMAL.exec(input);
  if (!match) throw new InvalidMoneyAmount(input, 'not a plain decimal number');
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > options.maxDecimals) throw new InvalidMoneyAmount(input, `more than ${options.maxDecimals} decimals`);
  const magnitude = BigInt(whole + fraction);
  const negative = sign === '-' && magnitude !== 0n;
  if (negative && !options.allowNegative) throw new InvalidMoneyAmount(input, 'negative amounts are not allowed here');
  return { units: negative ? -magnitude : magnitude, scale: fraction.length };
}

/** Scales an exact decimal to a fixed number of decimals; throws when that would lose digits. */
export function decimalToScaled(value: ExactDecimal, scale: number): bigint {
  if (value.scale > scale) throw new RangeError(`cannot represent ${value.units}e-${value.scale} with ${scale} decimals`);
  return value.units * 10n ** BigInt(scale - value.scale);
}

/**
 * "0.15" → 150_000_000_000n picodollars. Rejects more than 12 decimals (below one picodollar),
 * garbage, and negative amounts unless `allowNegative` (prices are never negative; adjustments
 * and refunds may be).
 */
export function parseUsd(input: string, options: { allowNegative?: boolean } = {}): Picodollars {
  return decimalToScaled(parseDecimal(input, { maxDecimals: MAX_USD_DECIMALS, allowNegative: options.allowNegative }), MAX_USD_DECIMALS);
}

export type RoundingMode = 'half-up' | 'half-away-from-zero' | 'floor' | 'ceil';

/**
 * Integer division with an explicit rounding rule. 'half-up' rounds ties toward +∞ (−2.5 → −2),
 * 'half-away-from-zero' rounds ties away from zero (−2.5 → −3).
 */
export function divideRounded(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) return divideRounded(-numerator, -denominator, mode);
  const floor = floorDiv(numerator, denominator);
  const remainder = numerator - floor * denominator; // 0 ≤ remainder < denominator
  if (remainder === 0n) return floor;
  switch (mode) {
    case 'floor':
      return floor;
    case 'ceil':
      return floor + 1n;
    case 'half-up':
      return 2n * remainder >= denominator ? floor + 1n : floor;
    case 'half-away-from-zero': {
      const twice = 2n * remainder;
      if (twice > denominator) return floor + 1n;
      if (twice < denominator) return floor;
      return numerator < 0n ? floor : floor + 1n;
    }
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b; // truncates toward zero
  return (a % b !== 0n && a < 0n !== b < 0n) ? q - 1n : q;
}

/**
 * Picodollars as a USD string with `decimals` places (0–12), rounded half away from zero, the way
 * an invoice line is rounded: formatUsd(1_500_000n) === "0.000002". A result that rounds to zero
 * carries no minus sign.
 */
export function formatUsd(pico: Picodollars, decimals = 6): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_USD_DECIMALS) {
    throw new RangeError(`decimals must be an integer in 0..${MAX_USD_DECIMALS}, got ${decimals}`);
  }
  const scaled = divideRounded(pico, 10n ** BigInt(MAX_USD_DECIMALS - decimals), 'half-away-from-zero');
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  return `${negative ? '-' : ''}${whole}${decimals > 0 ? `.${fraction}` : ''}`;
}

/**
 * Picodollars to whole micro-dollars (1e-6 USD, the unit PostgreSQL aggregates and dashboards
 * use), rounded half up. Round only for display or storage of aggregates: sum picodollars first,
 * then convert once, or rounding errors add up per event.
 */
export function picoToMicroUsd(pico: Picodollars): bigint {
  return divideRounded(pico, PICO_PER_MICRO_USD, 'half-up');
}

export function sumPico(values: Iterable<Picodollars>): Picodollars {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}
