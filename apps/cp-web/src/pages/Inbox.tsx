import type { TProposal } from '@delta/contracts';
import { inr } from '@delta/web-ui';
import { useProposals } from '../api/queries.ts';
import { Countdown } from '../components/Countdown.tsx';
import { Empty, ErrorNotice, Loading } from '../components/Notices.tsx';
import { planHeadline } from '../components/ReviewCard.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { href } from '../lib/route.ts';

const ORDER: Record<TProposal['state'], number> = { open: 0, approved: 1, rejected: 1, expired: 1 };

/** The proposed trades: the ones waiting for an answer first (soonest to expire on top), then the answered ones. */
export function sortInbox(items: TProposal[]): TProposal[] {
  return [...items].sort(
    (a, b) =>
      ORDER[a.state] - ORDER[b.state] ||
      (a.state === 'open'
        ? Date.parse(a.expires_at) - Date.parse(b.expires_at)
        : Date.parse(b.created_at) - Date.parse(a.created_at)),
  );
}

export function InboxPage() {
  const proposals = useProposals();
  if (proposals.isPending) return <Loading what="your proposed trades" />;
  if (proposals.isError) return <ErrorNotice error={proposals.error} action="load your proposed trades" />;
  const items = sortInbox(proposals.data.items);
  const open = items.filter((p) => p.state === 'open').length;
  return (
    <>
      <div className="page-head">
        <h1>Proposed trades</h1>
        <a className="button primary" href={href('new')}>
          New trade
        </a>
      </div>
      <p className="muted">
        {open === 0 ? 'Nothing is waiting for you.' : `${open} waiting for your answer.`} Nothing is traded
        until you approve it.
      </p>
      {items.length === 0 ? (
        <Empty>
          No proposals yet. <a href={href('new')}>Draft a trade</a>, or wait for your agent’s next idea.
        </Empty>
      ) : (
        <ul className="inbox" aria-label="Proposed trades">
          {items.map((p) => (
            <li key={p.proposal_id} className={`inbox-item state-${p.state}`}>
              <a href={href('proposal', p.proposal_id)}>
                <span className="inbox-top">
                  <StateBadge state={p.state} />
                  {p.state === 'open' ? <Countdown until={p.expires_at} label="" /> : null}
                </span>
                <strong>{planHeadline(p.plan)}</strong>
                <span className="muted small">
                  {inr(p.plan.pricing.notional_inr)} ·{' '}
                  {p.plan.order.order_type === 'market_order' ? 'market' : 'limit'}
                  {!p.plan.approvable ? ' · a risk check failed' : ''}
                  {p.execution ? ` · ${p.execution.state}` : ''}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
