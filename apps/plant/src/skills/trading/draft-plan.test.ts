import type { TAgentSetup, TPositionTradeRequest } from '@delta/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DELTA_INDIA_PRODUCTS, type ProductSpec } from '../../integrations/market-data.ts';
import { dec, divCeil, isMultipleOf, normalizeDecimal, toDecimalString } from './decimal.ts';
import { buildDraftPlan, type PlanSubject } from './draft-plan.ts';

const BTC = DELTA_INDIA_PRODUCTS[0]!;
const ETH = DELTA_INDIA_PRODUCTS[1]!;
const OPTIONS = { playbookId: 'TRADING.DELTA.FUTURES.MANUAL.V1', inrPerUsd: '85' };

function subject(setup: Partial<TAgentSetup> = {}): PlanSubject {
  return {
    agentId: 'AGT-TRD-DELTA-001',
    hiredAgentId: '00000000-0000-4000-8000-000000000001',
    customerId: 'cust-1',
    setup: {
      exchange_provider: 'delta_exchange_india',
      credential_ref: 'acct-1',
      default_coin: 'BTC',
      allowed_coins: ['BTC'],
      risk_limits: { max_units_per_order: 5 },
      execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
      ...setup,
    },
  };
}

function request(overrides: Partial<TPositionTradeRequest> = {}): TPositionTradeRequest {
  return {
    customer_id: 'cust-1',
    exchange_account_id: 'acct-1',
    coin: 'BTC',
    units: 3,
    side: 'long',
    action: 'enter',
    market: true,
    ...overrides,
  };
}

describe('decimal', () => {
  it('multiplies and normalises exactly', () => {
    expect(toDecimalString(dec('0.001'))).toBe('0.001');
    expect(normalizeDecimal('65000.50')).toBe('65000.5');
    expect(normalizeDecimal('0.10')).toBe('0.1');
    expect(toDecimalString(divCeil(dec('130.001'), 10n, 2))).toBe('13.01');
    expect(toDecimalString(divCeil(dec('130'), 10n, 2))).toBe('13');
    expect(isMultipleOf(dec('65000.5'), dec('0.5'))).toBe(true);
    expect(isMultipleOf(dec('65000.25'), dec('0.5'))).toBe(false);
    expect(isMultipleOf(dec('3400.15'), dec('0.05'))).toBe(true);
  });
});

