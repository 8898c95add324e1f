import type { TProposal } from '@delta/contracts';
import { useNow } from '@delta/web-ui';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import { useApprove, useProposalAction } from '../api/queries.ts';
import { useSingleFlight } from '../lib/single-flight.ts';
import { secondsLeft } from './Countdown.tsx';
import { ExecutionResult } from './ExecutionResult.tsx';
import { ErrorNotice } from './Notices.tsx';

/**
 * The answer to one proposal: approve (passkey, or a code of the authenticator app), reject with a reason, or
 * re-quote. Every button is disabled while any answer is on its way, so a double tap sends one; what the server
 * holds (the proposal's state, its execution) is shown again after a reload.
 */
export function ApprovePanel({ proposal }: { proposal: TProposal }) {
  const approve = useApprove(proposal.proposal_id);
  const action = useProposalAction(proposal.proposal_id);
  // Approve, reject and re-quote share one flight: whichever goes first, the others wait for its answer.
  const once = useSingleFlight();
  const sendApprove = (v: Parameters<typeof approve.mutate>[0]) => once(approve.mutate, v);
  const sendAction = (v: Parameters<typeof action.mutate>[0]) => once(action.mutate, v);
  const [mode, setMode] = useState<'passkey' | 'code'>('passkey');
  const [code, setCode] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const now = useNow();
  const busy = approve.isPending || action.isPending;
  const expired =
    proposal.state === 'expired' ||
    (proposal.state === 'open' && secondsLeft(proposal.expires_at, now) === 0);
  const execution = approve.data?.run.execution ?? proposal.execution;

  if (proposal.state === 'approved') {
    return (
      <section className="card actions" aria-label="Answer">
        <h3>Approved</h3>
        {execution ? <ExecutionResult execution={execution} /> : <p>Approved; the order is on its way.</p>}
      </section>
    );
  }
  if (proposal.state === 'rejected') {
    return (
      <section className="card actions" aria-label="Answer">
        <p className="notice info" role="status">
          You rejected this trade{proposal.reject_reason ? `: “${proposal.reject_reason}”` : ''}. Nothing was
          sent.
        </p>
      </section>
    );
  }

  const submitCode = (e: FormEvent) => {
    e.preventDefault();
    if (busy || !/^\d{6}$/.test(code)) return;
    sendApprove({ intentHash: proposal.plan.intent_hash, code });
  };
  const submitReject = (e: FormEvent) => {
    e.preventDefault();
    if (busy || !reason.trim()) return;
    sendAction({ verb: 'reject', reason: reason.trim() });
  };

  return (
    <section className="card actions" aria-label="Answer">
      {approve.isPending ? (
        <p className="notice info" role="status">
          {mode === 'passkey' ? 'Confirm with your passkey… then the order goes to Delta.' : 'Approving…'}
        </p>
      ) : null}
      <ErrorNotice error={approve.error} action="approve" />
      <ErrorNotice
        error={action.error}
        action={action.variables?.verb === 'reject' ? 'reject' : 're-quote'}
      />
      {expired ? (
        <p className="notice info" role="status">
          This proposal expired before it was answered. Re-quote it to see today’s price and answer again.
        </p>
      ) : mode === 'passkey' ? (
        <>
          <button
            type="button"
            className="primary big"
            disabled={busy || !proposal.plan.approvable}
            onClick={() => sendApprove({ intentHash: proposal.plan.intent_hash })}
          >
            {approve.isPending ? 'Approving…' : 'Approve with passkey'}
          </button>
          <button type="button" className="link" disabled={busy} onClick={() => setMode('code')}>
            Use a code instead
          </button>
        </>
      ) : (
        <form onSubmit={submitCode} aria-label="Approve with a code">
          <Field label="6-digit code from your authenticator app">
            {(a) => (
              <input
                {...a}
                inputMode="numeric"
                autoComplete="one-time-code"
                pattern="\d{6}"
                maxLength={6}
                value={code}
                onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
              />
            )}
          </Field>
          <button
            type="submit"
            className="primary big"
            disabled={busy || code.length !== 6 || !proposal.plan.approvable}
          >
            {approve.isPending ? 'Approving…' : 'Approve with code'}
          </button>
          <button type="button" className="link" disabled={busy} onClick={() => setMode('passkey')}>
            Use my passkey instead
          </button>
        </form>
      )}
      <div className="row">
        <button type="button" disabled={busy} onClick={() => sendAction({ verb: 'requote' })}>
          {action.isPending && action.variables?.verb === 'requote' ? 'Re-quoting…' : 'Re-quote'}
        </button>
        {!rejecting ? (
          <button type="button" className="danger" disabled={busy} onClick={() => setRejecting(true)}>
            Reject
          </button>
        ) : null}
      </div>
      {rejecting ? (
        <form onSubmit={submitReject} aria-label="Reject">
          <Field label="Why are you rejecting it?" hint="Kept with the proposal; up to 200 characters.">
            {(a) => (
              <input {...a} maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} />
            )}
          </Field>
          <div className="row">
            <button type="submit" className="danger" disabled={busy || !reason.trim()}>
              {action.isPending ? 'Rejecting…' : 'Reject this trade'}
            </button>
            <button type="button" className="link" disabled={busy} onClick={() => setRejecting(false)}>
              Keep it
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
