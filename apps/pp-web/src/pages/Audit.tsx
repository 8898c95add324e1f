import type { TAuditVerifyResult, TAuditViewRecord } from '@delta/contracts';
import { dateTime } from '@delta/web-ui';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import { type AuditFilter, useAuditRecords, useAuditTrail, useAuditVerify } from '../api/queries.ts';
import { CorrelationLink } from '../components/CorrelationLink.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { reasonText } from '../lib/denial-reasons.ts';
import { href, navigate, type Route } from '../lib/hash-route.ts';

const TEXT_KEYS = ['correlation_id', 'customer_id', 'actor', 'action', 'reason', 'from', 'to'] as const;
const SOURCES = ['pp', 'gateway', 'plant'] as const;
const SOURCE_LABEL: Record<TAuditViewRecord['source'], string> = {
  pp: 'PP',
  gateway: 'Gateway',
  plant: 'Plant',
};

function filterFrom(route: Route): AuditFilter {
  const f: AuditFilter = {};
  for (const k of TEXT_KEYS) {
    const v = route.params.get(k);
    if (v) f[k] = v;
  }
  const source = route.params.get('source');
  if (source && (SOURCES as readonly string[]).includes(source)) f.source = source as AuditFilter['source'];
  return f;
}

/** datetime-local has no zone; the API wants an ISO time with an offset. */
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
    correlation_id: filter.correlation_id ?? '',
    customer_id: filter.customer_id ?? '',
    actor: filter.actor ?? '',
    action: filter.action ?? '',
    reason: filter.reason ?? '',
    source: filter.source ?? '',
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
      correlation_id: v.correlation_id.trim(),
      customer_id: v.customer_id.trim(),
      actor: v.actor.trim(),
      action: v.action.trim(),
      reason: v.reason.trim(),
      source: v.source,
      from: toIso(v.from),
      to: toIso(v.to),
    });
  }
  return (
    <form className="card filters" onSubmit={submit} aria-label="Audit filters">
      <Field label="Correlation id">
        {(a) => <input {...a} className="mono" {...bind('correlation_id')} />}
      </Field>
      <Field label="Customer id">{(a) => <input {...a} {...bind('customer_id')} />}</Field>
      <Field label="Actor">
        {(a) => <input {...a} className="mono" {...bind('actor')} placeholder="ops:usr_…(operator)" />}
      </Field>
      <Field label="Action">
        {(a) => <input {...a} {...bind('action')} placeholder="credential.store" />}
      </Field>
      <Field label="Reason">{(a) => <input {...a} {...bind('reason')} placeholder="role_forbidden" />}</Field>
      <Field label="Service">
        {(a) => (
          <select {...a} {...bind('source')}>
            <option value="">All services</option>
            {SOURCES.map((s) => (
              <option key={s} value={s}>
                {SOURCE_LABEL[s]}
              </option>
            ))}
          </select>
        )}
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

function chainLine(name: string, r: TAuditVerifyResult | null, error: string | null) {
  if (!r) return `${name}: could not be checked (${error ?? 'unavailable'}).`;
  return r.ok
    ? `${name}: ${r.records_checked} records, unbroken.`
    : `${name}: BROKEN at record ${r.first_broken?.seq} (${r.first_broken?.problem}): ${r.first_broken?.detail}.`;
}

function ChainStatus() {
  const verify = useAuditVerify();
  if (verify.isPending) return <Loading what="the audit chain check" />;
  if (verify.isError) return <ErrorNotice error={verify.error} action="verify the audit chains" />;
  const r = verify.data;
  const broken = !r.chains.pp.ok || r.chains.plant?.ok === false;
  return (
    <div className={`notice ${r.ok ? 'ok' : 'error'}`} role={broken ? 'alert' : 'status'}>
      <p>{chainLine('PP audit chain', r.chains.pp, null)}</p>
      <p>{chainLine('Plant audit chain', r.chains.plant, r.plant_error)}</p>
      {broken ? <p>Escalate to the platform team now.</p> : null}
      <button
        type="button"
        className="small-button"
        onClick={() => verify.refetch()}
        disabled={verify.isFetching}
      >
        {verify.isFetching ? 'Checking…' : 'Check again'}
      </button>
    </div>
  );
}

function Outcome({ r }: { r: TAuditViewRecord }) {
  return (
    <strong className={r.outcome === 'deny' || r.outcome === 'fail' ? 'fail' : undefined}>
      {r.outcome ?? '—'}
    </strong>
  );
}

/** The sources that could not be read, so an incomplete answer never looks complete. */
function MissingSources({ sources }: { sources: Record<string, string> | undefined }) {
  const missing = SOURCES.filter((s) => sources?.[s] === 'unavailable');
  if (missing.length === 0) return null;
  return (
    <p className="notice error" role="alert">
      Not shown: {missing.map((s) => SOURCE_LABEL[s]).join(', ')} could not be reached. Try again shortly.
    </p>
  );
}

function Story({ correlationId }: { correlationId: string }) {
  const trail = useAuditTrail(correlationId);
  const items = trail.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="story-title">
      <h3 id="story-title">
        The story of request <span className="mono">{correlationId}</span>
      </h3>
      {trail.isPending ? <Loading what="the request’s records" /> : null}
      <ErrorNotice error={trail.error} action="load the request’s records" />
      <MissingSources sources={trail.data?.sources} />
      {trail.data && items.length === 0 ? <Empty>No records carry this correlation id.</Empty> : null}
      {items.length > 0 ? (
        <ol className="timeline" aria-label="Request story">
          {items.map((r) => (
            <li
              key={`${r.source}-${r.id}`}
              className={r.outcome === 'deny' || r.outcome === 'fail' ? 'fail' : undefined}
            >
              <span className="small muted">{dateTime(r.recorded_at)}</span> —{' '}
              <span className="badge">{SOURCE_LABEL[r.source]}</span> {r.action ?? r.kind}
              {r.actor ? <span className="small muted"> by {r.actor}</span> : null}: <Outcome r={r} />
              {r.reason ? (
                <>
                  {' '}
                  <span className="mono">{r.reason}</span> — {reasonText(r.reason).title}
                </>
              ) : null}
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

export function AuditPage({ route }: { route: Route }) {
  const filter = filterFrom(route);
  const records = useAuditRecords(filter);
  const items = records.data?.pages.flatMap((p) => p.items) ?? [];
  const lastPage = records.data?.pages[records.data.pages.length - 1];

  return (
    <div className="page">
      <h2>Audit</h2>
      <ChainStatus />
      <FilterForm key={route.params.toString()} filter={filter} />
      {filter.correlation_id ? <Story correlationId={filter.correlation_id} /> : null}

      <section className="card" aria-labelledby="records-title">
        <h3 id="records-title">Records, newest first</h3>
        <p className="small muted">
          What PP did and refused, what the gateway refused, and what Plant decided.
        </p>
        {records.isPending ? <Loading what="audit records" /> : null}
        <ErrorNotice error={records.error} action="load audit records" />
        <MissingSources sources={lastPage?.sources} />
        {records.data && items.length === 0 ? <Empty>No records match these filters.</Empty> : null}
        {items.length > 0 ? (
          <div className="table-wrap">
            <table aria-label="Audit records" className="stack-on-phone">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Service</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Correlation id</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr key={`${r.source}-${r.id}`}>
                    <td data-label="When" className="small">
                      {dateTime(r.recorded_at)}
                    </td>
                    <td data-label="Service">{SOURCE_LABEL[r.source]}</td>
                    <td data-label="Actor" className="mono small">
                      {r.actor ?? '—'}
                    </td>
                    <td data-label="Action">{r.action ?? r.kind}</td>
                    <td data-label="Outcome">
                      <Outcome r={r} />
                    </td>
                    <td data-label="Reason">
                      {r.reason ? (
                        <>
                          <span className="mono">{r.reason}</span>
                          <div className="small muted">{reasonText(r.reason).title}</div>
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td data-label="Customer" className="mono small">
                      {r.customer_id ?? '—'}
                    </td>
                    <td data-label="Correlation id" className="small">
                      <CorrelationLink id={r.correlation_id} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {records.hasNextPage ? (
          <button type="button" onClick={() => records.fetchNextPage()} disabled={records.isFetchingNextPage}>
            {records.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </section>
    </div>
  );
}
