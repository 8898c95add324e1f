/**
 * Exact decimal arithmetic on strings via bigint fixed point. Money never passes through a float: a float
 * would make plans (and their intent hashes) depend on rounding accidents.
 */
export interface Decimal {
  /** value = units / 10^scale */
  units: bigint;
  scale: number;
}

const PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;

export function dec(value: string | number | bigint): Decimal {
  if (typeof value === 'bigint') return { units: value, scale: 0 };
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`dec(): ${value} is not a safe integer`);
    return { units: BigInt(value), scale: 0 };
  }
  const m = PATTERN.exec(value);
  if (!m) throw new Error(`dec(): "${value}" is not a decimal string`);
  const fraction = m[3] ?? '';
  const units = BigInt(`${m[2]}${fraction}`);
  return { units: m[1] === '-' ? -units : units, scale: fraction.length };
}

function rescale(a: Decimal, scale: number): bigint {
  return a.units * 10n ** BigInt(scale - a.scale);
}

export function mul(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

export function add(a: Decimal, b: Decimal): Decimal {
  const s = Math.max(a.scale, b.scale);
  return { units: rescale(a, s) + rescale(b, s), scale: s };
}

export function sub(a: Decimal, b: Decimal): Decimal {
  return add(a, { units: -b.units, scale: b.scale });
}

/** The nearest multiple of `step` at or above (`up`) or at or below (`down`) a non-negative `a`. */
export function roundToMultiple(a: Decimal, step: Decimal, direction: 'up' | 'down'): Decimal {
  const s = Math.max(a.scale, step.scale);
  const x = rescale(a, s);
  const st = rescale(step, s);
  if (st <= 0n) throw new Error('roundToMultiple(): step must be positive');
  let q = x / st;
  if (direction === 'up' && x % st !== 0n && x > 0n) q += 1n;
  return { units: q * st, scale: s };
}

export function compare(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const s = Math.max(a.scale, b.scale);
  const x = rescale(a, s);
  const y = rescale(b, s);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** a / divisor rounded up (towards +∞) to `places` decimals: conservative for margin estimates. */
export function divCeil(a: Decimal, divisor: bigint, places: number): Decimal {
  if (divisor <= 0n) throw new Error('divCeil(): divisor must be positive');
  const scale = Math.max(places, a.scale);
  const numerator = rescale(a, scale) * 10n ** BigInt(places);
  const denominator = divisor * 10n ** BigInt(scale);
  let q = numerator / denominator;
  if (numerator % denominator !== 0n && numerator > 0n) q += 1n;
  return { units: q, scale: places };
}

/** True when a is an exact multiple of step (e.g. a limit price on the tick grid). */
export function isMultipleOf(a: Decimal, step: Decimal): boolean {
  const s = Math.max(a.scale, step.scale);
  const stepUnits = rescale(step, s);
  return stepUnits !== 0n && rescale(a, s) % stepUnits === 0n;
}

/** Canonical text: no trailing fractional zeros, no leading zeros ("65000.50" → "65000.5"). */
export function toDecimalString(a: Decimal): string {
  const negative = a.units < 0n;
  let digits = (negative ? -a.units : a.units).toString();
  if (a.scale > 0) {
    digits = digits.padStart(a.scale + 1, '0');
    const whole = digits.slice(0, digits.length - a.scale);
    const fraction = digits.slice(digits.length - a.scale).replace(/0+$/, '');
    digits = fraction ? `${whole}.${fraction}` : whole;
  }
  return negative && digits !== '0' ? `-${digits}` : digits;
}

/** Fixed number of decimals (pads with zeros; `a` must already have at most `places` decimals). */
export function toFixedString(a: Decimal, places: number): string {
  if (a.scale > places) throw new Error('toFixedString(): would lose precision');
  const text = toDecimalString({ units: rescale(a, places), scale: places });
  const [whole, fraction = ''] = text.split('.');
  return places === 0 ? whole! : `${whole}.${fraction.padEnd(places, '0')}`;
}

export function normalizeDecimal(value: string): string {
  return toDecimalString(dec(value));
}
