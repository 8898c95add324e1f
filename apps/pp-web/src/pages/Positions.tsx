import { useEffect, useState } from 'react';
import { useAccount, useCredentials } from '../api/queries.ts';
import type { TAccount, TOpenOrder, TPosition } from '../api/schemas.ts';
import { CustomerPicker } from '../components/CustomerPicker.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { Field } from '../components/Field.tsx';
import { type MarkPoint, MarkPriceChart } from '../components/MarkPriceChart.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { dateTime, groupDigits, usd } from '../lib/format.ts';
import { href, navigate, type Route } from '../lib/hash-route.ts';
import { useCan } from '../lib/session.tsx';

const MAX_POINTS = 720;

function coinOf(symbol: string): string {
  return symbol.replace(/USDT?$/, '');
}

/** Closing is a trade like any other: it opens the runner prefilled with the exit, to draft → approve → execute. */
function closeHref(customerId: string, account: string, p: TPosition): string {
  return href('reference-agents', {
    customer_id: customerId,
    account,
    coin: coinOf(p.product_symbol),
    side: p.size > 0 ? 'long' : 'short',
    action: 'exit',
    units: String(Math.abs(p.size)),
  });
}

/** Cancelling changes the customer's account too: the runner prefilled with the cancel of this one order. */
function cancelHref(customerId: string, account: string, o: TOpenOrder): string {
  return href('reference-agents', {
    customer_id: customerId,
    account,
    coin: coinOf(o.product_symbol ?? ''),
    action: 'cancel',
    order_id: String(o.id),
  });
}

/** Mark prices seen while the page is open, per symbol (the API has no history endpoint). */
function useMarkHistory(data: TAccount | undefined): Record<string, MarkPoint[]> {
  const [history, setHistory] = useState<Record<string, MarkPoint[]>>({});
  useEffect(() => {
    if (!data) return;
    setHistory((h) => {
      const next = { ...h };
      for (const m of data.marks) {
        const ts = m.timestamp
          ? m.timestamp > 1e14
            ? m.timestamp / 1e6
            : m.timestamp / 1000
          : Date.now() / 1000;
        const time = Math.floor(ts);
        const prev = next[m.symbol] ?? [];
        const last = prev[prev.length - 1];
        const point = { time, value: Number(m.mark_price) };
        if (last && last.time >= time) continue;
        next[m.symbol] = [...prev, point].slice(-MAX_POINTS);
      }
      return next;
    });
  }, [data]);
  return history;
}

export default function PositionsPage({ route }: { route: Route }) {
  const customerId = route.params.get('customer_id') ?? '';
  const accountRef = route.params.get('account') ?? '';
  const can = useCan('operator');
  const credentials = useCredentials(customerId || undefined);
  const active = credentials.data?.items.filter((c) => c.state === 'active') ?? [];
  const ref = accountRef || active[0]?.credential_ref || '';
  const account = useAccount(ref || undefined, { live: true });
  const history = useMarkHistory(account.data);
  const positions = account.data?.positions ?? [];
  const chartSymbol = positions[0]?.product_symbol ?? account.data?.marks[0]?.symbol;
  const entry = positions.find((p) => p.product_symbol === chartSymbol);

  return (
    <div className="page">
      <h2>Positions</h2>
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
      {ref && account.isPending ? <Loading what="the account from the exchange" /> : null}
      <ErrorNotice error={account.error} action="read the account" />
      {account.data ? (
        <>
          <section className="card" aria-labelledby="positions-title">
            <h3 id="positions-title">Open positions</h3>
            {account.data.net_equity ? (
              <p className="small muted">Net equity {groupDigits(String(account.data.net_equity))}</p>
            ) : null}
            {positions.length === 0 ? (
              <Empty>Flat: no open positions.</Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Product</th>
                      <th scope="col">Side</th>
                      <th scope="col">Size</th>
                      <th scope="col">Entry</th>
                      <th scope="col">Mark</th>
                      <th scope="col">Unrealised PnL</th>
                      <th scope="col">Liquidation</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {positions.map((p) => (
                      <tr key={p.product_id}>
                        <td>{p.product_symbol}</td>
                        <td>{p.size > 0 ? 'long' : 'short'}</td>
                        <td>{Math.abs(p.size)}</td>
                        <td>{usd(p.entry_price)}</td>
                        <td>{p.mark_price ? usd(p.mark_price) : '—'}</td>
                        <td>{p.unrealized_pnl ?? '—'}</td>
                        <td>{p.liquidation_price ? usd(p.liquidation_price) : '—'}</td>
                        <td>
                          {can.allowed ? (
                            <a className="button-link" href={closeHref(customerId, ref, p)}>
                              Close… (draft → approve → execute)
                            </a>
                          ) : (
                            <span className="small muted">{can.why}</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          {chartSymbol ? (
            <section className="card" aria-labelledby="chart-title">
              <h3 id="chart-title">{chartSymbol} mark price</h3>
              <MarkPriceChart
                symbol={chartSymbol}
                points={history[chartSymbol] ?? []}
                entryPrice={entry ? Number(entry.entry_price) : undefined}
              />
            </section>
          ) : null}
          <section className="card" aria-labelledby="orders-title">
            <h3 id="orders-title">Open orders</h3>
            {account.data.open_orders.length === 0 ? (
              <Empty>No open orders.</Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Order id</th>
                      <th scope="col">Product</th>
                      <th scope="col">Side</th>
                      <th scope="col">Size (unfilled)</th>
                      <th scope="col">Type</th>
                      <th scope="col">Limit</th>
                      <th scope="col">State</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {account.data.open_orders.map((o) => (
                      <tr key={o.id}>
                        <td className="mono">{o.id}</td>
                        <td>{o.product_symbol ?? '—'}</td>
                        <td>{o.side}</td>
                        <td>
                          {o.size} ({o.unfilled_size})
                        </td>
                        <td>
                          {o.order_type}
                          {o.reduce_only ? ', reduce-only' : ''}
                        </td>
                        <td>{o.limit_price ? usd(o.limit_price) : '—'}</td>
                        <td>{o.state}</td>
                        <td>
                          {can.allowed ? (
                            <a className="button-link" href={cancelHref(customerId, ref, o)}>
                              Cancel… (draft → approve → execute)
                            </a>
                          ) : (
                            <span className="small muted">{can.why}</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section className="card" aria-labelledby="fills-title">
            <h3 id="fills-title">Recent fills</h3>
            {account.data.fills.length === 0 ? (
              <Empty>No fills yet.</Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Order id</th>
                      <th scope="col">Product</th>
                      <th scope="col">Side</th>
                      <th scope="col">Size</th>
                      <th scope="col">Price</th>
                      <th scope="col">Fee</th>
                    </tr>
                  </thead>
                  <tbody>
                    {account.data.fills.map((f) => (
                      <tr key={f.id}>
                        <td className="small">{dateTime(f.created_at)}</td>
                        <td className="mono">{f.order_id}</td>
                        <td>{f.product_symbol ?? '—'}</td>
                        <td>{f.side}</td>
                        <td>{f.size}</td>
                        <td>{usd(f.price)}</td>
                        <td>{f.commission}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      ) : null}
    </div>
  );
}
