import type { z } from 'zod';
import { type Allowlist, pathFor, READ_ONLY_ALLOWLIST } from './allowlist.ts';
import { DeltaNotFoundError } from './errors.ts';
import { type DeltaConnectionOptions, Requester } from './requester.ts';
import {
  type DeltaBalance,
  type DeltaCandle,
  type DeltaFill,
  type DeltaLeverage,
  type DeltaMarginedPosition,
  type DeltaOrder,
  type DeltaPosition,
  type DeltaProduct,
  type DeltaProfile,
  type DeltaTicker,
  ZBalance,
  ZCandle,
  ZFill,
  ZLeverage,
  ZMarginedPosition,
  ZOrder,
  ZPosition,
  ZProduct,
  ZProfile,
  ZTicker,
  ZTradingPreferences,
} from './schemas.ts';
import type { CallOptions, RequestSpec } from './transport.ts';

export interface Page<T> {
  items: T[];
  /** Cursor for the next (older) page, or null. */
  after: string | null;
}

/** Delta's history listings: newest first, at most 50 a page, `start_time`/`end_time` in microseconds. */
export type ListQuery = {
  product_ids?: number[];
  page_size?: number;
  after?: string;
  start_time?: number;
  end_time?: number;
};

/** Which account a key belongs to, and which endpoint said so. */
export interface AccountIdentity {
  /** The exchange's user id, as a string (it is an opaque id to us). */
  userId: string;
  via: 'trading_preferences' | 'profile';
}

const cursorOf = (meta: Record<string, unknown>) => (typeof meta.after === 'string' ? meta.after : null);

/**
 * Everything a client may read, over the allowlist its subclass hands in. Not exported from the package: callers
 * choose `DeltaReadClient` or `DeltaTradingClient`, never an allowlist.
 */
export abstract class DeltaClientBase {
  protected readonly requester: Requester;

  protected constructor(options: DeltaConnectionOptions, allowlist: Allowlist) {
    this.requester = new Requester(options, allowlist);
  }

  get baseUrl(): string {
    return this.requester.transport.options.baseUrl;
  }

  /** The (method, path) pairs this client can reach. */
  get allowlist(): Allowlist {
    return this.requester.transport.options.allowlist;
  }

  protected call<S extends z.ZodType>(spec: RequestSpec, schema: S) {
    return this.requester.call(spec, schema);
  }

  // ── market data ─────────────────────────────────────────────────────────────────────────────────────────

  async products(query: { contract_types?: string[]; states?: string[] } = {}, o: CallOptions = {}) {
    const spec: RequestSpec = { ...o, method: 'GET', path: '/v2/products', query };
    return (await this.call(spec, ZProduct.array())).result as DeltaProduct[];
  }

  async product(symbol: string, o: CallOptions = {}): Promise<DeltaProduct> {
    const path = pathFor('/v2/products/{symbol}', { symbol });
    return (await this.call({ ...o, method: 'GET', path }, ZProduct)).result;
  }

  async tickers(query: { contract_types?: string[] } = {}, o: CallOptions = {}): Promise<DeltaTicker[]> {
    return (await this.call({ ...o, method: 'GET', path: '/v2/tickers', query }, ZTicker.array())).result;
  }

  /** null when Delta does not know the symbol (it answers 200 with a null result). */
  async ticker(symbol: string, o: CallOptions = {}): Promise<DeltaTicker | null> {
    const path = pathFor('/v2/tickers/{symbol}', { symbol });
    return (await this.call({ ...o, method: 'GET', path }, ZTicker.nullable())).result;
  }

  /**
   * OHLC candles (`MARK:BTCUSD` for mark-price candles), oldest first as Delta sends them; `start`/`end` in Unix
   * seconds. What a chart starts from before the stream's candlestick updates take over.
   */
  async candles(
    query: { symbol: string; resolution: string; start: number; end: number },
    o: CallOptions = {},
  ): Promise<DeltaCandle[]> {
    const spec: RequestSpec = { ...o, method: 'GET', path: '/v2/history/candles', query };
    return (await this.call(spec, ZCandle.array())).result;
  }

  // ── orders and fills ────────────────────────────────────────────────────────────────────────────────────

  /** The order with this client id, or null when the exchange has none. */
  async getOrderByClientId(clientOrderId: string, o: CallOptions = {}): Promise<DeltaOrder | null> {
    const path = pathFor('/v2/orders/client_order_id/{client_oid}', { client_oid: clientOrderId });
    try {
      return (await this.call({ ...o, method: 'GET', path }, ZOrder)).result;
    } catch (err) {
      if (err instanceof DeltaNotFoundError && err.code !== undefined) return null;
      throw err;
    }
  }

