import { seededRandom } from '@delta/server-kit';

/**
 * The simulated price of one product: a seeded stochastic process that looks like a crypto market rather than a
 * plain random walk. Log returns per minute have
 * - volatility clusters (GARCH(1,1) on the per-minute variance: calm hours and wild hours),
 * - regimes that switch every few hours: trending (a drift either way), mean-reverting (pulled back to where the
 *   regime started) and directionless,
 * - fat tails (an occasional shock of 2.5×) and rare gaps (a 1–3 % jump between two ticks),
 * - a basis: the mark sits a few basis points off the spot index, mean-reverting around a small premium, which is
 *   what the funding rate is derived from.
 * Everything is drawn from one seeded generator, so the same seed and the same sequence of step sizes give the
 * same path on every machine. Steps may be fractions of a minute (live ticks) or whole minutes (back-fill).
 */

export type Regime = 'trend' | 'revert' | 'random';

export interface ProcessState {
  /** Per-minute variance of log returns. */
  variance: number;
  regime: Regime;
  regimeLeftMin: number;
  /** Per-minute log drift while trending. */
  drift: number;
  /** Log price a mean-reverting regime pulls towards. */
  anchor: number;
  /** mark / spot − 1. */
  basis: number;
}

export interface Step {
  /** Log return of the step, the gap included. */
  ret: number;
  /** The part of `ret` that is a gap (0 almost always). */
  gap: number;
  /** The basis after the step. */
  basis: number;
  /** The step's volatility (per minute), for synthetic highs, lows and volume. */
  sigma: number;
}

// GARCH weights per minute: persistence α+β = 0.99 keeps a volatile spell going for about an hour or two.
const ALPHA = 0.05;
const BETA = 0.94;
const GAP_PER_MIN = 1 / 4000;
const SHOCK_PROB = 0.04;
const SHOCK = 2.5;
// Shocks fatten the tails without raising the variance: E[z²] stays 1, so the GARCH stays stationary at σ².
const SHOCK_NORM = 1 / Math.sqrt(1 - SHOCK_PROB + SHOCK_PROB * SHOCK * SHOCK);
const BASIS_MEAN = 0.00005;
const BASIS_SD = 0.0002;
const BASIS_KAPPA = 1 / 60;
const BASIS_LIMIT = 0.003;
const REVERT_PER_MIN = 1 / 120;

export class PriceProcess {
  private readonly rnd: () => number;
  readonly state: ProcessState;

  constructor(
    seed: number,
    /** Long-run volatility per minute (fraction of price). */
    private readonly sigma: number,
    logPrice: number,
  ) {
    this.rnd = seededRandom(seed);
    this.state = {
      variance: sigma * sigma,
      regime: 'random',
      regimeLeftMin: 0,
      drift: 0,
      anchor: logPrice,
      basis: BASIS_MEAN,
    };
  }

  uniform(): number {
    return this.rnd();
  }

  gaussian(): number {
    const u = Math.max(this.rnd(), Number.EPSILON);
    const v = this.rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  private nextRegime(logPrice: number): void {
    const s = this.state;
    const pick = this.rnd();
    const sd = Math.sqrt(s.variance);
    if (pick < 0.4) {
      s.regime = 'trend';
      s.regimeLeftMin = 60 + this.rnd() * 420;
      s.drift = (this.rnd() < 0.5 ? -1 : 1) * (0.02 + this.rnd() * 0.08) * Math.min(sd, 2 * this.sigma);
    } else if (pick < 0.75) {
      s.regime = 'revert';
      s.regimeLeftMin = 120 + this.rnd() * 600;
      s.drift = 0;
    } else {
      s.regime = 'random';
      s.regimeLeftMin = 60 + this.rnd() * 300;
      s.drift = 0;
    }
    s.anchor = logPrice;
  }

  /** Advances the process by `dtMin` minutes from `logPrice`. */
  step(logPrice: number, dtMin: number): Step {
    const s = this.state;
    if (s.regimeLeftMin <= 0) this.nextRegime(logPrice);
    s.regimeLeftMin -= dtMin;

    const sd = Math.sqrt(s.variance);
    const shock = (this.rnd() < SHOCK_PROB ? SHOCK : 1) * SHOCK_NORM;
    const noise = this.gaussian() * shock * sd * Math.sqrt(dtMin);
    const drift = s.regime === 'revert' ? -REVERT_PER_MIN * (logPrice - s.anchor) : s.drift;
    let ret = drift * dtMin + noise;

    let gap = 0;
    if (this.rnd() < GAP_PER_MIN * dtMin) {
      gap = (this.rnd() < 0.5 ? -1 : 1) * (10 + this.rnd() * 25) * this.sigma;
      ret += gap;
    }

    // Variance update scaled to the step: the squared return is read as its per-minute equivalent.
    const omega = (1 - ALPHA - BETA) * this.sigma * this.sigma;
    const perMin = (noise * noise) / dtMin;
    const next = s.variance + dtMin * (omega + ALPHA * perMin + (BETA - 1) * s.variance);
    s.variance = Math.min(25 * this.sigma ** 2, Math.max(0.2 * this.sigma ** 2, next));

    const basisNoise = BASIS_SD * Math.sqrt(2 * BASIS_KAPPA * dtMin) * this.gaussian();
    const basis = s.basis + BASIS_KAPPA * dtMin * (BASIS_MEAN - s.basis) + basisNoise;
    s.basis = Math.max(-BASIS_LIMIT, Math.min(BASIS_LIMIT, basis));
    return { ret, gap, basis: s.basis, sigma: sd };
  }
}

/** A stream seed per product and purpose, so the products and the back-fill/live parts never share draws. */
export function streamSeed(seed: number, productId: number, salt: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ productId, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ salt, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
