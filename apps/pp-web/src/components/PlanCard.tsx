import type { TDraftPlan } from '@delta/contracts';
import { groupDigits, inr, usd } from '@delta/web-ui';
import { RiskChecks } from './RiskChecks.tsx';

/** The draft plan exactly as Plant would send it: the order, its money in INR and USD, margin, checks, hash. */
export function PlanCard({ plan }: { plan: TDraftPlan }) {
  const { order, pricing, intent } = plan;
  const cancel = intent.action === 'cancel';
  return (
    <section className="card" aria-labelledby="plan-title">
      <h3 id="plan-title">
        {cancel
          ? `Draft plan: cancel order ${intent.order_id} (${order.side} ${intent.units} × ${intent.coin})`
          : `Draft plan: ${intent.action} ${intent.side} ${intent.units} × ${intent.coin}`}
      </h3>
      <p className={plan.approvable ? 'notice ok' : 'notice error'} role="status">
        {plan.approvable
          ? 'Every risk check passed. The customer can approve this exact plan.'
          : 'A risk check failed: this plan cannot be approved or executed. Change the trade and draft again.'}
      </p>
      <dl className="facts">
        {cancel ? (
          <>
            <dt>Exchange request</dt>
            <dd className="mono">
              DELETE /v2/orders {'{'} id: {intent.order_id}, product_id: {order.product_id} {'}'}
            </dd>
          </>
        ) : null}
        <dt>{cancel ? 'Order it cancels' : 'Exchange order'}</dt>
        <dd>
          {order.side.toUpperCase()} {order.size} contract{order.size === 1 ? '' : 's'} of{' '}
          {order.product_symbol} (product {order.product_id})
          {cancel && order.size !== intent.units ? ` still unfilled of ${intent.units} placed` : ''}
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
        <dt>{cancel ? 'Notional taken off the book' : 'Notional'}</dt>
        <dd>
          <span data-testid="notional-inr">{inr(pricing.notional_inr)}</span> ·{' '}
          <span data-testid="notional-usd">{usd(pricing.notional_usd)}</span>{' '}
          <span className="muted small">at ₹{groupDigits(pricing.inr_per_usd)}/USD</span>
        </dd>
        <dt>{cancel ? 'Margin it releases (estimate)' : 'Estimated margin'}</dt>
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