  async getOrder(id: number, o: CallOptions = {}): Promise<DeltaOrder> {
    const path = pathFor('/v2/orders/{id}', { id });
    return (await this.call({ ...o, method: 'GET', path }, ZOrder)).result;
  }

  /** Open and pending orders (Delta's default states), one page. */
  async openOrders(
    query: { product_ids?: number[]; states?: string[]; page_size?: number; after?: string } = {},
    o: CallOptions = {},
  ): Promise<DeltaOrder[]> {
    return (await this.openOrdersPage(query, o)).items;
  }

  async openOrdersPage(
    query: { product_ids?: number[]; states?: string[]; page_size?: number; after?: string } = {},
    o: CallOptions = {},
  ): Promise<Page<DeltaOrder>> {
    const r = await this.call({ ...o, method: 'GET', path: '/v2/orders', query }, ZOrder.array());
    return { items: r.result, after: cursorOf(r.meta) };
  }

  async orderHistory(query: ListQuery = {}, o: CallOptions = {}): Promise<Page<DeltaOrder>> {
    const r = await this.call({ ...o, method: 'GET', path: '/v2/orders/history', query }, ZOrder.array());
    return { items: r.result, after: cursorOf(r.meta) };
  }

  async fills(query: ListQuery = {}, o: CallOptions = {}): Promise<Page<DeltaFill>> {
    const r = await this.call({ ...o, method: 'GET', path: '/v2/fills', query }, ZFill.array());
    return { items: r.result, after: cursorOf(r.meta) };
  }

  // ── positions, wallet, account ──────────────────────────────────────────────────────────────────────────

  /** Real-time size and entry price of one product's position. */
  async position(productId: number, o: CallOptions = {}): Promise<DeltaPosition> {
    const spec: RequestSpec = {
      ...o,
      method: 'GET',
      path: '/v2/positions',
      query: { product_id: productId },
    };
    return (await this.call(spec, ZPosition)).result;
  }

  /** Open positions with margin, liquidation and PnL fields (Delta: may lag a fill by up to 10 s). */
  async marginedPositions(o: CallOptions = {}): Promise<DeltaMarginedPosition[]> {
    return (
      await this.call({ ...o, method: 'GET', path: '/v2/positions/margined' }, ZMarginedPosition.array())
    ).result;
  }

  async balances(o: CallOptions = {}): Promise<{ balances: DeltaBalance[]; netEquity: string | null }> {
    const r = await this.call({ ...o, method: 'GET', path: '/v2/wallet/balances' }, ZBalance.array());
    return {
      balances: r.result,
      netEquity: typeof r.meta.net_equity === 'string' ? r.meta.net_equity : null,
    };
  }

  async leverage(productId: number, o: CallOptions = {}): Promise<DeltaLeverage> {
    const path = pathFor('/v2/products/{product_id}/orders/leverage', { product_id: productId });
    return (await this.call({ ...o, method: 'GET', path }, ZLeverage)).result;
  }

  async profile(o: CallOptions = {}): Promise<DeltaProfile> {
    return (await this.call({ ...o, method: 'GET', path: '/v2/profile' }, ZProfile)).result;
  }

  /**
   * Proves the key and its secret with one signed read and names the account behind it. Delta's own tools read
   * `GET /v2/users/trading_preferences` (`user_id`); `GET /v2/profile` (`id`) is the fallback for an exchange
   * that does not serve it (a 404 — Delta answers an unknown path with a plain-text 404). Any other failure
   * (wrong secret, unknown key, IP not whitelisted) is the answer and is thrown as it is.
   */
  async accountIdentity(o: CallOptions = {}): Promise<AccountIdentity> {
    try {
      const spec: RequestSpec = { ...o, method: 'GET', path: '/v2/users/trading_preferences' };
      const prefs = (await this.call(spec, ZTradingPreferences)).result;
      return { userId: String(prefs.user_id), via: 'trading_preferences' };
    } catch (err) {
      if (!(err instanceof DeltaNotFoundError && err.status === 404)) throw err;
    }
    const profile = await this.profile(o);
    return { userId: String(profile.id), via: 'profile' };
  }
}

/**
 * A client that can only read: no write method on its type, and a read-only allowlist underneath, so even a
 * hand-built request to a write endpoint throws DeltaNotAllowedError before any network I/O. For the portals'
 * account views, the key check, market data and the streams' catch-up.
 */
export class DeltaReadClient extends DeltaClientBase {
  constructor(options: DeltaConnectionOptions) {
    super(options, READ_ONLY_ALLOWLIST);
  }
}
