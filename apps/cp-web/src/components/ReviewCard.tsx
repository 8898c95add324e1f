import type { TDraftPlan, TProposal } from '@delta/contracts';
import { groupDigits, humanize, inr, usd } from '@delta/web-ui';
import { Countdown } from './Countdown.tsx';
import { StateBadge } from './StateBadge.tsx';

const SOURCE: Record<TProposal['source'], string> = {
  customer: 'You drafted this trade',
  ops: 'Our desk drafted this trade for you',
  strategy: "Your agent's strategy proposed this trade",
};

/** "Buy 2 BTCUSD" / "Close: sell 2 BTCUSD" — the headline of a plan. */
export function planHeadline(plan: TDraftPlan): string {
  const { order, intent } = plan;
  const verb = order.side === 'buy' ? 'Buy' : 'Sell';
  const what = `${verb} ${order.size} ${order.product_symbol}`;
  if (intent.action === 'cancel') return `Cancel order ${intent.order_id ?? ''}: ${what}`;
  return intent.action === 'exit' ? `Close ${intent.side}: ${what}` : `Open ${intent.side}: ${what}`;
}

/** The band's edges: the reference price ± max_move_bps, shown to the cent (display only; Plant checks it). */
export function bandEdges(reference: string, bps: number): { low: string; high: string; percent: string } {
  const ref = Number(reference);
  const move = (ref * bps) / 10_000;
  return {
    low: (ref - move).toFixed(2),
    high: (ref + move).toFixed(2),
    percent: `${(bps / 100).toFixed(2).replace(/\.?0+$/, '')} %`,
  };
}

/** What the customer approves: the exact Delta order, its money, the band, the checks and the time left. */
export function ReviewCard({ proposal }: { proposal: TProposal }) {
  const { plan } = proposal;
  const { order, pricing, intent } = plan;
  const band = intent.price_band;
  const failed = plan.risk_checks.filter((c) => !c.passed);
  const passed = plan.risk_checks.filter((c) => c.passed);
  return (
    <section className="card review" aria-labelledby="review-title">
      <div className="review-head">
        <StateBadge state={proposal.state} />
        {proposal.state === 'open' ? <Countdown until={proposal.expires_at} /> : null}
      </div>
      <h2 id="review-title">{planHeadline(plan)}</h2>
      <p className="muted small">
        {SOURCE[proposal.source]}
        {proposal.note ? ` — “${proposal.note}”` : ''}. Quoted{' '}
        {new Date(proposal.quoted_at).toLocaleTimeString('en-IN')}.
      </p>
      {!plan.approvable ? (
        <p className="notice error" role="status">
          A risk check failed, so this trade cannot be approved. Re-quote it, or draft a smaller one.
        </p>
      ) : null}

      <h3>The order sent to Delta</h3>
      <dl className="facts">
        <dt>Side and size</dt>
        <dd data-testid="order-side-size">
          {order.side.toUpperCase()} {order.size} contract{order.size === 1 ? '' : 's'}
          {order.reduce_only ? ' (reduce-only: only closes)' : ''}
        </dd>
        <dt>Product</dt>
        <dd>
          {order.product_symbol} <span className="muted small">(Delta product {order.product_id})</span>
        </dd>
        <dt>Order type</dt>
        <dd data-testid="order-type">
          {order.order_type === 'market_order'
            ? 'Market: fills at the best price now'
            : `Limit at ${usd(order.limit_price ?? '')}`}
          <span className="muted small"> · {order.time_in_force.toUpperCase()}</span>
        </dd>
        <dt>Quantity</dt>
        <dd>
          {order.size} × {pricing.contract_value} {pricing.underlying_asset} = {pricing.underlying_quantity}{' '}
          {pricing.underlying_asset}
        </dd>
      </dl>

      <h3>What it is worth</h3>
      <dl className="facts">
        <dt>Mark price</dt>
        <dd>{usd(pricing.mark_price)}</dd>
        <dt>Notional</dt>
        <dd>
          <strong data-testid="notional-inr">{inr(pricing.notional_inr)}</strong> ·{' '}
          <span data-testid="notional-usd">{usd(pricing.notional_usd)}</span>
          <br />
          <span className="muted small" data-testid="inr-rate">
            at Delta’s INR rate of ₹{groupDigits(pricing.inr_per_usd)} per USD
          </span>
        </dd>
        <dt>Estimated margin</dt>
        <dd>
          {inr(pricing.estimated_margin_inr)} · {usd(pricing.estimated_margin_usd)}
        </dd>
        <dt>Leverage</dt>
        <dd>{pricing.leverage}×</dd>
      </dl>

      <h3>Price band</h3>
      {band ? (
        <PriceBand reference={band.reference_price} bps={band.max_move_bps} />
      ) : (
        <p className="muted" data-testid="price-band">
          No price band:{' '}
          {intent.action === 'enter' ? 'set one in Agent settings.' : 'exits are never held back.'}
        </p>
      )}

      <h3>Risk checks</h3>
      {plan.risk_checks.length === 0 ? <p className="muted">No risk checks were run.</p> : null}
      <ul className="risk-checks" aria-label="Risk checks">
        {[...failed, ...passed].map((c) => (
          <li key={c.check} className={c.passed ? 'pass' : 'fail'}>
            <span className="mark" aria-hidden="true">
              {c.passed ? '✓' : '✗'}
            </span>
            <span>
              <strong>{humanize(c.check)}</strong> {c.passed ? 'passed' : 'failed'}
              {c.passed ? '' : <span className="why">: {c.reason}</span>}
            </span>
          </li>
        ))}
      </ul>
      <p className="muted small mono break" title="The fingerprint your approval is bound to">
        Trade fingerprint {plan.intent_hash.slice(0, 16)}…
      </p>
    </section>
  );
}

function PriceBand({ reference, bps }: { reference: string; bps: number }) {
  const e = bandEdges(reference, bps);
  return (
    <div className="band" data-testid="price-band">
      <p>
        Executed only while Delta’s mark stays within <strong>{e.percent}</strong> ({bps} bps) of the
        reference price <strong data-testid="reference-price">{usd(reference)}</strong>:
      </p>
      <div className="band-bar" aria-hidden="true">
        <span>{usd(e.low)}</span>
        <span className="band-ref">{usd(reference)}</span>
        <span>{usd(e.high)}</span>
      </div>
      <p className="muted small">
        If the price moves further, nothing is sent and you are asked to re-quote.
      </p>
    </div>
  );
}
