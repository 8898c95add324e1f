import type { TRunExecution } from '@delta/contracts';
import { notTradedText, usd } from '@delta/web-ui';

const WORDS: Record<TRunExecution['state'], string> = {
  pending: 'Being sent to Delta…',
  submitted: 'Sent to Delta; waiting for its answer.',
  unknown: 'Sent; Delta has not confirmed it yet. We are checking — do not approve it again.',
  open: 'On Delta’s order book, waiting to fill.',
  filled: 'Filled on Delta.',
  cancelled: 'Cancelled on Delta.',
  rejected: 'Not traded.',
};

/** What happened at the exchange after the approval. */
export function ExecutionResult({ execution }: { execution: TRunExecution }) {
  const ok = execution.state === 'filled' || execution.state === 'open';
  return (
    <div
      className={`notice ${ok ? 'ok' : execution.state === 'rejected' ? 'error' : 'info'}`}
      role="status"
      data-testid="execution-result"
    >
      <strong>{WORDS[execution.state]}</strong>
      {execution.state === 'rejected' ? <p>{notTradedText(execution.reason)}</p> : null}
      {execution.filled_size ? (
        <p>
          {execution.filled_size} contract{execution.filled_size === 1 ? '' : 's'} at{' '}
          {usd(execution.average_fill_price ?? '')}
          {execution.fees ? ` · fees ${usd(execution.fees)}` : ''}
        </p>
      ) : null}
      <p className="small muted">
        Order id {execution.exchange_order_id ?? '—'} · approval {execution.approval_id}
      </p>
    </div>
  );
}
