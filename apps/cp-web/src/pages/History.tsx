import { dateTime, humanize, notTradedText, usd } from '@delta/web-ui';
import { useApprovals, useExecutions } from '../api/queries.ts';
import { Empty, ErrorNotice, Loading } from '../components/Notices.tsx';

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** What the customer approved, and what reached the exchange. */
export function HistoryPage() {
  const approvals = useApprovals();
  const executions = useExecutions();
  return (
    <>
      <h1>History</h1>
      <h2>Orders</h2>
      {executions.isPending ? <Loading what="your orders" /> : null}
      <ErrorNotice error={executions.error} action="load your orders" />
      {executions.data?.items.length === 0 ? <Empty>No orders yet.</Empty> : null}
      <ul className="cards" aria-label="Orders">
        {executions.data?.items.map((x) => (
          <li key={x.execution_id} className={`card row-card state-${x.state}`}>
            <div className="page-head">
              <strong>
                {x.side.toUpperCase()} {x.size ?? ''} {x.product_symbol}
              </strong>
              <span className={`badge exec-${x.state}`}>{x.state}</span>
            </div>
            <p className="small">
              {x.filled_size ? `${x.filled_size} filled at ${usd(x.average_fill_price ?? '')}` : ''}
              {x.fees ? ` · fees ${usd(x.fees)}` : ''}
              {x.state === 'rejected' ? notTradedText(x.reason) : ''}
            </p>
            <p className="small muted">
              {humanize(x.action)} · {dateTime(x.created_at)}
            </p>
          </li>
        ))}
      </ul>
      <h2>Approvals</h2>
      {approvals.isPending ? <Loading what="your approvals" /> : null}
      <ErrorNotice error={approvals.error} action="load your approvals" />
      {approvals.data?.items.length === 0 ? <Empty>No approvals yet.</Empty> : null}
      <ul className="cards" aria-label="Approvals">
        {approvals.data?.items.map((a) => {
          const s = a.intent_summary;
          const how = str((a.evidence as { method?: unknown } | null)?.method);
          return (
            <li key={a.approval_id} className="card row-card">
              <div className="page-head">
                <strong>
                  {humanize(str(s.action))} {str(s.side)} {str(s.units)} × {str(s.coin)}
                </strong>
                <span className={`badge appr-${a.state}`}>{a.state === 'consumed' ? 'used' : a.state}</span>
              </div>
              <p className="small muted">
                Approved {dateTime(a.created_at)}
                {how ? ` with ${how === 'webauthn' ? 'a passkey' : 'an authenticator code'}` : ''}
                {a.consumed_at ? ` · used ${dateTime(a.consumed_at)}` : ''}
              </p>
            </li>
          );
        })}
      </ul>
    </>
  );
}
