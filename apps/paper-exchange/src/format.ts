/** Wire formatting: Delta sends decimals as strings, sizes and ids as integers, timestamps with µs. */

/** A decimal string with at most `dp` places and no exponent (e.g. "60000.5", "0.03"). */
export function dec(value: number, dp = 8): string {
  if (!Number.isFinite(value)) return '0';
  const fixed = value.toFixed(dp);
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return trimmed === '-0' ? '0' : trimmed;
}

export function roundToTick(price: number, tick: number): number {
  const n = Math.round(price / tick);
  // Re-derive from the integer count of ticks so that 0.05 ticks do not drift into 3000.0500000001.
  const decimals = (String(tick).split('.')[1] ?? '').length;
  return Number((n * tick).toFixed(decimals));
}

/** ISO-8601 with microseconds, as Delta prints on orders: 2026-02-01T10:59:34.295000Z. */
export function isoMicros(date: Date): string {
  return date.toISOString().replace('Z', '000Z');
}

export function epochMicros(date: Date = new Date()): number {
  return date.getTime() * 1000;
}

/** Numeric columns come back as strings; null stays null. */
export function num(value: string | number | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}
