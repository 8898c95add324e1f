import type { Logger } from 'pino';
import type { z } from 'zod';
import { pathFor } from './allowlist.ts';
import {
  DeltaBadResponseError,
  DeltaError,
  DeltaNotFoundError,
  DeltaRateLimitedError,
  DeltaUnavailableError,
  errorFromResponse,
} from './errors.ts';
import { httpFetch } from './http-fetch.ts';
import { type OrderLookupOptions, placeOrderExactlyOnce } from './place-order.ts';
import { type DeltaPreset, resolveBaseUrl } from './presets.ts';
import { budgetFor, DEFAULT_RATE_BUDGET, type RateBudgetOptions } from './rate-budget.ts';
import {
  type DeltaBalance,
  type DeltaFill,
  type DeltaLeverage,
  type DeltaMarginedPosition,
  type DeltaOrder,
  type DeltaPosition,
  type DeltaProduct,
  type DeltaProfile,
  type DeltaTicker,
  type PlaceOrderInput,
  ZBalance,
  ZEnvelope,
  ZFill,
  ZLeverage,
  ZMarginedPosition,
  ZOrder,
  ZPosition,
  ZProduct,
  ZProfile,
  ZTicker,
} from './schemas.ts';
import {
  type CallOptions,
  type DeltaCredentials,
  type RequestSpec,
  rateLimitResetMs,
  Transport,
} from './transport.ts';

export interface DeltaClientOptions {
  preset: DeltaPreset;
  /** Required for the `paper` preset (e.g. http://127.0.0.1:8400). */
  baseUrl?: string;
  credentials?: DeltaCredentials;
  logger?: Logger;
  userAgent?: string;
  /** Per-attempt timeout (default 5,000 ms). */
  timeoutMs?: number;
  /** Attempts for reads and idempotent writes (default 4). */
  readAttempts?: number;
  /** First backoff step; doubles per attempt with full jitter (default 100 ms, capped at 2 s). */
  retryBaseMs?: number;
  orderLookup?: Partial<OrderLookupOptions>;
  /** Client-side weight budget per key (default 9,000 units / 5 min); false disables it. */
  rateBudget?: RateBudgetOptions | false;
  /** Longest wait for a rate-limit reset before failing with DeltaRateLimitedError (default 60 s). */
  maxRateLimitWaitMs?: number;
  fetch?: typeof fetch;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Page<T> {
  items: T[];
  /** Cursor for the next page, or null. */
  after: string | null;
}

type ListQuery = { product_ids?: number[]; page_size?: number; after?: string };

/** Typed, allowlisted, signed access to Delta Exchange India (or the paper exchange). */
export class DeltaClient {
  private readonly transport: Transport;
  private readonly attempts: number;
  private readonly retryBaseMs: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly lookup: OrderLookupOptions;

  constructor(options: DeltaClientOptions) {
    const baseUrl = resolveBaseUrl(options.preset, options.baseUrl);
    const budget =
      options.rateBudget === false
        ? undefined
        : budgetFor(
            `${baseUrl}|${options.credentials?.apiKey ?? 'public'}`,
            options.rateBudget ?? DEFAULT_RATE_BUDGET,
          );
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 60_000;
    this.transport = new Transport({
      baseUrl,
      credentials: options.credentials,
      userAgent: options.userAgent ?? 'delta-agent-platform/0.1 (delta-client)',
      timeoutMs: options.timeoutMs ?? 5_000,
      logger: options.logger,
      budget,
      maxRateLimitWaitMs: this.maxRateLimitWaitMs,
      fetch: options.fetch ?? httpFetch,
    });
    this.attempts = Math.max(1, options.readAttempts ?? 4);
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.lookup = {
      maxResolveMs: 10_000,
      maxResends: 2,
      baseDelayMs: 100,
      maxRateLimitWaitMs: this.maxRateLimitWaitMs,
      ...options.orderLookup,
    };
  }

  get baseUrl(): string {
    return this.transport.options.baseUrl;
  }

