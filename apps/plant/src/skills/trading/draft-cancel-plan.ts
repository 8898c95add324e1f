import {
  planIntentOf,
  type TAccountOrder,
  type TCancelOrderRequest,
  type TDraftPlan,
  type TRiskCheck,
  type TTradeIntent,
} from '@delta/contracts';
import type { ProductSpec } from '../../integrations/market-data.ts';
import { normalizeDecimal } from './decimal.ts';
import { exchangeAccountCheck, type PlanSubject, pricingFor } from './draft-plan.ts';
import { intentHash } from './intent-hash.ts';

/** States in which an order is still at the exchange waiting: resting (open) or waiting for its trigger. */
const CANCELLABLE = new Set(['open', 'pending']);

/**
 * The plan of a cancel: the order as the exchange holds it (read through the portal), and the one risk that
 * matters — is it still there to cancel. A cancel only takes risk off the book, so no limit on adding risk applies.
 * The approval binds the order's id, direction, type, price and placed size: an order edited since (another size
 * or price) no longer matches, while a partial fill — which changes nothing the customer approved — does.
 */
export function buildCancelPlan(
  request: Pick<TCancelOrderRequest, 'exchange_account_id' | 'coin' | 'order_id'>,
  subject: PlanSubject,
  product: ProductSpec,
  markPrice: string,
  order: TAccountOrder,
  options: { playbookId: string; inrPerUsd: string },
): TDraftPlan {
  const { setup } = subject;
  const orderType = order.order_type === 'market_order' ? 'market' : 'limit';
  const limitPrice = order.limit_price === null ? null : normalizeDecimal(order.limit_price);
  const side = order.side === 'buy' ? 'long' : 'short';
  const leverage = setup.leverage ?? product.default_leverage;
  const intent: TTradeIntent = {
    customer_id: subject.customerId,
    hired_agent_id: subject.hiredAgentId,
    exchange_account_id: request.exchange_account_id,
    coin: request.coin,
    product_id: product.id,
    product_symbol: product.symbol,
    side,
    action: 'cancel',
    intent_action: 'cancel_order',
    units: order.size,
    order_type: orderType,
    limit_price: limitPrice,
    order_id: order.id,
  };
  const checks = [exchangeAccountCheck(setup, request.exchange_account_id), openOrderCheck(order, product)];
  return {
    plan_version: 1,
    playbook_id: options.playbookId,
    agent_id: subject.agentId,
    hired_agent_id: subject.hiredAgentId,
    customer_id: subject.customerId,
    exchange_account_id: request.exchange_account_id,
    intent: planIntentOf(intent),
    // What the cancel takes off the book: the order's unfilled contracts.
    order: {
      product_id: product.id,
      product_symbol: product.symbol,
      size: order.unfilled_size,
      side: order.side,
      order_type: orderType === 'limit' ? 'limit_order' : 'market_order',
      limit_price: limitPrice,
      reduce_only: order.reduce_only,
      post_only: order.post_only,
      // Only a gtc order rests or waits; anything else on the book is shown as gtc.
      time_in_force: order.time_in_force === 'ioc' ? 'ioc' : 'gtc',
    },
    pricing: pricingFor(order.unfilled_size, product, markPrice, leverage, options.inrPerUsd),
    risk_checks: checks,
    requires_approval: true,
    approvable: checks.every((c) => c.passed),
    intent_hash: intentHash(intent),
  };
}

function openOrderCheck(order: TAccountOrder, product: ProductSpec): TRiskCheck {
  const what = `order ${order.id} (${order.side} ${order.size} ${product.symbol}${
    order.limit_price ? ` @ ${normalizeDecimal(order.limit_price)}` : ''
  })`;
  if (order.product_id !== product.id) {
    return { check: 'open_order', passed: false, reason: `${what} is not on ${product.symbol}` };
  }
  if (!CANCELLABLE.has(order.state)) {
    const now = order.state === 'closed' ? 'filled' : order.state;
    return { check: 'open_order', passed: false, reason: `${what} is no longer open: it is ${now}` };
  }
  const rest =
    order.unfilled_size === order.size
      ? `${order.size} contracts unfilled`
      : `${order.unfilled_size} of ${order.size} contracts unfilled`;
  return {
    check: 'open_order',
    passed: true,
    reason: `${what} is ${order.state === 'pending' ? 'waiting for its trigger' : 'resting'} with ${rest}; this cancels it`,
  };
}
