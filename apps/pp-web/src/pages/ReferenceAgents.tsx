import type { TTradeRunRequest } from '@delta/contracts';
import { countdown } from '@delta/web-ui';
import { useMemo, useState } from 'react';
import { isApiError } from '../api/http.ts';
import {
  TRADING_AGENT_ID,
  useAccount,
  useCredentials,
  useHiredAgents,
  useMintApproval,
  useReferenceAgents,
  useRun,
} from '../api/queries.ts';
import type { TApprovalView, TFill, TRunResult } from '../api/schemas.ts';
import { ConsentForm } from '../components/ConsentForm.tsx';
import { CopyButton } from '../components/CopyButton.tsx';
import { CustomerPicker } from '../components/CustomerPicker.tsx';
import { DenialCard } from '../components/DenialCard.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { ExecutePanel } from '../components/ExecutePanel.tsx';
import { ExecutionResultCard, type FillSummary } from '../components/ExecutionResultCard.tsx';
import { PlanCard } from '../components/PlanCard.tsx';
import { RunForm } from '../components/RunForm.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { href, navigate, type Route } from '../lib/hash-route.ts';
import { type RunFormValues, toExecuteRequest } from '../lib/run-form.ts';
import { useCan } from '../lib/session.tsx';

/** Weighted average fill price and total fees of one order, from the account's recent fills. */
export function summarizeFills(fills: TFill[], clientOrderId: string): FillSummary | null {
  const mine = fills.filter((f) => f.client_order_id === clientOrderId);
  if (mine.length === 0) return null;
  let size = 0;
  let value = 0;
  let fees = 0;
  for (const f of mine) {
    size += f.size;
    value += f.size * Number(f.price);
    fees += Number(f.commission);
  }
  // Display only: the exchange's own strings are the record; this rounds for the eye.
  return {
    filled: size,
    average_price: (value / size).toFixed(2),
    fees: fees.toFixed(8).replace(/\.?0+$/, ''),
  };
}

function initialValues(
  route: Route,
  customerId: string,
  defaultCoin: string,
  account: string,
): RunFormValues {
  const p = route.params;
  const pick = <T extends string>(k: string, allowed: readonly T[], dflt: T): T => {
    const v = p.get(k);
    return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : dflt;
  };
  return {
    customer_id: customerId,
    exchange_account_id: p.get('account') ?? account,
    coin: p.get('coin') ?? defaultCoin,
    units: p.get('units') ?? '1',
    side: pick('side', ['long', 'short'] as const, 'long'),
    action: pick('action', ['enter', 'exit', 'cancel'] as const, 'enter'),
    price_mode: 'market',
    limit_price: '',
    order_id: p.get('order_id') ?? '',
  };
}

