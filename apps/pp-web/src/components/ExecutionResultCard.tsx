import { groupDigits, usd } from '@delta/web-ui';
import type { TExecution } from '../api/schemas.ts';
import { notTradedText } from '../lib/denial-reasons.ts';
import { CorrelationLink } from './CorrelationLink.tsx';

export interface FillSummary {
  average_price: string;
  fees: string;
  filled: number;
}

/** What the exchange did with an approved trade: its order id, state, fill price and fees. */
export function ExecutionResultCard({
  execution,
  correlationId,
  fill,
}: {
  execution: TExecution;
  correlationId: string;
  /** The fills PP read back from the exchange, when the response itself does not carry them. */
  fill?: FillSummary | null;
}) {
  const price = execution.average_fill_price ?? fill?.average_price ?? null;
  const fees = execution.fees ?? fill?.fees ?? null;
  const filled = execution.state === 'closed' || execution.state === 'filled';
  const unknown = execution.state === 'unknown';
  const rejected = execution.state === 'rejected';
  const heading = filled
    ? 'Order filled'
    : unknown
      ? 'Outcome not known yet'
      : rejected
        ? 'Nothing was traded'
        : `Order ${execution.state}`;
  return (
    <section
      className={`card ${unknown || rejected ? 'result-warn' : 'result-ok'}`}
      aria-labelledby="exec-title"
    >
      <h3 id="exec-title">{heading}</h3>
      {rejected ? (
        <p className="notice warn" role="status" data-testid="not-traded">
          {notTradedText(execution.reason)}
        </p>
      ) : null}
      {unknown ? (
        <p className="notice warn" role="status" data-testid="unknown-outcome">
          The exchange did not answer in time and has not shown the order yet. It may still be placed: do not
          approve the same trade again. Plant keeps looking it up by its client order id and records what the
          exchange did (within 15 minutes); Positions shows the account as the exchange sees it.
        </p>
      ) : null}
      <dl className="facts">
        <dt>Exchange order id</dt>
        <dd className="mono" data-testid="order-id">
          {execution.exchange_order_id ?? 'not known yet'}
        </dd>
        <dt>State</dt>
        <dd data-testid="order-state">{execution.state}</dd>
        <dt>Fill price</dt>
        <dd data-testid="fill-price">{price ? usd(price) : 'not filled yet'}</dd>
        <dt>Fees</dt>
        <dd data-testid="fees">{fees ? `${groupDigits(fees)} (settlement asset)` : '—'}</dd>
        <dt>Client order id</dt>
        <dd className="mono break">{execution.client_order_id}</dd>
        <dt>Approval used</dt>
        <dd className="mono">{execution.approval_id}</dd>
        <dt>Correlation id</dt>
        <dd>
          <CorrelationLink id={correlationId} />
        </dd>
      </dl>
    </section>
  );
}
