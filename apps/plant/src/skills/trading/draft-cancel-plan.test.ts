import type { TAccountOrder, TAgentSetup } from '@delta/contracts';
import { describe, expect, it } from 'vitest';
import { DELTA_INDIA_PRODUCTS } from '../../integrations/market-data.ts';
import { buildCancelPlan } from './draft-cancel-plan.ts';
import type { PlanSubject } from './draft-plan.ts';

const BTC = DELTA_INDIA_PRODUCTS[0]!;
const OPTIONS = { playbookId: 'TRADING.DELTA.FUTURES.MANUAL.V1', inrPerUsd: '85' };
const subject: PlanSubject = {
  agentId: 'AGT-TRD-DELTA-001',
  hiredAgentId: '00000000-0000-4000-8000-000000000001',
  customerId: 'cust-1',
  setup: {
    exchange_provider: 'delta_exchange_india',
    credential_ref: 'acct-1',
    default_coin: 'BTC',
    // A cancel only takes risk off the book: no allowed coin or unit limit applies to it.
    allowed_coins: ['ETH'],
    risk_limits: { max_units_per_order: 1 },
    execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
  } as TAgentSetup,
};
const resting: TAccountOrder = {
  id: '1042',
  product_id: 27,
  product_symbol: 'BTCUSD',
  side: 'sell',
  size: 5,
  unfilled_size: 5,
  order_type: 'limit_order',
  limit_price: '61000.50',
  stop_price: null,
  reduce_only: true,
  post_only: false,
  time_in_force: 'gtc',
  state: 'open',
  client_order_id: null,
  created_at: null,
};
const request = { exchange_account_id: 'acct-1', coin: 'BTC', order_id: '1042' };
const plan = (order: Partial<TAccountOrder> = {}) =>
  buildCancelPlan(request, subject, BTC, '60000', { ...resting, ...order }, OPTIONS);
const openOrder = (p: ReturnType<typeof plan>) => p.risk_checks.find((c) => c.check === 'open_order');

describe('buildCancelPlan', () => {
  it('describes the order it cancels as the exchange holds it, and is approvable while it rests', () => {
    const p = plan();
    expect(p.intent).toEqual({
      coin: 'BTC',
      side: 'short',
      action: 'cancel',
      intent_action: 'cancel_order',
      units: 5,
      order_type: 'limit',
      limit_price: '61000.5',
      order_id: '1042',
    });
    expect(p.order).toMatchObject({ size: 5, side: 'sell', reduce_only: true, limit_price: '61000.5' });
    expect(p.approvable).toBe(true);
    expect(openOrder(p)?.reason).toContain('resting with 5 contracts unfilled');
    expect(p.risk_checks.map((c) => c.check)).toEqual(['exchange_account', 'open_order']);
  });

  it('binds the order: a partial fill keeps the approval valid, an edit or another order does not', () => {
    const base = plan().intent_hash;
    const partial = plan({ unfilled_size: 2 });
    expect(partial.intent_hash).toBe(base);
    expect(partial.order.size).toBe(2);
    expect(openOrder(partial)?.reason).toContain('2 of 5 contracts unfilled');
    expect(plan({ limit_price: '61001' }).intent_hash).not.toBe(base);
    expect(plan({ size: 6, unfilled_size: 6 }).intent_hash).not.toBe(base);
    expect(
      buildCancelPlan(
        { ...request, order_id: '1043' },
        subject,
        BTC,
        '60000',
        { ...resting, id: '1043' },
        OPTIONS,
      ).intent_hash,
    ).not.toBe(base);
  });

  it('is not approvable once the order filled, was cancelled, or is on another product', () => {
    for (const [order, says] of [
      [{ state: 'closed', unfilled_size: 0 }, 'it is filled'],
      [{ state: 'cancelled' }, 'it is cancelled'],
      [{ product_id: 3136 }, 'is not on BTCUSD'],
    ] as const) {
      const p = plan(order);
      expect(p.approvable).toBe(false);
      expect(openOrder(p)?.reason).toContain(says);
    }
  });

  it('a stop order waiting for its trigger can be cancelled', () => {
    const p = plan({ state: 'pending', order_type: 'market_order', limit_price: null, stop_price: '59000' });
    expect(p.approvable).toBe(true);
    expect(openOrder(p)?.reason).toContain('waiting for its trigger');
  });
});
