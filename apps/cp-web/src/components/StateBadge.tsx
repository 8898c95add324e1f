import type { TProposal } from '@delta/contracts';

const WORDS: Record<TProposal['state'], string> = {
  open: 'Waiting for you',
  approved: 'Approved',
  rejected: 'Rejected',
  expired: 'Expired',
};

export function StateBadge({ state }: { state: TProposal['state'] }) {
  return <span className={`badge state-${state}`}>{WORDS[state]}</span>;
}
