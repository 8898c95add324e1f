import { dateTime, groupDigits, usd } from '@delta/web-ui';
import type { ReactNode } from 'react';
import type { AccountView, OrderRow, PositionRow } from '../lib/account-view.ts';
import { href } from '../lib/hash-route.ts';
import { Empty } from './States.tsx';

function coinOf(symbol: string): string {
  return symbol.replace(/USDT?$/, '');
}

/** Closing is a trade like any other: it opens the runner prefilled with the exit, to draft → approve → execute. */
function closeHref(customerId: string, account: string, p: PositionRow): string {
  return href('reference-agents', {
    customer_id: customerId,
    account,
    coin: coinOf(p.symbol),
    side: p.size > 0 ? 'long' : 'short',
    action: 'exit',
    units: String(Math.abs(p.size)),
  });
}

/** Cancelling changes the customer's account too: the runner prefilled with the cancel of this one order. */
function cancelHref(customerId: string, account: string, o: OrderRow): string {
  return href('reference-agents', {
    customer_id: customerId,
    account,
    coin: coinOf(o.symbol ?? ''),
    action: 'cancel',
    order_id: String(o.id),
  });
}

function Table({ head, children }: { head: string[]; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {head.map((h) => (
              <th scope="col" key={h}>
                {h === '' ? <span className="sr-only">Actions</span> : h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

const money = (v: string | null) => (v ? usd(v) : '—');

export function AccountTables({
  view,
  customerId,
  account,
  can,
}: {
  view: AccountView;
  customerId: string;
  account: string;
  can: { allowed: boolean; why?: string | undefined };
}) {
  const action = (link: string, words: string) =>
    can.allowed ? (
      <a className="button-link" href={link}>
        {words}
      </a>
    ) : (
      <span className="small muted">{can.why}</span>
    );
  return (
    <>
      <section className="card" aria-labelledby="positions-title">
        <h3 id="positions-title">Open positions</h3>
        {view.balances.length > 0 ? (
          <section className="small muted" aria-label="Balances">
            {view.balances
              .map(
                (b) =>
                  `${b.asset_symbol} ${groupDigits(b.balance)} (available ${groupDigits(b.available_balance)})`,
              )
              .join(' · ')}
            {view.net_equity ? ` · net equity ${groupDigits(view.net_equity)}` : ''}
          </section>
        ) : null}
        {view.positions.length === 0 ? (
          <Empty>Flat: no open positions.</Empty>
        ) : (
          <Table head={['Product', 'Side', 'Size', 'Entry', 'Mark', 'Unrealised PnL', 'Liquidation', '']}>
            {view.positions.map((p) => (
              <tr key={p.symbol}>
                <td>{p.symbol}</td>
                <td>{p.size > 0 ? 'long' : 'short'}</td>
                <td>{Math.abs(p.size)}</td>
                <td>{money(p.entry_price)}</td>
                <td>{money(p.mark_price)}</td>
                <td>{p.unrealized_pnl ?? '—'}</td>
                <td>{money(p.liquidation_price)}</td>
                <td>{action(closeHref(customerId, account, p), 'Close… (draft → approve → execute)')}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      <section className="card" aria-labelledby="orders-title">
        <h3 id="orders-title">Open orders</h3>
        {view.orders.length === 0 ? (
          <Empty>No open orders.</Empty>
        ) : (
          <Table head={['Order id', 'Product', 'Side', 'Size (unfilled)', 'Type', 'Limit', 'State', '']}>
            {view.orders.map((o) => (
              <tr key={o.id}>
                <td className="mono">{o.id}</td>
                <td>{o.symbol ?? '—'}</td>
                <td>{o.side}</td>
                <td>
                  {o.size} ({o.unfilled_size})
                </td>
                <td>
                  {o.order_type ?? '—'}
                  {o.reduce_only ? ', reduce-only' : ''}
                </td>
                <td>{money(o.limit_price)}</td>
                <td>{o.state}</td>
                <td>{action(cancelHref(customerId, account, o), 'Cancel… (draft → approve → execute)')}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      <section className="card" aria-labelledby="fills-title">
        <h3 id="fills-title">Recent fills</h3>
        {view.fills.length === 0 ? (
          <Empty>No fills yet.</Empty>
        ) : (
          <Table head={['When', 'Order id', 'Product', 'Side', 'Size', 'Price', 'Fee']}>
            {view.fills.map((f) => (
              <tr key={f.id}>
                <td className="small">{dateTime(f.at)}</td>
                <td className="mono">{f.order_id}</td>
                <td>{f.symbol ?? '—'}</td>
                <td>{f.side}</td>
                <td>{f.size}</td>
                <td>{usd(f.price)}</td>
                <td>{f.fee ?? '—'}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}