export function ReferenceAgentsPage({ route }: { route: Route }) {
  const can = useCan('operator');
  const agents = useReferenceAgents();
  const [agentId, setAgentId] = useState(route.params.get('agent') ?? TRADING_AGENT_ID);
  const customerId = route.params.get('customer_id') ?? '';
  const hired = useHiredAgents(customerId || undefined);
  const credentials = useCredentials(customerId || undefined);
  const hiredAgent = hired.data?.items.find((h) => h.agent_id === agentId);
  const accounts = useMemo(
    () => credentials.data?.items.filter((c) => c.state === 'active') ?? [],
    [credentials.data],
  );

  const draft = useRun(agentId);
  const exec = useRun(agentId);
  const mint = useMintApproval();
  const [draftRequest, setDraftRequest] = useState<TTradeRunRequest | null>(null);
  const [plan, setPlan] = useState<TRunResult | null>(null);
  const [stale, setStale] = useState(false);
  const [approval, setApproval] = useState<TApprovalView | null>(null);
  const executed = exec.data?.execution ?? null;
  const account = useAccount(
    executed && !executed.average_fill_price ? draftRequest?.exchange_account_id : undefined,
  );
  const fill = executed && account.data ? summarizeFills(account.data.fills, executed.client_order_id) : null;

  function resetRun() {
    setPlan(null);
    setApproval(null);
    draft.reset();
    exec.reset();
    mint.reset();
  }

  function onDraft(request: TTradeRunRequest) {
    resetRun();
    setStale(false);
    setDraftRequest(request);
    draft.mutate(request, { onSuccess: (r) => setPlan(r) });
  }

  function onExecute(approvalId: string) {
    if (!draftRequest) return;
    exec.reset();
    exec.mutate(toExecuteRequest(draftRequest, approvalId));
  }

  const selectedAgent = agents.data?.items.find((a) => a.agent_id === agentId);
  const setup = hiredAgent?.setup;

  return (
    <div className="page">
      <h2>Reference Agents</h2>
      <section className="card" aria-labelledby="agents-title">
        <h3 id="agents-title">Agent</h3>
        {agents.isPending ? <Loading what="reference agents" /> : null}
        <ErrorNotice error={agents.error} action="load the reference agents" />
        {agents.data && agents.data.items.length === 0 ? (
          <Empty>Plant lists no reference agents.</Empty>
        ) : null}
        {agents.data && agents.data.items.length > 0 ? (
          <fieldset className="agent-list">
            <legend className="sr-only">Choose an agent</legend>
            {agents.data.items.map((a) => (
              <label key={a.agent_id} className={`agent-option${a.agent_id === agentId ? ' selected' : ''}`}>
                <input
                  type="radio"
                  name="agent"
                  checked={a.agent_id === agentId}
                  onChange={() => {
                    setAgentId(a.agent_id);
                    resetRun();
                  }}
                />
                <span>
                  <strong>
                    {a.display_name} ({a.agent_id})
                  </strong>
                  <span className="muted small">
                    {' '}
                    · {a.agent_type} · playbook {a.playbook.playbook_id}
                  </span>
                </span>
              </label>
            ))}
          </fieldset>
        ) : null}
      </section>

      {selectedAgent && selectedAgent.agent_type !== 'trading' ? (
        <p className="notice info">This runner takes trade intents; choose the trading agent.</p>
      ) : (
        <section className="card" aria-labelledby="intent-title">
          <h3 id="intent-title">Trade intent</h3>
          <CustomerPicker
            value={customerId}
            onChange={(id) => {
              resetRun();
              navigate('reference-agents', { customer_id: id });
            }}
          />
          {customerId && hired.isPending ? <Loading what="the hired agent" /> : null}
          <ErrorNotice error={hired.error} action="load the hired agent" />
          {customerId && hired.data && !hiredAgent ? (
            <p className="notice warn">
              This customer has not hired {agentId}.{' '}
              <a href={href('customers', { customer_id: customerId })}>Hire it on the Customers page.</a>
            </p>
          ) : null}
          {customerId && hiredAgent && setup ? (
            <>
              <p className="small muted">
                Allowed coins {setup.allowed_coins.join(', ')} · max {setup.risk_limits.max_units_per_order}{' '}
                units/order
                {setup.risk_limits.max_notional_inr
                  ? ` · max ₹${setup.risk_limits.max_notional_inr} notional`
                  : ''}{' '}
                · <a href={href('setup', { customer_id: customerId })}>edit setup</a>
              </p>
              <RunForm
                key={`${customerId}/${agentId}/${route.params.toString()}`}
                initial={initialValues(route, customerId, setup.default_coin, setup.credential_ref)}
                accounts={accounts}
                allowedCoins={setup.allowed_coins}
                onDraft={onDraft}
                onEdit={() => {
                  if (plan) setStale(true);
                }}
                busy={draft.isPending}
                disabledReason={can.allowed ? undefined : can.why}
              />
              {draft.isError ? (
                isApiError(draft.error) && draft.error.status === 403 ? (
                  <DenialCard error={draft.error} />
                ) : (
                  <ErrorNotice error={draft.error} action="draft the plan" />
                )
              ) : null}
            </>
          ) : null}
        </section>
      )}

      {plan && draftRequest ? (
        <>
          <PlanCard plan={plan.plan} />
          {plan.plan.approvable ? (
            <section className="card" aria-labelledby="approve-title">
              <h3 id="approve-title">Customer approval</h3>
              {approval ? (
                <p className="notice ok" role="status">
                  Approval <span className="mono">{approval.approval_id}</span>{' '}
                  <CopyButton text={approval.approval_id} label="Copy id" /> minted; it expires in{' '}
                  {countdown(approval.expires_in_s)}. It is filled in below.
                </p>
              ) : (
                <ConsentForm
                  busy={mint.isPending}
                  disabledReason={
                    can.allowed ? (stale ? 'Draft again: the inputs changed.' : undefined) : can.why
                  }
                  onSubmit={(consent) =>
                    mint.mutate(
                      { agent_id: agentId, run: draftRequest, consent },
                      { onSuccess: (r) => setApproval(r.approval) },
                    )
                  }
                />
              )}
              <ErrorNotice error={mint.error} action="mint the approval" />
            </section>
          ) : null}
          <section className="card" aria-labelledby="execute-title">
            <h3 id="execute-title">Execute</h3>
            <p className="small muted">
              Execution policy: <strong>customer approval required for every trade action</strong>.
            </p>
            <ExecutePanel
              approvalId={approval?.approval_id ?? ''}
              onExecute={onExecute}
              busy={exec.isPending}
              stale={stale}
            />
          </section>
        </>
      ) : null}

      {exec.data?.execution ? (
        <>
          <ExecutionResultCard
            execution={exec.data.execution}
            correlationId={exec.data.correlation_id}
            fill={fill}
          />
          <p>
            <a
              href={href('positions', {
                customer_id: draftRequest?.customer_id,
                account: draftRequest?.exchange_account_id,
              })}
            >
              See the account’s positions
            </a>
          </p>
        </>
      ) : null}
      {exec.isError ? (
        isApiError(exec.error) && (exec.error.status === 403 || exec.error.status === 429) ? (
          <DenialCard error={exec.error} />
        ) : (
          <ErrorNotice error={exec.error} action="execute" />
        )
      ) : null}
    </div>
  );
}
