import { TRADING_ALLOWLIST } from './allowlist.ts';
import { DeltaError } from './errors.ts';
import { type OrderLookupOptions, placeOrderExactlyOnce } from './place-order.ts';
import { DeltaClientBase } from './read-client.ts';
import type { DeltaConnectionOptions } from './requester.ts';
import { type DeltaOrder, type PlaceOrderInput, ZOrder } from './schemas.ts';
import type { CallOptions, Outcome, RequestSpec } from './transport.ts';

export interface DeltaTradingClientOptions extends DeltaConnectionOptions {
  orderLookup?: Partial<OrderLookupOptions>;
}

/**
 * The client of Plant's executor: every read, plus the two writes an approved trade action sends — place
 * (enter, and the clamped reduce-only exit) and cancel. Nothing else can be written: no close-all, no leverage
 * change; every other (method, path) throws DeltaNotAllowedError before any network I/O.
 */
export class DeltaTradingClient extends DeltaClientBase {
  private readonly lookup: OrderLookupOptions;

  constructor(options: DeltaTradingClientOptions) {
    super(options, TRADING_ALLOWLIST);
    this.lookup = {
      maxResolveMs: 10_000,
      maxResends: 8,
      maxRateLimitTotalMs: 10_000,
      baseDelayMs: 100,
      maxRateLimitWaitMs: this.requester.maxRateLimitWaitMs,
      ...options.orderLookup,
    };
  }

  /**
   * Places an order exactly once under the caller's `client_order_id` (persist it before calling). Unknown
   * outcomes are resolved by looking the order up by that id; the POST is never blindly retried. Calling again
   * with the same id returns the order already placed.
   */
  placeOrder(input: PlaceOrderInput, o: CallOptions = {}): Promise<DeltaOrder> {
    const port = {
      requester: this.requester,
      getOrderByClientId: (cid: string, co: CallOptions) => this.getOrderByClientId(cid, co),
    };
    return placeOrderExactlyOnce(port, input, o, this.lookup);
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

  /** One raw attempt, allowlisted like everything else (the signing property test sends arbitrary bodies). */
  sendOnce(spec: RequestSpec): Promise<Outcome> {
    return this.requester.transport.send(spec);
  }
}
