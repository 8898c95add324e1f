import type { DeltaBalance, DeltaFill, DeltaMarginedPosition, DeltaOrder } from '../schemas.ts';
import type {
  StreamMargins,
  StreamOrderSnapshot,
  StreamOrderUpdate,
  StreamPositionSnapshot,
  StreamPositionUpdate,
  StreamUserTrade,
} from './messages.ts';

/**
 * What an account stream hands its consumer: one shape per kind whatever the source — the socket (`stream`),
 * the state at start (`snapshot`), or REST after a gap (`catch_up`). Decimals are strings, times µs.
 */
export type UpdateSource = 'snapshot' | 'stream' | 'catch_up';

export interface OrderUpdate {
  kind: 'order';
  source: UpdateSource;
  order_id: number;
  client_order_id: string | null;
  symbol: string;
  product_id: number;
  side: 'buy' | 'sell';
  order_type: string | null;
  size: number;
  unfilled_size: number;
  state: 'open' | 'pending' | 'closed' | 'cancelled';
  limit_price: string | null;
  average_fill_price: string | null;
  cancellation_reason: string | null;
  /** When the exchange last changed the order (µs), when the source says. */
  updated_at_us: number | null;
}

export interface FillUpdate {
  kind: 'fill';
  source: UpdateSource;
  fill_id: string;
  order_id: string;
  client_order_id: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  size: number;
  price: string;
  role: string;
  /** Delta's `normal` / `adl` / `liquidation` (stream only). */
  reason: string | null;
  /** The position in contracts after this fill (stream only). */
  position_after: number | null;
  timestamp_us: number;
}

export interface PositionUpdate {
  kind: 'position';
  source: UpdateSource;
  symbol: string;
  product_id: number;
  /** Contracts, negative when short; 0 = flat. */
  size: number;
  entry_price: string | null;
  margin: string | null;
  liquidation_price: string | null;
  bankruptcy_price: string | null;
  realized_pnl: string | null;
}

export interface MarginsUpdate {
  kind: 'margins';
  source: UpdateSource;
  asset_symbol: string;
  balance: string;
  available_balance: string;
  blocked_margin: string | null;
  order_margin: string | null;
  position_margin: string | null;
  timestamp_us: number | null;
}

export type AccountUpdate = OrderUpdate | FillUpdate | PositionUpdate | MarginsUpdate;