describe('buildDraftPlan', () => {
  it.each([
    ['long', 'enter', 'buy', false],
    ['short', 'enter', 'sell', false],
    ['long', 'exit', 'sell', true],
    ['short', 'exit', 'buy', true],
  ] as const)('%s %s → %s, reduce_only %s', (side, action, orderSide, reduceOnly) => {
    const plan = buildDraftPlan(request({ side, action }), subject(), BTC, '65000', OPTIONS);
    expect(plan.order.side).toBe(orderSide);
    expect(plan.order.reduce_only).toBe(reduceOnly);
    expect(plan.intent.intent_action).toBe(action === 'enter' ? 'place_order' : 'close_position');
  });

  it('prices the exact order: contracts × contract value × mark price × 85', () => {
    const plan = buildDraftPlan(request({ units: 3 }), subject(), BTC, '65000.5', OPTIONS);
    expect(plan.order).toEqual({
      product_id: 27,
      product_symbol: 'BTCUSD',
      size: 3,
      side: 'buy',
      order_type: 'market_order',
      limit_price: null,
      reduce_only: false,
      post_only: false,
      time_in_force: 'ioc',
    });
    expect(plan.pricing).toMatchObject({
      underlying_quantity: '0.003',
      notional_usd: '195.0015',
      notional_inr: '16575.1275',
      leverage: 10,
      estimated_margin_usd: '19.51',
      estimated_margin_inr: '1657.52',
    });
    expect(plan.requires_approval).toBe(true);
    expect(plan.approvable).toBe(true);
  });

  it('a limit order is a gtc limit_order at the normalised price; off-tick prices fail a check', () => {
    const eth = subject({ allowed_coins: ['ETH'], default_coin: 'ETH' });
    const plan = buildDraftPlan(
      request({ coin: 'ETH', market: undefined, limit_price: '3400.10' }),
      eth,
      ETH,
      '3400',
      OPTIONS,
    );
    expect(plan.order).toMatchObject({
      product_id: 3136,
      order_type: 'limit_order',
      limit_price: '3400.1',
      time_in_force: 'gtc',
    });
    expect(plan.approvable).toBe(true);
    const off = buildDraftPlan(
      request({ coin: 'ETH', market: undefined, limit_price: '3400.12' }),
      eth,
      ETH,
      '3400',
      OPTIONS,
    );
    expect(off.risk_checks.find((c) => c.check === 'limit_price_tick')?.passed).toBe(false);
    expect(off.approvable).toBe(false);
  });

  it('fails max_notional_inr when the notional at the mark price exceeds it', () => {
    const s = subject({ risk_limits: { max_units_per_order: 100, max_notional_inr: '10000' } });
    const plan = buildDraftPlan(request({ units: 2 }), s, BTC, '65000', OPTIONS); // 2 × 0.001 × 65000 × 85 = 11050
    const check = plan.risk_checks.find((c) => c.check === 'max_notional_inr');
    expect(check?.passed).toBe(false);
    expect(check?.reason).toContain('11050');
    expect(plan.approvable).toBe(false);
  });

  it('the intent hash changes when any bound field changes, and not for equivalent price text', () => {
    const base = buildDraftPlan(
      request({ market: undefined, limit_price: '65000.5' }),
      subject(),
      BTC,
      '65000',
      OPTIONS,
    );
    const same = buildDraftPlan(
      request({ market: undefined, limit_price: '65000.50' }),
      subject(),
      BTC,
      '65001',
      OPTIONS,
    );
    expect(same.intent_hash).toBe(base.intent_hash);
    const variants: Partial<TPositionTradeRequest>[] = [
      { units: 4 },
      { side: 'short' },
      { action: 'exit' },
      { exchange_account_id: 'acct-2' },
      { customer_id: 'cust-2' },
      { limit_price: '65001' },
    ];
    for (const v of variants) {
      const other = buildDraftPlan(
        request({ market: undefined, limit_price: '65000.5', ...v }),
        { ...subject(), customerId: v.customer_id ?? 'cust-1' },
        BTC,
        '65000',
        OPTIONS,
      );
      expect(other.intent_hash, JSON.stringify(v)).not.toBe(base.intent_hash);
    }
  });
});

const arbPrice = fc
  .tuple(fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 0, max: 99 }))
  .map(([w, f]) => `${w}.${String(f).padStart(2, '0')}`);
const arbRequest = fc.record({
  coin: fc.constantFrom('BTC', 'ETH'),
  units: fc.integer({ min: 1, max: 1_000_000 }),
  side: fc.constantFrom('long' as const, 'short' as const),
  action: fc.constantFrom('enter' as const, 'exit' as const),
  limit: fc.option(arbPrice, { nil: undefined }),
});
const product = (coin: string): ProductSpec => (coin === 'BTC' ? BTC : ETH);

