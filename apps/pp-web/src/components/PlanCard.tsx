import type { TDraftPlan } from '@delta/contracts';
import { groupDigits, inr, usd } from '../lib/format.ts';
import { RiskChecks } from './RiskChecks.tsx';

/** The draft plan exactly as Plant would send it: the order, its money in INR and USD, margin, checks, hash. */
export function PlanCard({ plan }: { plan: TDraftPlan }) {
  const { order, pricing, intent } = plan;
  return (
    <section className="card" aria-labelledby="plan-title">
      <h3 id="plan-title">
        Draft plan: {intent.action} {intent.side} {intent.units} × {intent.coin}
      </h3>
      <p className={plan.approvable ? 'notice ok' : 'notice error'} role="status">
        {plan.approvable
          ? 'Every risk check passed. The customer can approve this exact plan.'
          : 'A risk check failed: this plan cannot be approved or executed. Change the trade and draft again.'}
      </p>
      <dl className="facts">
        <dt>Exchange order</dt>
        <dd>
          {order.side.toUpperCase()} {order.size} contract{order.size === 1 ? '' : 's'} of{' '}
          {order.product_symbol} (product {order.product_id})
        </dd>
        <dt>Order type</dt>
        <dd>
          {order.order_type === 'market_order' ? 'Market' : `Limit at ${usd(order.limit_price ?? '')}`},{' '}
          {order.time_in_force.toUpperCase()}
          {order.reduce_only ? ', reduce-only' : ''}
          {order.post_only ? ', post-only' : ''}
        </dd>
        <dt>Quantity</dt>
        <dd>
          {order.size} × {pricing.contract_value} {pricing.underlying_asset} = {pricing.underlying_quantity}{' '}
          {pricing.underlying_asset}
        </dd>
        <dt>Mark price</dt>
        <dd>{usd(pricing.mark_price)}</dd>
        <dt>Notional</dt>
        <dd>
          <span data-testid="notional-inr">{inr(pricing.notional_inr)}</span> ·{' '}
          <span data-testid="notional-usd">{usd(pricing.notional_usd)}</span>{' '}
          <span className="muted small">at ₹{groupDigits(pricing.inr_per_usd)}/USD</span>
        </dd>
        <dt>Estimated margin</dt>
        <dd>
          {inr(pricing.estimated_margin_inr)} · {usd(pricing.estimated_margin_usd)}{' '}
          <span className="muted small">at {pricing.leverage}× leverage</span>
        </dd>
        <dt>Intent hash</dt>
        <dd className="mono break" data-testid="intent-hash">
          {plan.intent_hash}
        </dd>
      </dl>
      <h4>Risk checks</h4>
      <RiskChecks checks={plan.risk_checks} />
    </section>
  );
}
