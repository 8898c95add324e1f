import {
  intentSummaryOf,
  planIntentOf,
  type TTradeIntent,
  ZIntentSummary,
  ZTradeIntent,
} from '@delta/contracts';
import { describe, expect, it } from 'vitest';
import { DELTA_INDIA_PRODUCTS } from '../../integrations/market-data.ts';
import { buildCancelPlan } from './draft-cancel-plan.ts';
import { buildDraftPlan, type PlanSubject } from './draft-plan.ts';
import { intentHash } from './intent-hash.ts';

const BTC = DELTA_INDIA_PRODUCTS[0]!;
const CUSTOMER = 'cus_0123456789abcdefghjkmnpqrs';
const ACCOUNT = 'cred_pp_abcdefghijklmnopqrstuvwxyz';
const who = {
  customer_id: CUSTOMER,
  hired_agent_id: '00000000-0000-4000-8000-000000000001',
  exchange_account_id: ACCOUNT,
  coin: 'BTC',
  product_id: 27,
  product_symbol: 'BTCUSD',
} as const;
const ENTRY: TTradeIntent = {
  ...who,
  side: 'long',
  action: 'enter',
  intent_action: 'place_order',
  units: 3,
  order_type: 'limit',
  limit_price: '65000.5',
};
const EXIT: TTradeIntent = {
  ...who,
  side: 'short',
  action: 'exit',
  intent_action: 'close_position',
  units: 2,
  order_type: 'market',
  limit_price: null,
};
const CANCEL: TTradeIntent = {
  ...who,
  side: 'short',
  action: 'cancel',
  intent_action: 'cancel_order',
  units: 5,
  order_type: 'limit',
  limit_price: '61000.5',
  order_id: '1042',
};

// Approvals minted before a change of code must still match: these hashes are the ones Plant has always given.
const PINNED = {
  entry: '734ed07d71ed3aec1606ecbd0a98c37fb732993c85ae239397bac391e83f70e5',
  exit: '77aee6dc6372d09f0b2f0d9b690c939fe27c40063fac50b3fe8cbe0a50f665f9',
  cancel: '93afaaed642495a3608d81bcb8de90577ad5053ca3b03d2a622f9acb792832c2',
};

describe('the one trade intent', () => {
  it('hashes as it always has (a cancel binds its order_id, a placement has none)', () => {
    expect(intentHash(ENTRY)).toBe(PINNED.entry);
    expect(intentHash(EXIT)).toBe(PINNED.exit);
    expect(intentHash(CANCEL)).toBe(PINNED.cancel);
    expect(ZTradeIntent.parse(CANCEL)).toEqual(CANCEL);
    expect(Object.keys(ZTradeIntent.parse(ENTRY))).not.toContain('order_id');
  });

  it('is what the plans are built from: the same hashes, end to end', () => {
    const subject: PlanSubject = {
      agentId: 'AGT-TRD-DELTA-001',
      hiredAgentId: who.hired_agent_id,
      customerId: CUSTOMER,
      setup: {
        exchange_provider: 'delta_exchange_india',
        credential_ref: ACCOUNT,
        default_coin: 'BTC',
        allowed_coins: ['BTC'],
        risk_limits: { max_units_per_order: 5 },
        execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
      },
    };
    const options = { playbookId: 'TRADING.DELTA.FUTURES.MANUAL.V1', inrPerUsd: '85' };
    const run = { customer_id: CUSTOMER, exchange_account_id: ACCOUNT, coin: 'BTC' };
    const entry = buildDraftPlan(
      { ...run, units: 3, side: 'long', action: 'enter', limit_price: '65000.50' },
      subject,
      BTC,
      '65000',
      options,
    );
    const exit = buildDraftPlan(
      { ...run, units: 2, side: 'short', action: 'exit', market: true },
      subject,
      BTC,
      '65000',
      options,
    );
    const cancel = buildCancelPlan(
      { ...run, order_id: '1042' },
      subject,
      BTC,
      '60000',
      {
        id: '1042',
        product_id: 27,
        product_symbol: 'BTCUSD',
        side: 'sell',
        size: 5,
        unfilled_size: 3,
        order_type: 'limit_order',
        limit_price: '61000.50',
        stop_price: null,
        reduce_only: true,
        post_only: false,
        time_in_force: 'gtc',
        state: 'open',
        client_order_id: null,
        created_at: null,
      },
      options,
    );
    expect([entry.intent_hash, exit.intent_hash, cancel.intent_hash]).toEqual([
      PINNED.entry,
      PINNED.exit,
      PINNED.cancel,
    ]);
    expect(entry.intent).toEqual(planIntentOf(ENTRY));
    expect(cancel.intent).toEqual(planIntentOf(CANCEL));
  });

  it('gives the ledger its summary: the trade fields without the bound action, nothing else', () => {
    expect(intentSummaryOf(planIntentOf(CANCEL))).toEqual({
      coin: 'BTC',
      side: 'short',
      action: 'cancel',
      units: 5,
      order_type: 'limit',
      limit_price: '61000.5',
      order_id: '1042',
    });
    expect(ZIntentSummary.safeParse(intentSummaryOf(planIntentOf(EXIT))).success).toBe(true);
    // Strict: an unknown field (or the hash's own fields) is refused, not stripped.
    expect(
      ZIntentSummary.safeParse({ ...intentSummaryOf(planIntentOf(EXIT)), customer_id: CUSTOMER }).success,
    ).toBe(false);
  });
});