describe('draft plan properties', () => {
  it('is deterministic: same inputs, product and mark price → byte-identical plan', () => {
    fc.assert(
      fc.property(arbRequest, arbPrice, fc.integer({ min: 1, max: 50 }), (r, mark, maxUnits) => {
        const req = request({ ...r, market: r.limit ? undefined : true, limit_price: r.limit });
        const s = subject({ allowed_coins: ['BTC', 'ETH'], risk_limits: { max_units_per_order: maxUnits } });
        const a = JSON.stringify(buildDraftPlan(req, s, product(r.coin), mark, OPTIONS));
        const b = JSON.stringify(
          buildDraftPlan(structuredClone(req), structuredClone(s), product(r.coin), mark, OPTIONS),
        );
        expect(a).toBe(b);
      }),
    );
  });

  it('an entry over max_units_per_order or on a coin outside allowed_coins is never approvable; an exit is never refused for them', () => {
    fc.assert(
      fc.property(
        arbRequest,
        arbPrice,
        fc.integer({ min: 1, max: 1000 }),
        fc.subarray(['BTC', 'ETH'], { minLength: 1 }),
        (r, mark, maxUnits, allowed) => {
          const req = request({ ...r, market: r.limit ? undefined : true, limit_price: r.limit });
          const s = subject({
            allowed_coins: allowed,
            default_coin: allowed[0]!,
            risk_limits: { max_units_per_order: maxUnits },
          });
          const plan = buildDraftPlan(req, s, product(r.coin), mark, OPTIONS);
          const addsRisk = (c: string) => plan.risk_checks.find((x) => x.check === c)!.passed;
          if (r.action === 'enter' && (r.units > maxUnits || !allowed.includes(r.coin))) {
            expect(plan.approvable).toBe(false);
          }
          if (r.action === 'exit') {
            // An exit only reduces what is held: the limits on adding risk never keep the customer in.
            expect(
              addsRisk('coin_allowed') && addsRisk('max_units_per_order') && addsRisk('max_notional_inr'),
            ).toBe(true);
          }
          expect(plan.approvable).toBe(plan.risk_checks.every((c) => c.passed));
          expect(plan.requires_approval).toBe(true);
        },
      ),
    );
  });
});

describe('limit price band', () => {
  const banded: ProductSpec = { ...BTC, price_band_pct: '2.5' };
  const plan = (limit: string, mark = '60549') =>
    buildDraftPlan(request({ market: undefined, limit_price: limit }), subject(), banded, mark, OPTIONS);
  const band = (p: ReturnType<typeof plan>) => p.risk_checks.find((c) => c.check === 'limit_price_band');

  it('refuses a limit far outside ± price_band % of the mark, and shows the band', () => {
    const far = plan('30000');
    expect(band(far)?.passed).toBe(false);
    expect(far.approvable).toBe(false);
    // 60549 × 0.975 = 59035.275 → up to the tick 59035.5; 60549 × 1.025 = 62062.725 → down to 62062.5
    expect(band(far)?.reason).toContain('59035.5–62062.5');
    expect(band(far)?.reason).toContain('±2.5% of the mark 60549');
  });

  it('takes the edges of the band (rounded inwards to the tick) and nothing past them', () => {
    expect(band(plan('59035.5'))?.passed).toBe(true);
    expect(band(plan('62062.5'))?.passed).toBe(true);
    expect(band(plan('59035'))?.passed).toBe(false);
    expect(band(plan('62063'))?.passed).toBe(false);
    expect(plan('60000').approvable).toBe(true);
  });

  it('applies to exits too, and not to market orders', () => {
    const exit = buildDraftPlan(
      request({ action: 'exit', market: undefined, limit_price: '90000' }),
      subject(),
      banded,
      '60549',
      OPTIONS,
    );
    expect(band(exit)?.passed).toBe(false);
    const market = buildDraftPlan(request(), subject(), banded, '60549', OPTIONS);
    expect(band(market)).toBeUndefined();
  });
});

describe('the exchange account', () => {
  it("a run trades only on its setup's account: another account fails before anything is approved", () => {
    const own = buildDraftPlan(request(), subject(), BTC, '65000', OPTIONS);
    expect(own.risk_checks.find((c) => c.check === 'exchange_account')?.passed).toBe(true);
    const other = buildDraftPlan(
      request({ exchange_account_id: 'acct-2' }),
      subject(),
      BTC,
      '65000',
      OPTIONS,
    );
    expect(other.risk_checks.find((c) => c.check === 'exchange_account')).toMatchObject({
      passed: false,
      reason: "exchange_account_id is not the setup's exchange account (credential_ref)",
    });
    expect(other.approvable).toBe(false);
  });
});
