import type {
  TAccountStreamEvent,
  TStreamFill,
  TStreamMark,
  TStreamOrder,
  TStreamPosition,
} from '@delta/contracts';
import type { TAccount } from '../api/schemas.ts';

/**
 * What the Positions page shows, whichever way it arrived: the REST account read (the first load, and the
 * fallback while the live stream is down) or the live stream's snapshot and deltas.
 */
export interface PositionRow {
  product_id: number;
  symbol: string;
  /** Contracts, negative when short. */
  size: number;
  entry_price: string | null;
  mark_price: string | null;
  unrealized_pnl: string | null;
  liquidation_price: string | null;
}

export interface OrderRow {
  id: number;
  symbol: string | null;
  side: 'buy' | 'sell';
  size: number;
  unfilled_size: number;
  order_type: string | null;
  reduce_only: boolean | null;
  limit_price: string | null;
  state: string;
}

export interface FillRow {
  id: string;
  /** ISO time or µs. */
  at: string | number;
  order_id: string;
  symbol: string | null;
  side: 'buy' | 'sell';
  size: number;
  price: string;
  fee: string | null;
}

export interface BalanceRow {
  asset_symbol: string;
  balance: string;
  available_balance: string;
}

export interface AccountView {
  positions: PositionRow[];
  orders: OrderRow[];
  fills: FillRow[];
  balances: BalanceRow[];
  marks: Record<string, TStreamMark>;
  net_equity: string | null;
}

const MAX_FILLS = 20;

/** Unrealised PnL of a linear contract: (mark − entry) × size × contract value, to 4 decimals. */
export function unrealizedPnl(p: PositionRow, mark: TStreamMark | undefined): string | null {
  if (!mark?.contract_value || p.entry_price === null) return null;
  const v = (Number(mark.mark_price) - Number(p.entry_price)) * p.size * Number(mark.contract_value);
  return Number.isFinite(v) ? v.toFixed(4) : null;
}

export function viewFromRest(a: TAccount): AccountView {
  const marks: Record<string, TStreamMark> = {};
  for (const m of a.marks) {
    marks[m.symbol] = {
      symbol: m.symbol,
      mark_price: String(m.mark_price),
      timestamp_us: m.timestamp ?? null,
      contract_value: null,
    };
  }
  return {
    positions: a.positions.map((p) => ({
      product_id: p.product_id,
      symbol: p.product_symbol,
      size: p.size,
      entry_price: String(p.entry_price),
      mark_price: p.mark_price ? String(p.mark_price) : (marks[p.product_symbol]?.mark_price ?? null),
      unrealized_pnl: p.unrealized_pnl ? String(p.unrealized_pnl) : null,
      liquidation_price: p.liquidation_price ? String(p.liquidation_price) : null,
    })),
    orders: a.open_orders.map((o) => ({
      id: o.id,
      symbol: o.product_symbol ?? null,
      side: o.side,
      size: o.size,
      unfilled_size: o.unfilled_size,
      order_type: o.order_type,
      reduce_only: o.reduce_only,
      limit_price: o.limit_price ? String(o.limit_price) : null,
      state: o.state,
    })),
    fills: a.fills.map((f) => ({
      id: String(f.id),
      at: f.created_at,
      order_id: f.order_id,
      symbol: f.product_symbol ?? null,
      side: f.side,
      size: f.size,
      price: String(f.price),
      fee: String(f.commission),
    })),
    balances: a.balances.map((b) => ({
      asset_symbol: b.asset_symbol,
      balance: String(b.balance),
      available_balance: String(b.available_balance),
    })),
    marks,
    net_equity: a.net_equity ? String(a.net_equity) : null,
  };
}

function positionRow(p: TStreamPosition, marks: Record<string, TStreamMark>): PositionRow {
  const row: PositionRow = {
    product_id: p.product_id,
    symbol: p.symbol,
    size: p.size,
    entry_price: p.entry_price,
    mark_price: marks[p.symbol]?.mark_price ?? null,
    unrealized_pnl: null,
    liquidation_price: p.liquidation_price,
  };
  row.unrealized_pnl = unrealizedPnl(row, marks[p.symbol]);
  return row;
}

const orderRow = (o: TStreamOrder): OrderRow => ({
  id: o.order_id,
  symbol: o.symbol,
  side: o.side,
  size: o.size,
  unfilled_size: o.unfilled_size,
  order_type: o.order_type,
  reduce_only: null,
  limit_price: o.limit_price,
  state: o.state,
});

const fillRow = (f: TStreamFill): FillRow => ({
  id: f.fill_id,
  at: f.timestamp_us,
  order_id: f.order_id,
  symbol: f.symbol,
  side: f.side,
  size: f.size,
  price: f.price,
  fee: f.fee,
});

const OPEN_ORDER = new Set(['open', 'pending']);

/** The view after one stream event (a snapshot replaces it; a delta changes one row). */
export function applyEvent(view: AccountView | null, e: TAccountStreamEvent): AccountView | null {
  if (e.type === 'snapshot') {
    const marks = Object.fromEntries(e.marks.map((m) => [m.symbol, m]));
    return {
      positions: e.positions.filter((p) => p.size !== 0).map((p) => positionRow(p, marks)),
      orders: e.orders.filter((o) => OPEN_ORDER.has(o.state)).map(orderRow),
      fills: e.fills.map(fillRow),
      balances: e.balances.map((b) => ({
        asset_symbol: b.asset_symbol,
        balance: b.balance,
        available_balance: b.available_balance,
      })),
      marks,
      net_equity: null,
    };
  }
  if (!view) return view;
  switch (e.type) {
    case 'position': {
      const rest = view.positions.filter((p) => p.symbol !== e.position.symbol);
      const positions =
        e.position.size === 0 ? rest : [...rest, positionRow(e.position, view.marks)].sort(bySymbol);
      return { ...view, positions };
    }
    case 'order': {
      const rest = view.orders.filter((o) => o.id !== e.order.order_id);
      const known = view.orders.find((o) => o.id === e.order.order_id);
      const row = { ...orderRow(e.order), reduce_only: known?.reduce_only ?? null };
      return { ...view, orders: OPEN_ORDER.has(e.order.state) ? [row, ...rest] : rest };
    }
    case 'fill': {
      if (view.fills.some((f) => f.id === e.fill.fill_id)) return view;
      return { ...view, fills: [fillRow(e.fill), ...view.fills].slice(0, MAX_FILLS) };
    }
    case 'margins': {
      const rest = view.balances.filter((b) => b.asset_symbol !== e.balance.asset_symbol);
      const row = {
        asset_symbol: e.balance.asset_symbol,
        balance: e.balance.balance,
        available_balance: e.balance.available_balance,
      };
      return {
        ...view,
        balances: [...rest, row].sort((a, b) => a.asset_symbol.localeCompare(b.asset_symbol)),
      };
    }
    case 'mark': {
      const marks = { ...view.marks, [e.mark.symbol]: e.mark };
      const positions = view.positions.map((p) =>
        p.symbol === e.mark.symbol
          ? {
              ...p,
              mark_price: e.mark.mark_price,
              unrealized_pnl: unrealizedPnl(p, e.mark) ?? p.unrealized_pnl,
            }
          : p,
      );
      return { ...view, marks, positions };
    }
    default:
      return view;
  }
}

const bySymbol = (a: PositionRow, b: PositionRow) => a.symbol.localeCompare(b.symbol);