/** `2026-02-01T10:59:34.295899Z` → µs (Delta's REST times); a number is already µs. */
export function microsOf(t: string | number | null | undefined): number | null {
  if (t === null || t === undefined) return null;
  if (typeof t === 'number') return Number.isFinite(t) ? Math.trunc(t) : null;
  const ms = Date.parse(t);
  if (!Number.isFinite(ms)) return null;
  const frac = /\.(\d+)/.exec(t)?.[1] ?? '';
  return Math.floor(ms / 1000) * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

const n = <T>(v: T | undefined): T | null => v ?? null;

export function orderFromStream(u: StreamOrderUpdate, source: UpdateSource = 'stream'): OrderUpdate {
  return {
    kind: 'order',
    source,
    order_id: u.order_id,
    client_order_id: u.client_order_id,
    symbol: u.symbol,
    product_id: u.product_id,
    side: u.side,
    order_type: n(u.order_type),
    size: u.size,
    unfilled_size: u.unfilled_size,
    state: u.state,
    limit_price: n(u.limit_price),
    average_fill_price: n(u.average_fill_price),
    cancellation_reason: n(u.cancellation_reason),
    updated_at_us: u.timestamp,
  };
}

export function ordersFromSnapshot(s: StreamOrderSnapshot): OrderUpdate[] {
  return s.result.map((o) => ({
    kind: 'order',
    source: 'snapshot',
    order_id: o.id,
    client_order_id: o.client_order_id,
    symbol: o.product_symbol ?? s.symbol,
    product_id: o.product_id,
    side: o.side,
    order_type: n(o.order_type),
    size: o.size,
    unfilled_size: o.unfilled_size,
    state: o.state,
    limit_price: n(o.limit_price),
    average_fill_price: n(o.average_fill_price),
    cancellation_reason: n(o.cancellation_reason),
    updated_at_us: microsOf(o.updated_at),
  }));
}

export function orderFromRest(o: DeltaOrder, source: UpdateSource): OrderUpdate {
  return {
    kind: 'order',
    source,
    order_id: o.id,
    client_order_id: o.client_order_id ? o.client_order_id : null,
    symbol: o.product_symbol ?? `#${o.product_id}`,
    product_id: o.product_id,
    side: o.side,
    order_type: o.order_type,
    size: o.size,
    unfilled_size: o.unfilled_size,
    state: o.state,
    limit_price: n(o.limit_price),
    average_fill_price: n(o.average_fill_price),
    cancellation_reason: n(o.cancellation_reason),
    updated_at_us: microsOf(o.updated_at ?? o.created_at),
  };
}

export function fillFromStream(t: StreamUserTrade): FillUpdate {
  return {
    kind: 'fill',
    source: 'stream',
    fill_id: t.f,
    order_id: t.o,
    client_order_id: t.c,
    symbol: t.sy,
    side: t.S,
    size: t.s,
    price: t.p,
    role: t.r,
    reason: n(t.R),
    position_after: n(t.po),
    timestamp_us: t.t,
  };
}

export function fillFromRest(f: DeltaFill): FillUpdate {
  return {
    kind: 'fill',
    source: 'catch_up',
    fill_id: String(f.id),
    order_id: f.order_id,
    client_order_id: f.client_order_id ? f.client_order_id : null,
    symbol: f.product_symbol ?? `#${f.product_id}`,
    side: f.side,
    size: f.size,
    price: f.price,
    role: f.role,
    reason: null,
    position_after: null,
    timestamp_us: microsOf(f.created_at) ?? 0,
  };
}

type PositionFields = Pick<
  StreamPositionUpdate,
  'product_id' | 'size' | 'entry_price' | 'margin' | 'liquidation_price' | 'bankruptcy_price' | 'realized_pnl'
>;

function position(symbol: string, p: PositionFields, source: UpdateSource): PositionUpdate {
  return {
    kind: 'position',
    source,
    symbol,
    product_id: p.product_id,
    size: p.size,
    entry_price: p.size === 0 ? null : n(p.entry_price),
    margin: n(p.margin),
    liquidation_price: p.size === 0 ? null : n(p.liquidation_price),
    bankruptcy_price: p.size === 0 ? null : n(p.bankruptcy_price),
    realized_pnl: n(p.realized_pnl),
  };
}

export const positionFromStream = (u: StreamPositionUpdate) => position(u.symbol, u, 'stream');

export function positionsFromSnapshot(s: StreamPositionSnapshot): PositionUpdate[] {
  return s.result.map((p) => position(p.symbol ?? p.product_symbol ?? `#${p.product_id}`, p, 'snapshot'));
}

export const positionFromRest = (p: DeltaMarginedPosition, source: UpdateSource) =>
  position(p.product_symbol, p, source);

/** A product that has no open position any more. */
export function flatPosition(symbol: string, productId: number, source: UpdateSource): PositionUpdate {
  return position(symbol, { product_id: productId, size: 0 }, source);
}

export function marginsFromStream(m: StreamMargins): MarginsUpdate {
  return {
    kind: 'margins',
    source: 'stream',
    asset_symbol: m.asset_symbol,
    balance: m.balance,
    available_balance: m.available_balance,
    blocked_margin: n(m.blocked_margin),
    order_margin: n(m.order_margin),
    position_margin: n(m.position_margin),
    timestamp_us: n(m.timestamp),
  };
}

export function marginsFromRest(b: DeltaBalance, source: UpdateSource): MarginsUpdate {
  return {
    kind: 'margins',
    source,
    asset_symbol: b.asset_symbol,
    balance: b.balance,
    available_balance: b.available_balance,
    blocked_margin: n(b.blocked_margin),
    order_margin: n(b.order_margin),
    position_margin: n(b.position_margin),
    timestamp_us: null,
  };
}
