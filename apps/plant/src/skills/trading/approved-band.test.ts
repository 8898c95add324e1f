import type { TAgentSetup } from '@delta/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DELTA_INDIA_PRODUCTS, type ProductSpec } from '../../integrations/market-data.ts';
import { approvedBandChecks, bandOf, PRICE_MOVED_CHECK } from './approved-band.ts';
import { buildDraftPlan } from './draft-plan.ts';

const BTC: ProductSpec = { ...DELTA_INDIA_PRODUCTS[0]!, price_band_pct: '2.5' };
const verdict = (reference: string, bps: number, mark: string, product = BTC) =>
  Object.fromEntries(
    approvedBandChecks({ reference_price: reference, max_move_bps: bps }, mark, product).map((c) => [
      c.check,
      c.passed,
    ]),
  );

describe('the approved price band', () => {
  it('takes the drafted mark as the reference unless the execution repeats one', () => {
    expect(bandOf(undefined, '65000')).toBeUndefined();
    expect(bandOf({ max_move_bps: 50 }, '65000.50')).toEqual({
      reference_price: '65000.5',
      max_move_bps: 50,
    });
    expect(bandOf({ max_move_bps: 50, reference_price: '64000.0' }, '65000')).toEqual({
      reference_price: '64000',
      max_move_bps: 50,
    });
  });

  it('passes on the edge and fails one tick past it, both ways', () => {
    // 50 bps of 60000 is exactly 300.
    expect(verdict('60000', 50, '60300')[PRICE_MOVED_CHECK]).toBe(true);
    expect(verdict('60000', 50, '59700')[PRICE_MOVED_CHECK]).toBe(true);
    expect(verdict('60000', 50, '60300.5')[PRICE_MOVED_CHECK]).toBe(false);
    expect(verdict('60000', 50, '59699.5')[PRICE_MOVED_CHECK]).toBe(false);
  });

  it('agrees with exact arithmetic for any reference, band and mark', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 250 }),
        fc.integer({ min: -5_000, max: 5_000 }),
        (refHalfTicks, bps, moveHalfTicks) => {
          const ref = BigInt(refHalfTicks);
          const mark = ref + BigInt(moveHalfTicks);
          fc.pre(mark > 0n);
          const text = (n: bigint) => (n % 2n === 0n ? `${n / 2n}` : `${n / 2n}.5`);
          const diff = mark > ref ? mark - ref : ref - mark;
          const expected = diff * 10_000n <= BigInt(bps) * ref;
          expect(verdict(text(ref), bps, text(mark))[PRICE_MOVED_CHECK]).toBe(expected);
        },
      ),
    );
  });

  it("is never wider than the exchange's own band", () => {
    expect(verdict('60000', 250, '60000').price_band_limit).toBe(true);
    expect(verdict('60000', 251, '60000').price_band_limit).toBe(false);
    const unpublished = { ...BTC, price_band_pct: undefined };
    expect(verdict('60000', 9_000, '60000', unpublished).price_band_limit).toBe(true);
  });

  it('is part of the intent: the hash changes with the band, and is as before without one', () => {
    const setup: TAgentSetup = {
      exchange_provider: 'delta_exchange_india',
      credential_ref: 'acct-1',
      default_coin: 'BTC',
      allowed_coins: ['BTC'],
      risk_limits: { max_units_per_order: 5 },
      execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
    };
    const subject = { agentId: 'AGT-TRD-DELTA-001', hiredAgentId: 'h-1', customerId: 'cust-1', setup };
    const options = { playbookId: 'TRADING.DELTA.FUTURES.MANUAL.V1', inrPerUsd: '85' };
    const base = {
      customer_id: 'cust-1',
      exchange_account_id: 'acct-1',
      coin: 'BTC',
      units: 1,
      side: 'long' as const,
      action: 'enter' as const,
      market: true,
    };
    const plain = buildDraftPlan(base, subject, BTC, '60000', options);
    const banded = buildDraftPlan(
      { ...base, price_band: { max_move_bps: 50 } },
      subject,
      BTC,
      '60000',
      options,
    );
    const wider = buildDraftPlan(
      { ...base, price_band: { max_move_bps: 60 } },
      subject,
      BTC,
      '60000',
      options,
    );
    const moved = buildDraftPlan(
      { ...base, price_band: { max_move_bps: 50, reference_price: '60000' } },
      subject,
      BTC,
      '61000',
      options,
    );
    expect(new Set([plain.intent_hash, banded.intent_hash, wider.intent_hash]).size).toBe(3);
    // The execution repeats the reference: same intent at another mark, but no longer approvable.
    expect(moved.intent_hash).toBe(banded.intent_hash);
    expect(moved.approvable).toBe(false);
    expect(moved.risk_checks.filter((c) => !c.passed).map((c) => c.check)).toEqual([PRICE_MOVED_CHECK]);
    expect(plain.intent).not.toHaveProperty('price_band');
  });
});
