import { getAccount, leverageMap, marginState, positions } from '../engine/accounts.ts';
import type { Effects, FillEvent, OrderEvent } from '../engine/effects.ts';
import { ORDER_COLUMNS, type OrderRow, type PositionRow } from '../engine/rows.ts';
import { balanceView, marginedPositionView, orderView } from '../engine/views.ts';
import type { PaperExchange } from '../exchange.ts';
import { dec, num } from '../format.ts';
import { productById, productBySymbol } from '../market/products.ts';
import type { Conn, StreamHub } from './hub.ts';

const micros = (ms: number) => Math.round(ms * 1000);

/**
 * The private channels after key-auth: `orders` (create/update/delete with Delta's reasons, a `seq_no` per
 * symbol), `v2/user_trades` (compact fills, `se` per symbol, `po` the position after), `positions` and `margins`.
 * Everything comes from committed engine effects, in commit order per account; a reconnecting client resubscribes,
 * gets snapshots of its open orders and positions, and catches up on fills over REST.
 */
export class PrivateFeed {
  private readonly orderSeq = new Map<string, number>();
  private readonly tradeSeq = new Map<string, number>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly px: PaperExchange,
    private readonly hub: StreamHub,
  ) {}

  start(): () => void {
    return this.px.onEffects((fx) => this.onEffects(fx));
  }

  private next(map: Map<string, number>, k: string): number {
    const n = (map.get(k) ?? 0) + 1;
    map.set(k, n);
    return n;
  }

  private onEffects(fx: Effects): void {
    for (const e of fx.orders) this.order(e);
    for (const f of fx.fills) this.fill(f);
    const touched = new Map<string, Set<number>>();
    for (const k of fx.positions) {
      const [account, product] = k.split(':') as [string, string];
      const set = touched.get(account) ?? new Set<number>();
      touched.set(account, set);
      set.add(Number(product));
    }
    for (const account of fx.accounts) {
      if (!this.hub.hasAccount(account)) continue;
      const products = touched.get(account) ?? new Set<number>();
      const fills = fx.fills.filter((f) => f.fill.account_id === account);
      // Reads of positions and wallet run one after another per account, so updates arrive in commit order.
      const prev = this.chains.get(account) ?? Promise.resolve();
      const run = prev
        .then(() => this.accountUpdates(account, products, fills))
        .catch((err: unknown) => this.px.logger.warn({ err }, 'private stream update failed'));
      this.chains.set(account, run);
    }
  }

  private order(e: OrderEvent): void {
    const o = e.order;
    const p = productById(Number(o.product_id));
    if (!p || !this.hub.hasAccount(o.account_id)) return;
    const to = this.hub.accountAudience(o.account_id, 'orders', p.symbol);
    if (to.length === 0) return;
    const v = orderView(o);
    const msg = JSON.stringify({
      type: 'orders',
      action: e.action,
      reason: e.reason,
      symbol: p.symbol,
      product_id: p.id,
      order_id: v.id,
      client_order_id: v.client_order_id,
      size: v.size,
      unfilled_size: v.unfilled_size,
      average_fill_price: v.average_fill_price,
      limit_price: v.limit_price,
      side: v.side,
      order_type: v.order_type,
      cancellation_reason: v.cancellation_reason,
      stop_order_type: v.stop_order_type,
      bracket_order: v.bracket_order,
      state: v.state,
      seq_no: this.next(this.orderSeq, `${o.account_id}:${p.symbol}`),
      timestamp: micros(o.updated_at.getTime()),
      stop_price: v.stop_price,
      trigger_price_max_or_min: null,
      bracket_stop_loss_price: v.bracket_stop_loss_price,
      bracket_stop_loss_limit_price: v.bracket_stop_loss_limit_price,
      bracket_take_profit_price: v.bracket_take_profit_price,
      bracket_take_profit_limit_price: v.bracket_take_profit_limit_price,
      bracket_trail_amount: null,
    });
    for (const c of to) c.send(msg);
  }

  private fill(e: FillEvent): void {
    const f = e.fill;
    const p = productById(Number(f.product_id));
    if (!p || !this.hub.hasAccount(f.account_id)) return;
    const to = this.hub.accountAudience(f.account_id, 'v2/user_trades', p.symbol);
    if (to.length === 0) return;
    const msg = JSON.stringify({
      type: 'v2/user_trades',
      sy: p.symbol,
      f: String(f.id),
      R: f.fill_type === 'liquidation' ? 'liquidation' : 'normal',
      u: Number(f.account_id),
      o: Number(f.order_id),
      S: f.side,
      s: Number(f.size),
      p: dec(num(f.price)),
      po: e.positionAfter,
      r: f.role,
      c: f.client_order_id,
      t: micros(f.created_at.getTime()),
      se: this.next(this.tradeSeq, `${f.account_id}:${p.symbol}`),
    });
    for (const c of to) c.send(msg);
  }

  private async accountUpdates(account: string, products: Set<number>, fills: FillEvent[]): Promise<void> {
    const lev = await leverageMap(this.px.db, account);
    const rows = await positions(this.px.db, account);
    for (const productId of products) {
      const p = productById(productId)!;
      const to = this.hub.accountAudience(account, 'positions', p.symbol);
      if (to.length === 0) continue;
      const row = rows.find((r) => r.product_id === productId);
      const mine = fills.filter((f) => Number(f.fill.product_id) === productId);
      const after = row?.size ?? 0;
      const first = mine[0];
      const before = first
        ? first.positionAfter - (first.fill.side === 'buy' ? 1 : -1) * Number(first.fill.size)
        : after;
      const action = after === 0 ? 'delete' : before === 0 ? 'create' : 'update';
      const msg = JSON.stringify(this.positionMessage(p.symbol, row, lev.get(productId) ?? 1, action));
      for (const c of to) c.send(msg);
    }
    const margins = this.hub.accountAudience(account, 'margins', '*');
    if (margins.length > 0) {
      const m = await marginState(this.px.db, await getAccount(this.px.db, account));
      const msg = JSON.stringify({
        action: 'update',
        ...balanceView(account, m),
        robo_trading_equity: '0',
        timestamp: micros(Date.now()),
        type: 'margins',
      });
      for (const c of margins) c.send(msg);
    }
  }

  private positionMessage(symbol: string, row: PositionRow | undefined, leverage: number, action: string) {
    const p = productBySymbol(symbol)!;
    const size = row?.size ?? 0;
    const v = row && size !== 0 ? marginedPositionView(row, this.px.market, leverage) : undefined;
    return {
      type: 'positions',
      action,
      reason: null,
      symbol,
      product_id: p.id,
      size,
      margin: v?.margin ?? '0',
      entry_price: v?.entry_price ?? null,
      liquidation_price: v?.liquidation_price ?? null,
      bankruptcy_price: v?.bankruptcy_price ?? null,
      commission: '0',
      realized_pnl: v?.realized_pnl ?? dec(num(row?.realized_pnl ?? '0')),
      realized_funding: v?.realized_funding ?? dec(num(row?.realized_funding ?? '0')),
    };
  }

  /** On subscribe to specific symbols: the open and pending orders, or the open positions, as Delta snapshots. */
  async snapshot(conn: Conn, channel: string, symbols: string[]): Promise<void> {
    const account = conn.accountId;
    if (!account) return;
    for (const s of symbols) {
      const p = productBySymbol(s);
      if (!p) continue; // "all": no snapshot
      if (channel === 'orders') {
        const r = await this.px.db.query<OrderRow>(
          `SELECT ${ORDER_COLUMNS} FROM px_orders WHERE account_id = $1 AND product_id = $2
             AND state IN ('open', 'pending') ORDER BY id`,
          [account, p.id],
        );
        conn.json({
          meta: { seq_no: this.orderSeq.get(`${account}:${p.symbol}`) ?? 0, timestamp: micros(Date.now()) },
          result: r.rows.map(orderView),
          success: true,
          symbol: p.symbol,
          type: 'orders',
          action: 'snapshot',
        });
      } else if (channel === 'positions') {
        const lev = await leverageMap(this.px.db, account);
        const rows = (await positions(this.px.db, account)).filter(
          (r) => r.product_id === p.id && r.size !== 0,
        );
        conn.json({
          result: rows.map((r) => ({
            ...marginedPositionView(r, this.px.market, lev.get(p.id) ?? 1),
            symbol: p.symbol,
          })),
          success: true,
          type: 'positions',
          action: 'snapshot',
        });
      }
    }
  }
}
