import { countdown, dateTime, humanize, useNow } from '@delta/web-ui';
import { Field } from '@delta/web-ui/field';
import { useState } from 'react';
import { useApprovals, useRevokeApproval } from '../api/queries.ts';
import { APPROVAL_STATES, type TApprovalView } from '../api/schemas.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { CopyButton } from '../components/CopyButton.tsx';
import { CustomerPicker } from '../components/CustomerPicker.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { href, navigate, type Route } from '../lib/hash-route.ts';
import { useCan } from '../lib/session.tsx';

function summary(a: TApprovalView): string {
  const s = a.intent_summary;
  const price = s.order_type === 'limit' ? `limit ${String(s.limit_price)}` : 'market';
  if (s.action === 'cancel') {
    const side = s.side === 'long' ? 'buy' : 'sell';
    return `cancel order ${String(s.order_id)} (${side} ${String(s.units)} × ${String(s.coin)}, ${price})`;
  }
  return `${String(s.action)} ${String(s.side)} ${String(s.units)} × ${String(s.coin)} (${price})`;
}

function ApprovalRow({ a, now }: { a: TApprovalView; now: number }) {
  const can = useCan('operator');
  const revoke = useRevokeApproval();
  const left = Math.max(0, Math.round((new Date(a.expires_at).getTime() - now) / 1000));
  const state = a.state === 'pending' && left === 0 ? 'expired' : a.state;
  const evidence = a.evidence ?? {};
  return (
    <tr>
      <td>
        <span className="mono">{a.approval_id}</span> <CopyButton text={a.approval_id} label="Copy" />
      </td>
      <td>
        <span className={`tag tag-${state}`}>{state}</span>
        {state === 'pending' ? <div className="small">expires in {countdown(left)}</div> : null}
      </td>
      <td>
        {summary(a)}
        <div className="muted small mono">{a.customer_id}</div>
      </td>
      <td className="small">
        {typeof evidence.channel === 'string' ? humanize(evidence.channel) : '—'}
        {typeof evidence.reference === 'string' ? ` · ${evidence.reference}` : ''}
        {typeof evidence.note === 'string' ? <div className="muted">{evidence.note}</div> : null}
      </td>
      <td className="small">{dateTime(a.created_at)}</td>
      <td>
        {state === 'pending' ? (
          <ConfirmButton
            label="Revoke"
            question="Revoke this approval? It can never be used afterwards."
            busy={revoke.isPending}
            disabled={!can.allowed}
            disabledReason={can.why}
            onConfirm={() => revoke.mutate(a.approval_id)}
          />
        ) : null}
        <ErrorNotice error={revoke.error} action="revoke" />
      </td>
    </tr>
  );
}

export function ApprovalsPage({ route }: { route: Route }) {
  const customerId = route.params.get('customer_id') ?? '';
  const [state, setState] = useState('');
  const approvals = useApprovals({
    ...(customerId ? { customer_id: customerId } : {}),
    ...(state ? { state } : {}),
  });
  const now = useNow();
  return (
    <div className="page">
      <h2>Approvals</h2>
      <p className="muted">
        An approval records the customer’s consent to one exact draft plan. To approve a new trade, draft it
        on <a href={href('reference-agents', { customer_id: customerId || undefined })}>Reference Agents</a>{' '}
        and record the consent under the plan.
      </p>
      <section className="card filters" aria-label="Filters">
        <CustomerPicker
          label="Customer (all when empty)"
          value={customerId}
          onChange={(id) => navigate('approvals', { customer_id: id })}
        />
        <Field label="State">
          {(a) => (
            <select {...a} value={state} onChange={(e) => setState(e.target.value)}>
              <option value="">Any</option>
              {APPROVAL_STATES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
      </section>
      <section className="card" aria-labelledby="approvals-title">
        <h3 id="approvals-title">Recorded approvals</h3>
        {approvals.isPending ? <Loading what="approvals" /> : null}
        <ErrorNotice error={approvals.error} action="load approvals" />
        {approvals.data?.items.length === 0 ? <Empty>No approvals match.</Empty> : null}
        {approvals.data && approvals.data.items.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Approval id</th>
                  <th scope="col">State</th>
                  <th scope="col">Trade</th>
                  <th scope="col">Consent</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {approvals.data.items.map((a) => (
                  <ApprovalRow key={a.approval_id} a={a} now={now} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </div>
  );
}
