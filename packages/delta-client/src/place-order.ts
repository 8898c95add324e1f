import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeltaBadResponseError,
  DeltaError,
  DeltaInvalidOrderError,
  DeltaOutcomeUnknownError,
  DeltaRateLimitedError,
  errorFromResponse,
} from './errors.ts';
import type { Requester } from './requester.ts';
import { type DeltaOrder, type PlaceOrderInput, ZOrder, ZPlaceOrderInput } from './schemas.ts';
import { type CallOptions, rateLimitResetMs } from './transport.ts';

/** What placement needs from a client: one raw send, response parsing, and the look-up by client id. */
export interface PlacementPort {
  requester: Pick<Requester, 'parse' | 'transport'>;
  getOrderByClientId(clientOrderId: string, o: CallOptions): Promise<DeltaOrder | null>;
}

export interface OrderLookupOptions {
  /**
   * How long the request path keeps looking an unknown outcome up by client id before it gives up with
   * DeltaOutcomeUnknownError (default 10 s). An order the exchange takes later is found by the reconciler, which
   * keeps looking over its own, much longer horizon.
   */
  maxResolveMs: number;
  /** Resends (same client id) after a 429 — which the exchange answers without processing (default 8). */
  maxResends: number;
  /**
   * The most the request path waits out 429 resets in total before it refuses (default 10 s): a window that
   * resets later is the caller's to wait for (the refusal says how long), not a request held open for minutes.
   */
  maxRateLimitTotalMs: number;
  /** First lookup backoff step; doubles with jitter up to 1 s (default 100 ms). */
  baseDelayMs: number;
  maxRateLimitWaitMs: number;
}

const DUPLICATE_CODES = new Set([
  'duplicate_client_order_id',
  'client_order_id_already_exists',
  'duplicate_client_oid',
]);

function sameIntent(order: DeltaOrder, input: PlaceOrderInput): boolean {
  return (
    order.product_id === input.product_id &&
    order.side === input.side &&
    order.order_type === input.order_type
  );
}

/**
 * Looks the order up by client id until it is found, or gives up after maxResolveMs. Not finding it proves
 * nothing: the signature window bounds when a request can be *accepted*, not when an accepted one is *processed*
 * (an exchange that holds a request for a minute processes it a minute late). So absence is never a verdict here.
 */
async function resolveUnknown(
  client: PlacementPort,
  clientOrderId: string,
  o: CallOptions,
  opts: OrderLookupOptions,
): Promise<DeltaOrder> {
  const giveUpAt = Date.now() + opts.maxResolveMs;
  let lastError: unknown;
  for (let attempt = 0; Date.now() < giveUpAt; attempt++) {
    try {
      const order = await client.getOrderByClientId(clientOrderId, o);
      if (order) return order;
    } catch (err) {
      // Auth/permission failures will not heal by waiting; everything else is retried until giveUpAt.
      if (err instanceof DeltaError && (err.kind === 'authentication' || err.kind === 'permission'))
        throw err;
      lastError = err;
    }
    const step = Math.min(1_000, opts.baseDelayMs * 2 ** Math.min(attempt, 10));
    await sleep(Math.max(10, Math.min(step / 2 + Math.random() * (step / 2), giveUpAt - Date.now())));
  }
  throw new DeltaOutcomeUnknownError(
    `order ${clientOrderId}: outcome still unknown after ${opts.maxResolveMs} ms; it may still be placed — look it up, never send it again`,
    { clientOrderId, correlationId: o.correlationId, cause: lastError },
  );
}

/**
 * Exactly-once placement, correct whether or not the exchange refuses a duplicate client id. The POST is sent once
 * and is never re-sent after an outcome that might have been accepted:
 * - 2xx → the order; 4xx → typed error (nothing placed) — except a duplicate client id, which means an earlier
 *   attempt landed: that order is returned;
 * - 429 → the exchange refused without processing: wait for X-RATE-LIMIT-RESET, send again (same client id),
 *   while the waits stay inside maxRateLimitTotalMs (other clients of the key may take the window again);
 * - timeout, dropped connection, 5xx, unreadable 2xx → unknown: look the order up by client id with backoff;
 *   found → it; still absent after maxResolveMs → DeltaOutcomeUnknownError. A second send would need the
 *   customer's new approval (see docs/execution.md: why there is no automatic re-send).
 */
export async function placeOrderExactlyOnce(
  client: PlacementPort,
  rawInput: PlaceOrderInput,
  o: CallOptions,
  opts: OrderLookupOptions,
): Promise<DeltaOrder> {
  const parsed = ZPlaceOrderInput.safeParse(rawInput);
  if (!parsed.success) {
    throw new DeltaInvalidOrderError(
      `invalid order: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      {
        code: 'bad_schema',
        correlationId: o.correlationId,
      },
    );
  }
  const input = parsed.data;
  if (input.order_type === 'limit_order' && input.limit_price === undefined) {
    throw new DeltaInvalidOrderError('a limit order needs limit_price', { code: 'bad_schema' });
  }
  const body: Record<string, unknown> = {
    product_id: input.product_id,
    size: input.size,
    side: input.side,
    order_type: input.order_type,
  };
  if (input.order_type === 'limit_order') body.limit_price = input.limit_price;
  if (input.time_in_force) body.time_in_force = input.time_in_force;
  if (input.post_only !== undefined) body.post_only = input.post_only;
  if (input.reduce_only !== undefined) body.reduce_only = input.reduce_only;
  body.client_order_id = input.client_order_id;

  const d = { method: 'POST', path: '/v2/orders', correlationId: o.correlationId };
  let resends = 0;
  let waitedMs = 0;
  const budget = Math.min(opts.maxRateLimitWaitMs, opts.maxRateLimitTotalMs);
  for (;;) {
    // A key the exchange has blocked for longer than the budget is refused here, before anything is sent.
    const out = await client.requester.transport.send({
      ...o,
      method: 'POST',
      path: '/v2/orders',
      body,
      maxBudgetWaitMs: Math.max(0, budget - waitedMs),
    });
    let unknown = out.kind === 'transport' || out.status >= 500;
    if (out.kind === 'response' && out.status >= 200 && out.status < 300) {
      try {
        const spec = { ...o, method: 'POST' as const, path: '/v2/orders' };
        return client.requester.parse(spec, out.status, out.text, ZOrder).result;
      } catch (err) {
        if (!(err instanceof DeltaBadResponseError)) throw err;
        unknown = true; // accepted, but we could not read what: find out by client id
      }
    }
    if (!unknown && out.kind === 'response') {
      const err = errorFromResponse(out.status, out.text, { ...d, resetMs: rateLimitResetMs(out.headers) });
      if (err instanceof DeltaRateLimitedError) {
        const wait = err.resetMs ?? 1_000;
        if (resends >= opts.maxResends || waitedMs + wait > budget) throw err;
        resends++;
        waitedMs += wait;
        await sleep(wait);
        continue;
      }
      if (err.code && DUPLICATE_CODES.has(err.code)) {
        const existing = await client.getOrderByClientId(input.client_order_id, o);
        if (existing && sameIntent(existing, input)) return existing;
      }
      throw err;
    }
    return resolveUnknown(client, input.client_order_id, o, opts);
  }
}