  /** Parses `{success:true,result}` and then the result with `schema`; anything else is a typed error. */
  parse<S extends z.ZodType>(spec: RequestSpec, status: number, text: string, schema: S) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new DeltaBadResponseError(`Delta ${spec.method} ${spec.path} answered ${status} with non-JSON`, {
        status,
        method: spec.method,
        path: spec.path,
        correlationId: spec.correlationId,
      });
    }
    const env = ZEnvelope.safeParse(json);
    const result = env.success ? schema.safeParse(env.data.result) : undefined;
    if (!env.success || !result?.success) {
      const issues = (env.success ? result?.error?.issues : env.error.issues) ?? [];
      throw new DeltaBadResponseError(
        `Delta ${spec.method} ${spec.path} answered an unexpected shape: ${issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
        { status, method: spec.method, path: spec.path, correlationId: spec.correlationId },
      );
    }
    return { result: result.data as z.infer<S>, meta: env.data.meta ?? {} };
  }

  /**
   * One attempt, mapped: 2xx → parsed result; anything else → typed DeltaError; a transport failure →
   * DeltaUnavailableError with `retryable` semantics left to the caller.
   */
  async once<S extends z.ZodType>(spec: RequestSpec, schema: S) {
    const out = await this.transport.send(spec);
    const d = { method: spec.method, path: spec.path, correlationId: spec.correlationId };
    if (out.kind === 'transport') {
      throw new DeltaUnavailableError(`Delta ${spec.method} ${spec.path}: ${out.reason}`, {
        ...d,
        cause: out.cause,
      });
    }
    if (out.status >= 200 && out.status < 300) return this.parse(spec, out.status, out.text, schema);
    throw errorFromResponse(out.status, out.text, { ...d, resetMs: rateLimitResetMs(out.headers) });
  }

  /** Reads and idempotent writes: jittered exponential backoff on 5xx/timeouts, waits out 429 resets. */
  async call<S extends z.ZodType>(spec: RequestSpec, schema: S) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(spec, schema);
      } catch (err) {
        if (err instanceof DeltaRateLimitedError && err.status === 429) {
          const wait = err.resetMs ?? 1_000;
          if (wait > this.maxRateLimitWaitMs || attempt >= this.attempts + 2) throw err;
          await sleep(wait);
          continue;
        }
        const retryable = err instanceof DeltaUnavailableError || err instanceof DeltaBadResponseError;
        if (!retryable || attempt >= this.attempts) throw err;
        const cap = Math.min(2_000, this.retryBaseMs * 2 ** (attempt - 1));
        await sleep(Math.random() * cap);
      }
    }
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

  // ── orders ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Places an order exactly once under the caller's `client_order_id` (persist it before calling). Unknown
   * outcomes are resolved by looking the order up by that id; the POST is never blindly retried. Calling again
   * with the same id returns the order already placed.
   */
  placeOrder(input: PlaceOrderInput, o: CallOptions = {}): Promise<DeltaOrder> {
    return placeOrderExactlyOnce(this, input, o, this.lookup);
  }

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

  /** Cancels an open order; idempotent (an order already cancelled is returned as it is). */
  async cancelOrder(
    ref: { product_id: number } & ({ id: number } | { client_order_id: string }),
    o: CallOptions = {},
  ): Promise<DeltaOrder> {
    try {
      return (await this.call({ ...o, method: 'DELETE', path: '/v2/orders', body: ref }, ZOrder)).result;
    } catch (err) {
      if (!(err instanceof DeltaError) || err.code !== 'open_order_not_found') throw err;
      const order =
        'id' in ref ? await this.getOrder(ref.id, o) : await this.getOrderByClientId(ref.client_order_id, o);
      if (order?.state === 'cancelled') return order;
      throw err;
    }
  }

  async openOrders(query: { product_ids?: number[]; states?: string[] } = {}, o: CallOptions = {}) {
    const spec: RequestSpec = { ...o, method: 'GET', path: '/v2/orders', query };
    return (await this.call(spec, ZOrder.array())).result as DeltaOrder[];
  }

  async orderHistory(query: ListQuery = {}, o: CallOptions = {}): Promise<Page<DeltaOrder>> {
    const r = await this.call({ ...o, method: 'GET', path: '/v2/orders/history', query }, ZOrder.array());
    return { items: r.result, after: typeof r.meta.after === 'string' ? r.meta.after : null };
  }

  async fills(query: ListQuery = {}, o: CallOptions = {}): Promise<Page<DeltaFill>> {
    const r = await this.call({ ...o, method: 'GET', path: '/v2/fills', query }, ZFill.array());
    return { items: r.result, after: typeof r.meta.after === 'string' ? r.meta.after : null };
  }

  // ── positions, wallet, account ──────────────────────────────────────────────────────────────────────────

  async position(productId: number, o: CallOptions = {}): Promise<DeltaPosition> {
    const spec: RequestSpec = {
      ...o,
      method: 'GET',
      path: '/v2/positions',
      query: { product_id: productId },
    };
    return (await this.call(spec, ZPosition)).result;
  }

  async marginedPositions(o: CallOptions = {}): Promise<DeltaMarginedPosition[]> {
    return (
      await this.call({ ...o, method: 'GET', path: '/v2/positions/margined' }, ZMarginedPosition.array())
    ).result;
  }

  /**
   * Closes the open position: an opposite-side reduce_only market order for its size (Delta has no close
   * endpoint). Exactly once under `clientOrderId`: when already flat, the order placed earlier under that id is
   * returned; with no such order, DeltaInvalidOrderError `no_position_for_reduce_only`.
   */
  async closePosition(productId: number, clientOrderId: string, o: CallOptions = {}): Promise<DeltaOrder> {
    const pos = await this.position(productId, o);
    if (pos.size === 0) {
      const earlier = await this.getOrderByClientId(clientOrderId, o);
      if (earlier) return earlier;
    }
    return this.placeOrder(
      {
        product_id: productId,
        size: Math.max(1, Math.abs(pos.size)),
        side: pos.size > 0 ? 'sell' : 'buy',
        order_type: 'market_order',
        reduce_only: true,
        client_order_id: clientOrderId,
      },
      o,
    );
  }

  /** Kill switch: cancels open orders and flattens every position. */
  async closeAll(o: CallOptions = {}): Promise<void> {
    const body = { close_all_portfolio: true, close_all_isolated: true };
    const out = await this.transport.send({ ...o, method: 'POST', path: '/v2/positions/close_all', body });
    if (out.kind === 'transport')
      throw new DeltaUnavailableError(`close_all: ${out.reason}`, { cause: out.cause });
    if (out.status >= 300)
      throw errorFromResponse(out.status, out.text, { method: 'POST', path: '/v2/positions/close_all' });
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

  async setLeverage(productId: number, leverage: number, o: CallOptions = {}): Promise<DeltaLeverage> {
    const path = pathFor('/v2/products/{product_id}/orders/leverage', { product_id: productId });
    const body = { leverage: String(leverage) };
    return (await this.call({ ...o, method: 'POST', path, body }, ZLeverage)).result;
  }

  /** A cheap authenticated call: proves the key and its signature work (read permission). */
  async profile(o: CallOptions = {}): Promise<DeltaProfile> {
    return (await this.call({ ...o, method: 'GET', path: '/v2/profile' }, ZProfile)).result;
  }

  /** Low-level single attempt for exactly-once logic (allowlisted like everything else). */
  sendOnce(spec: RequestSpec) {
    return this.transport.send(spec);
  }
}
