import type { THiredAgent } from '@delta/contracts';
import { dateTime } from '@delta/web-ui';
import {
  TRADING_AGENT_ID,
  useCredentials,
  useHireAgent,
  useHiredAgents,
  useUpdateSetup,
} from '../api/queries.ts';
import { CredentialsPanel } from '../components/CredentialsPanel.tsx';
import { CustomerPicker } from '../components/CustomerPicker.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { SetupForm } from '../components/SetupForm.tsx';
import { Loading } from '../components/States.tsx';
import { href, navigate, type Route } from '../lib/hash-route.ts';
import { useCan } from '../lib/session.tsx';

export function AgentSetupPage({ route }: { route: Route }) {
  const customerId = route.params.get('customer_id') ?? '';
  const can = useCan('operator');
  const hired = useHiredAgents(customerId || undefined);
  const credentials = useCredentials(customerId || undefined);
  const hire = useHireAgent();
  const update = useUpdateSetup();
  const agent = hired.data?.items.find((h) => h.agent_id === TRADING_AGENT_ID);
  const active = credentials.data?.items.filter((c) => c.state === 'active') ?? [];

  return (
    <div className="page">
      <h2>Agent setup</h2>
      <CustomerPicker value={customerId} onChange={(id) => navigate('setup', { customer_id: id })} />
      {customerId ? (
        <>
          <CredentialsPanel customerId={customerId} />
          <section className="card" aria-labelledby="setup-title">
            <h3 id="setup-title">Delta Futures Trading Agent ({TRADING_AGENT_ID})</h3>
            {hired.isPending || credentials.isPending ? <Loading what="the agent setup" /> : null}
            <ErrorNotice error={hired.error} action="load the hired agent" />
            {agent ? (
              <>
                <p className="small muted">
                  Hired {dateTime(agent.hired_at)} on the {agent.plan} plan · setup version{' '}
                  {agent.setup_version} ·{' '}
                  <a href={href('reference-agents', { customer_id: customerId })}>run it →</a>
                </p>
                <PlanUsage usage={agent.usage} />
              </>
            ) : hired.data ? (
              <p className="notice info">
                Not hired yet. Add an exchange account above, fill in the setup and hire the agent (trial
                plan).
              </p>
            ) : null}
            {hired.data && credentials.data ? (
              <SetupForm
                key={`${agent?.hired_agent_id ?? 'new'}/${agent?.setup_version ?? 0}/${active.length}`}
                setup={agent?.setup}
                accounts={active}
                submitLabel={agent ? 'Save setup' : 'Hire the trading agent'}
                busy={hire.isPending || update.isPending}
                disabledReason={can.allowed ? undefined : can.why}
                onSubmit={(setup) =>
                  agent
                    ? update.mutate({ hiredAgentId: agent.hired_agent_id, setup })
                    : hire.mutate({
                        customer_id: customerId,
                        agent_id: TRADING_AGENT_ID,
                        plan: 'trial',
                        setup,
                      })
                }
              />
            ) : null}
            <ErrorNotice error={hire.error} action="hire the agent" />
            <ErrorNotice error={update.error} action="save the setup" />
            {hire.isSuccess ? (
              <p className="notice ok" role="status">
                Hired. <a href={href('reference-agents', { customer_id: customerId })}>Draft a trade →</a>
              </p>
            ) : null}
            {update.isSuccess ? (
              <p className="notice ok" role="status">
                Setup saved (version {update.data.setup_version}).
              </p>
            ) : null}
          </section>
        </>
      ) : (
        <p className="muted">Choose a customer to manage their exchange keys and agent setup.</p>
      )}
    </div>
  );
}

/** The plan's limits and what is used: only executions of entries count; drafts and exits never do. */
function PlanUsage({ usage }: { usage: THiredAgent['usage'] }) {
  return (
    <dl className="facts compact" aria-label="Plan limits and usage">
      <dt>Trial</dt>
      <dd>
        {usage.trial
          ? `${usage.trial.runs_used}${usage.trial.max_runs === null ? '' : ` of ${usage.trial.max_runs}`} entries used${
              usage.trial.ends_at ? `, ends ${dateTime(usage.trial.ends_at)}` : ''
            }`
          : 'not limited (paid plan)'}
      </dd>
      <dt>Daily budget</dt>
      <dd>
        {usage.daily_budget
          ? `${usage.daily_budget.runs_today} of ${usage.daily_budget.max_runs_per_day} entries today (UTC)`
          : 'none'}
      </dd>
      <dt>Counts</dt>
      <dd>executed entries only — drafts and exits are never limited; an ops admin changes the plan</dd>
    </dl>
  );
}
