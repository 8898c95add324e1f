import type { TPolicyDecisionRecord, TUsageEvent } from '@delta/contracts';
import { type FormEvent, useState } from 'react';
import { type AuditFilter, useAuditVerify, usePolicyDenials, useUsageEvents } from '../api/queries.ts';
import { CorrelationLink } from '../components/CorrelationLink.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Field } from '../components/Field.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { reasonText } from '../lib/denial-reasons.ts';
import { dateTime, humanize } from '../lib/format.ts';
import { href, navigate, type Route } from '../lib/hash-route.ts';

const FILTER_KEYS = ['customer_id', 'agent_id', 'correlation_id', 'from', 'to'] as const;

function filterFrom(route: Route): AuditFilter {
  const f: AuditFilter = {};
  for (const k of FILTER_KEYS) {
    const v = route.params.get(k);
    if (v) f[k] = v;
  }
  return f;
}

/** datetime-local has no zone; Plant wants an ISO time with an offset. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
function toLocal(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function FilterForm({ filter }: { filter: AuditFilter }) {
  const [v, setV] = useState({
    customer_id: filter.customer_id ?? '',
    agent_id: filter.agent_id ?? '',
    correlation_id: filter.correlation_id ?? '',
    from: toLocal(filter.from),
    to: toLocal(filter.to),
  });
  const bind = (k: keyof typeof v) => ({
    value: v[k],
    onChange: (e: { target: { value: string } }) => setV((p) => ({ ...p, [k]: e.target.value })),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    navigate('audit', {
      customer_id: v.customer_id.trim(),
      agent_id: v.agent_id.trim(),
      correlation_id: v.correlation_id.trim(),
      from: toIso(v.from),
      to: toIso(v.to),
    });
  }
  return (
    <form className="card filters" onSubmit={submit} aria-label="Audit filters">
      <Field label="Customer id">{(a) => <input {...a} {...bind('customer_id')} />}</Field>
      <Field label="Agent id">
        {(a) => <input {...a} {...bind('agent_id')} placeholder="AGT-TRD-DELTA-001" />}
      </Field>
      <Field label="Correlation id">
        {(a) => <input {...a} className="mono" {...bind('correlation_id')} />}
      </Field>
      <Field label="From">{(a) => <input {...a} type="datetime-local" {...bind('from')} />}</Field>
      <Field label="To">{(a) => <input {...a} type="datetime-local" {...bind('to')} />}</Field>
      <div className="filter-actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <a className="button-link" href={href('audit')}>
          Clear
        </a>
      </div>
    </form>
  );
}

function ChainStatus() {
  const verify = useAuditVerify();
  if (verify.isPending) return <Loading what="the audit chain check" />;
  if (verify.isError) return <ErrorNotice error={verify.error} action="verify the audit chain" />;
  const r = verify.data;
  return r.ok ? (
    <p className="notice ok" role="status">
      Audit chain verified: {r.records_checked} records, unbroken.{' '}
      <button
        type="button"
        className="small-button"
        onClick={() => verify.refetch()}
        disabled={verify.isFetching}
      >
        {verify.isFetching ? 'Checking…' : 'Check again'}
      </button>
    </p>
  ) : (
    <p className="notice error" role="alert">
      Audit chain BROKEN at record {r.first_broken?.seq} ({r.first_broken?.problem}): {r.first_broken?.detail}
      . Escalate to the platform team now.
    </p>
  );
}

type StoryItem =
  | { kind: 'usage'; at: string; e: TUsageEvent }
  | { kind: 'denial'; at: string; d: TPolicyDecisionRecord };

export function AuditPage({ route }: { route: Route }) {
  const filter = filterFrom(route);
  const usage = useUsageEvents(filter);
  const denials = usePolicyDenials(filter);
  const events = usage.data?.pages.flatMap((p) => p.items) ?? [];
  const denied = denials.data?.pages.flatMap((p) => p.items) ?? [];
  const story: StoryItem[] = filter.correlation_id
    ? [
        ...events
          .filter((e) => e.correlation_id === filter.correlation_id)
          .map((e): StoryItem => ({ kind: 'usage', at: e.occurred_at, e })),
        ...denied
          .filter((d) => d.correlation_id === filter.correlation_id)
          .map((d): StoryItem => ({ kind: 'denial', at: d.recorded_at, d })),
      ].sort((a, b) => a.at.localeCompare(b.at))
    : [];

  return (
    <div className="page">
      <h2>Audit</h2>
      <ChainStatus />
      <FilterForm key={route.params.toString()} filter={filter} />
      {filter.correlation_id ? (
        <section className="card" aria-labelledby="story-title">
          <h3 id="story-title">
            The story of request <span className="mono">{filter.correlation_id}</span>
          </h3>
          {usage.isPending || denials.isPending ? <Loading what="the request’s records" /> : null}
          {story.length === 0 && !usage.isPending && !denials.isPending ? (
            <Empty>No records carry this correlation id.</Empty>
          ) : (
            <ol className="timeline">
              {story.map((s) =>
                s.kind === 'usage' ? (
                  <li key={`u-${s.e.event_id}`}>
                    <span className="small muted">{dateTime(s.at)}</span> — {humanize(s.e.event_type)}{' '}
                    {s.e.action ? `(${s.e.action})` : ''}: <strong>{humanize(s.e.outcome)}</strong>
                  </li>
                ) : (
                  <li key={`d-${s.d.record_id}`} className="fail">
                    <span className="small muted">{dateTime(s.at)}</span> — policy denied {s.d.action} at{' '}
                    {humanize(s.d.stage)}: <strong>{reasonText(s.d.reason).title}</strong>
                  </li>
                ),
              )}
            </ol>
          )}
        </section>
      ) : null}

      <section className="card" aria-labelledby="usage-title">
        <h3 id="usage-title">Usage events</h3>
        {usage.isPending ? <Loading what="usage events" /> : null}
        <ErrorNotice error={usage.error} action="load usage events" />
        {usage.data && events.length === 0 ? <Empty>No usage events match these filters.</Empty> : null}
        {events.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col">Action</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Correlation id</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr key={e.event_id}>
                    <td className="small">{dateTime(e.occurred_at)}</td>
                    <td>{humanize(e.event_type)}</td>
                    <td>{e.action ?? '—'}</td>
                    <td>{humanize(e.outcome)}</td>
                    <td className="mono small">{e.customer_id}</td>
                    <td className="small">
                      <CorrelationLink id={e.correlation_id} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {usage.hasNextPage ? (
          <button type="button" onClick={() => usage.fetchNextPage()} disabled={usage.isFetchingNextPage}>
            {usage.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </section>

      <section className="card" aria-labelledby="denials-title">
        <h3 id="denials-title">Policy denials</h3>
        {denials.isPending ? <Loading what="policy denials" /> : null}
        <ErrorNotice error={denials.error} action="load policy denials" />
        {denials.data && denied.length === 0 ? <Empty>No policy denials match these filters.</Empty> : null}
        {denied.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Correlation id</th>
                </tr>
              </thead>
              <tbody>
                {denied.map((d) => (
                  <tr key={d.record_id}>
                    <td className="small">{dateTime(d.recorded_at)}</td>
                    <td>{d.action}</td>
                    <td>{humanize(d.stage)}</td>
                    <td>
                      <span className="mono">{d.reason}</span>
                      <div className="small muted">{reasonText(d.reason).title}</div>
                    </td>
                    <td className="mono small">{d.customer_id ?? '—'}</td>
                    <td className="small">
                      <CorrelationLink id={d.correlation_id} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {denials.hasNextPage ? (
          <button type="button" onClick={() => denials.fetchNextPage()} disabled={denials.isFetchingNextPage}>
            {denials.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </section>
    </div>
  );
}
