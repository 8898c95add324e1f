import { DeltaError, type DeltaOrder, DeltaRateLimitedError, DeltaTradingClient } from '@delta/delta-client';
import type { Logger } from '@delta/server-kit';
import type { ExecuteOrderResult } from '../integrations/order-executor.ts';
import { Refusal } from '../refusal.ts';
import type { OpenedBundle } from './credential-bundles.ts';
import type { ExecutionRow } from './executions-repository.ts';

/** A trading client for the keys of one opened bundle (memory only, for this execution). */
export function clientFor(
  bundle: OpenedBundle,
  deps: { logger: Logger; paperUrl?: string | undefined },
): DeltaTradingClient {
  return new DeltaTradingClient({
    preset: bundle.environment,
    baseUrl: bundle.environment === 'paper' ? deps.paperUrl : undefined,
    credentials: { apiKey: bundle.credential.apiKey, apiSecret: bundle.credential.apiSecret },
    logger: deps.logger,
    timeoutMs: 5_000,
    // The request path answers within the gateway's 15 s: a 5 s send and 6 s of look-ups, then "unknown" — the
    // reconciler keeps looking over its horizon.
    orderLookup: { maxResolveMs: 6_000 },
  });
}

/** The exchange's order → our execution state. */
export function stateOf(order: DeltaOrder): 'open' | 'filled' | 'cancelled' | 'submitted' {
  if (order.state === 'closed') return 'filled';
  if (order.state === 'cancelled') return 'cancelled';
  if (order.state === 'open') return 'open';
  return 'submitted';
}

/** What an execution records of the order it placed. */
export function orderFields(order: DeltaOrder) {
  return {
    exchange_order_id: String(order.id),
    exchange_state: order.state,
    filled_size: order.size - (order.unfilled_size ?? 0),
    average_fill_price: order.average_fill_price ?? null,
    fees: order.paid_commission ?? null,
  };
}

/** What a cancel records of the order it cancelled: the order, and what of it had filled before (no fee of its own). */
export function cancelledFields(order: DeltaOrder) {
  return {
    exchange_order_id: String(order.id),
    exchange_state: order.state,
    filled_size: order.size - (order.unfilled_size ?? 0),
    average_fill_price: order.average_fill_price ?? null,
  };
}

export function resultOf(row: ExecutionRow): ExecuteOrderResult {
  return {
    exchangeOrderId: row.exchange_order_id,
    state: row.state,
    size: row.size,
    filledSize: row.filled_size,
    averageFillPrice: row.average_fill_price,
    fees: row.fees,
    reason: row.reason,
  };
}

/** An exchange failure as a refusal the customer can act on; the exchange's code, never a key or signature. */
export function exchangeRefusal(err: unknown): Refusal {
  if (err instanceof Refusal) return err;
  if (!(err instanceof DeltaError)) {
    return new Refusal('exchange_unavailable', 'The exchange could not be reached.');
  }
  const facts = { exchange_code: err.code ?? null, exchange_error_kind: err.kind };
  switch (err.kind) {
    case 'insufficient_margin':
      return new Refusal(
        'insufficient_margin',
        'The exchange account does not have enough margin for this order.',
        { facts: { ...facts, context: err.context ?? null } },
      );
    case 'invalid_order':
      return new Refusal(
        'order_rejected',
        `The exchange rejected the order (${err.code ?? 'invalid order'}).`,
        {
          facts,
        },
      );
    case 'authentication':
    case 'permission':
      return new Refusal(
        'exchange_key_rejected',
        'The exchange refused the stored API key (revoked, wrong environment, or missing Trading permission).',
        { facts },
      );
    case 'rate_limited': {
      const resetMs = err instanceof DeltaRateLimitedError ? err.resetMs : undefined;
      const retryAfterS = Math.max(1, Math.ceil((resetMs ?? 1_000) / 1_000));
      return new Refusal(
        'exchange_rate_limited',
        'The exchange is rate limiting this account; nothing was sent. Try again shortly.',
        { facts: { ...facts, retry_after_s: retryAfterS }, retryAfterS },
      );
    }
    default:
      return new Refusal('exchange_unavailable', 'The exchange could not be reached or answered strangely.', {
        facts,
      });
  }
}
