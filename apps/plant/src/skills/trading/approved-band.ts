import type { TPriceBand, TRiskCheck, TRunPriceBand } from '@delta/contracts';
import type { ProductSpec } from '../../integrations/market-data.ts';
import { compare, dec, mul, normalizeDecimal, sub, toDecimalString } from './decimal.ts';

/** The risk check a moved mark fails: the hook bus denies it as `price_moved`, before the approval is used. */
export const PRICE_MOVED_CHECK = 'price_band';

/** The band a plan binds: the request's, with the mark it was drafted at as the reference when none is given. */
export function bandOf(requested: TRunPriceBand | undefined, markPrice: string): TPriceBand | undefined {
  if (!requested) return undefined;
  return {
    reference_price: normalizeDecimal(requested.reference_price ?? markPrice),
    max_move_bps: requested.max_move_bps,
  };
}

/**
 * Two checks of an approved price band: it is no wider than the exchange's own band for the product (a band the
 * exchange would not honour promises nothing), and the mark has not moved past it since the approver saw
 * `reference_price`. Pure: the same band and mark always give the same verdict.
 */
export function approvedBandChecks(band: TPriceBand, markPrice: string, product: ProductSpec): TRiskCheck[] {
  const checks: TRiskCheck[] = [];
  const bandPct = `${(band.max_move_bps / 100).toString()} %`;
  if (product.price_band_pct === undefined) {
    checks.push({
      check: 'price_band_limit',
      passed: true,
      reason: `the exchange publishes no price band for ${product.symbol}; the approval's band is ${bandPct}`,
    });
  } else {
    // max_move_bps ≤ price_band_pct × 100, compared exactly in decimals.
    const within = compare(dec(band.max_move_bps), mul(dec(product.price_band_pct), dec(100))) <= 0;
    const exchange = `${normalizeDecimal(product.price_band_pct)} %`;
    checks.push({
      check: 'price_band_limit',
      passed: within,
      reason: within
        ? `the approval's price band ${bandPct} is within the exchange's ${exchange} for ${product.symbol}`
        : `the approval's price band ${bandPct} is wider than the exchange's ${exchange} for ${product.symbol}`,
    });
  }
  const reference = dec(band.reference_price);
  const mark = dec(markPrice);
  const diff = compare(mark, reference) >= 0 ? sub(mark, reference) : sub(reference, mark);
  // |mark − reference| × 10,000 ≤ max_move_bps × reference, exactly.
  const inside = compare(mul(diff, dec(10_000)), mul(dec(band.max_move_bps), reference)) <= 0;
  // Words only (the verdict above is exact): the move in whole basis points.
  const moved = `${Math.round((Number(toDecimalString(diff)) * 10_000) / Number(band.reference_price))} bps`;
  checks.push({
    check: PRICE_MOVED_CHECK,
    passed: inside,
    reason: inside
      ? `the mark ${normalizeDecimal(markPrice)} is within ${band.max_move_bps} bps of the approved ${band.reference_price} (moved ${moved})`
      : `the mark ${normalizeDecimal(markPrice)} moved ${moved} from the approved ${band.reference_price}, past the band of ${band.max_move_bps} bps: re-quote and approve again`,
  });
  return checks;
}
