import { useProposal } from '../api/queries.ts';
import { ApprovePanel } from '../components/ApprovePanel.tsx';
import { ErrorNotice, Loading } from '../components/Notices.tsx';
import { ReviewCard } from '../components/ReviewCard.tsx';
import { href } from '../lib/route.ts';

/** One proposed trade: the review card and the answer (always what the server holds, also after a reload). */
export function ProposalPage({ id }: { id: string }) {
  const proposal = useProposal(id);
  return (
    <>
      <p>
        <a href={href('inbox')}>← Proposed trades</a>
      </p>
      {proposal.isPending ? <Loading what="the trade" /> : null}
      {proposal.isError ? <ErrorNotice error={proposal.error} action="load the trade" /> : null}
      {proposal.data ? (
        <div className="review-layout">
          <ReviewCard proposal={proposal.data} />
          <ApprovePanel proposal={proposal.data} />
        </div>
      ) : null}
    </>
  );
}
