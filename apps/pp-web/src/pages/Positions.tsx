import { Field } from '@delta/web-ui/field';
import { useEffect, useMemo } from 'react';
import { useAccount, useCredentials, useMarkCandles } from '../api/queries.ts';
import { type EventSourceCtor, type LiveStatus, useAccountStream } from '../api/use-account-stream.ts';
import { AccountTables } from '../components/AccountTables.tsx';
import { CustomerPicker } from '../components/CustomerPicker.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { MarkPriceChart } from '../components/MarkPriceChart.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { viewFromRest } from '../lib/account-view.ts';
import { href, navigate, type Route } from '../lib/hash-route.ts';
import { useCan } from '../lib/session.tsx';

const STATUS_WORDS: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stale: 'Stale: reading every 5 s',
};

export function LiveBadge({ status }: { status: LiveStatus }) {
  return (
    <span className={`live-badge live-${status}`} role="status" aria-label={`Live updates: ${status}`}>
      {STATUS_WORDS[status]}
    </span>
  );
}

export default function PositionsPage({
  route,
  eventSource,
}: {
  route: Route;
  /** Tests pass their EventSource; the browser's otherwise. */
  eventSource?: EventSourceCtor;
}) {
  const customerId = route.params.get('customer_id') ?? '';
  const accountRef = route.params.get('account') ?? '';
  const can = useCan('operator');
  const credentials = useCredentials(customerId || undefined);
  const active = credentials.data?.items.filter((c) => c.state === 'active') ?? [];
  const ref = accountRef || active[0]?.credential_ref || '';
  const stream = useAccountStream(ref || undefined, eventSource ? { EventSource: eventSource } : {});
  // The REST read is the first load; it polls only while the live stream is down.
  const account = useAccount(ref || undefined, { poll: stream.status === 'stale' });
  const stale = stream.status === 'stale';
  const { refetch } = account;
  // Gone stale: read the account at once, then every 5 s until the stream is back.
  useEffect(() => {
    if (stale && ref) void refetch();
  }, [stale, ref, refetch]);
  const restView = useMemo(() => (account.data ? viewFromRest(account.data) : null), [account.data]);
  const view = !stale && stream.view ? stream.view : restView;
  const chartSymbol = view?.positions[0]?.symbol ?? Object.keys(view?.marks ?? {}).sort()[0];
  const position = view?.positions.find((p) => p.symbol === chartSymbol);
  const candles = useMarkCandles(chartSymbol, ref || undefined);
  const num = (v: string | null | undefined) => (v ? Number(v) : undefined);

  return (
    <div className="page">
      <h2>Positions {ref ? <LiveBadge status={stream.status} /> : null}</h2>
      <section className="card filters" aria-label="Account">
        <CustomerPicker value={customerId} onChange={(id) => navigate('positions', { customer_id: id })} />
        {customerId ? (
          <Field label="Exchange account">
            {(a) => (
              <select
                {...a}
                value={ref}
                onChange={(e) => navigate('positions', { customer_id: customerId, account: e.target.value })}
              >
                {active.length === 0 ? <option value="">No active account</option> : null}
                {active.map((c) => (
                  <option key={c.credential_ref} value={c.credential_ref}>
                    {c.label} · {c.environment} · {c.key_masked}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
      </section>
      {!customerId ? <p className="muted">Choose a customer to see their exchange account.</p> : null}
      {customerId && credentials.data && active.length === 0 ? (
        <Empty>
          This customer has no active exchange account.{' '}
          <a href={href('setup', { customer_id: customerId })}>Add keys in Agent setup.</a>
        </Empty>
      ) : null}
      {ref && !view && account.isPending ? <Loading what="the account from the exchange" /> : null}
      {stream.status === 'stale' ? <ErrorNotice error={account.error} action="read the account" /> : null}
      {!view && account.error ? <ErrorNotice error={account.error} action="read the account" /> : null}
      {view ? (
        <>
          {chartSymbol ? (
            <section className="card" aria-labelledby="chart-title">
              <h3 id="chart-title">{chartSymbol} mark price</h3>
              <ErrorNotice error={candles.error} action="load the mark history" />
              <MarkPriceChart
                symbol={chartSymbol}
                candles={candles.data?.candles ?? []}
                mark={view.marks[chartSymbol]}
                entryPrice={num(position?.entry_price)}
                liquidationPrice={num(position?.liquidation_price)}
              />
            </section>
          ) : null}
          <AccountTables view={view} customerId={customerId} account={ref} can={can} />
        </>
      ) : null}
    </div>
  );
}
