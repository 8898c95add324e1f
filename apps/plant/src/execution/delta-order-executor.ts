import { randomUUID } from 'node:crypto';
import type { TExchangeOrder } from '@delta/contracts';
import { DeltaClient, DeltaError, type DeltaOrder, DeltaOutcomeUnknownError } from '@delta/delta-client';
import { AppError, type Db, type Logger } from '@delta/server-kit';
import type {
  ExecuteOrderRequest,
  ExecuteOrderResult,
  OrderExecutor,
} from '../integrations/order-executor.ts';
import type { BundleOpener, OpenedBundle } from './credential-bundles.ts';
import {
  type ExecutionRow,
  findExecutionByApproval,
  insertExecution,
  type LeaseHolder,
  renewLease,
  SETTLED_STATES,
  updateExecution,
} from './executions-repository.ts';

export interface DeltaExecutorDeps {
  db: Db;
  logger: Logger;
  /** Opens the credential bundle for a consumed approval (keys in memory only). */
  openBundle: BundleOpener;
  /** The paper exchange's URL, for credentials of environment "paper". */
  paperUrl?: string;
  /** How long a duplicate request waits for the first one's result before answering with the state so far. */
  replayWaitMs?: number;
  /**
   * How long the request path's hold on its execution lasts without renewal (default 30 s; renewed every third of
   * that while it works). Only after it runs out — the process died or stalled — may the reconciler take over.
   */
  leaseS?: number;
}

/** Thrown when the request path finds that it no longer owns its execution: it must not send or decide. */
class LeaseLost extends Error {}

export function clientFor(
  bundle: OpenedBundle,
  deps: Pick<DeltaExecutorDeps, 'logger' | 'paperUrl'>,
): DeltaClient {
  return new DeltaClient({
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

export function orderFields(order: DeltaOrder) {
  return {
    exchange_order_id: String(order.id),
    exchange_state: order.state,
    filled_size: order.size - (order.unfilled_size ?? 0),
    average_fill_price: order.average_fill_price ?? null,
    fees: order.paid_commission ?? null,
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

/**
 * The exchange side of an approved run. The execution record is written (unique per approval and per
 * client_order_id) before anything is sent; the order goes out once under a client_order_id derived from the
 * approval; an unknown outcome is resolved by look-up (the Delta client), and failing that left "unknown" for
 * the reconciler — never re-sent blindly.
 */
export function createDeltaOrderExecutor(deps: DeltaExecutorDeps): OrderExecutor {
  return {
    async execute(req: ExecuteOrderRequest): Promise<ExecuteOrderResult> {
      const plan = req.plan;
      const executionId = randomUUID();
      // This request owns the execution it records until it settles it or hands it to the reconciler.
      const own = holdExecution(deps, executionId);
      const lease = own.lease;
      try {
        const record = async (order: TExchangeOrder, initial: Parameters<typeof insertExecution>[2]) => {
          const inserted = await insertExecution(
            deps.db,
            {
              execution_id: executionId,
              approval_id: req.approvalId,
              client_order_id: req.clientOrderId,
              customer_id: plan.customer_id,
              hired_agent_id: plan.hired_agent_id,
              agent_id: plan.agent_id,
              credential_ref: req.credentialRef,
              intent_hash: plan.intent_hash,
              action: plan.intent.intent_action,
              product_id: order.product_id,
              product_symbol: order.product_symbol,
              side: order.side,
              size: plan.intent.action === 'enter' || initial?.state === 'submitted' ? order.size : null,
              order_request: order as unknown as Record<string, unknown>,
              correlation_id: req.correlationId,
            },
            initial,
            lease,
          );
          if (inserted && initial.state === 'submitted') own.held();
          return inserted;
        };
        // Nothing was sent: the execution is recorded as rejected with the reason, and the refusal is raised.
        const refuse = async (error: AppError): Promise<never> => {
          await record(req.order, { state: 'rejected', reason: error.reason });
          throw error;
        };

        // The keys (usually the bundle that came back with the approval's consumption: no round trip). An
        // entry's exact order is already known, so its record is written meanwhile — before anything is sent either
        // way; an exit's size depends on the open position, so its record waits for that.
        const entering = plan.intent.action === 'enter';
        const [opened, recorded, decisions] = await Promise.all([
          settle(
            deps.openBundle({
              credentialRef: req.credentialRef,
              approvalId: req.approvalId,
              customerId: plan.customer_id,
              correlationId: req.correlationId,
            }),
          ),
          entering ? settle(record(req.order, { state: 'submitted' })) : undefined,
          settle(req.decisionsRecorded ?? Promise.resolve()),
        ]);
        if (recorded && !recorded.ok) throw recorded.error;
        if (recorded?.ok && !recorded.value) {
          // The approval was consumed exactly once, so another row means another instance is executing it.
          throw AppError.conflict('execution_in_progress', 'This approval is already being executed.');
        }
        // Nothing is sent without the decisions on record and the keys open; the execution says which failed.
        const rejectUnsent = async (error: AppError): Promise<never> => {
          if (!recorded) return refuse(error);
          await updateExecution(deps.db, executionId, { state: 'rejected', reason: error.reason }, lease);
          throw error;
        };
        if (!decisions.ok) {
          return rejectUnsent(
            new AppError(
              503,
              'audit_unavailable',
              'The policy decision could not be recorded; nothing was sent.',
            ),
          );
        }
        if (!opened.ok) {
          return rejectUnsent(
            opened.error instanceof AppError
              ? opened.error
              : new AppError(
                  503,
                  'vault_unavailable',
                  'The credential vault could not be reached; nothing was sent.',
                ),
          );
        }
        const bundle: OpenedBundle = opened.value;
        const client = clientFor(bundle, deps);
        const o = { correlationId: req.correlationId };

        let order: TExchangeOrder = req.order;
        if (plan.intent.action === 'exit') {
          // Exit = reduce-only opposite order for min(units, open size). Flat (or the other way) → nothing sent.
          let open: number;
          try {
            open = (await client.position(req.order.product_id, o)).size;
          } catch (err) {
            const error = exchangeError(err);
            await record(req.order, { state: 'rejected', reason: 'position_unavailable' });
            throw error;
          }
          const held = plan.intent.side === 'long' ? Math.max(0, open) : Math.max(0, -open);
          if (held === 0) {
            return refuse(
              AppError.conflict(
                'no_open_position',
                `There is no open ${plan.intent.side} ${req.order.product_symbol} position to exit; nothing was sent.`,
              ),
            );
          }
          order = { ...req.order, size: Math.min(req.order.size, held), reduce_only: true };
        }

        // The record of the exact order is written before it is sent, as submitted (it may be at the exchange
        // from here on: a crash leaves it for the reconciler to look up, never to re-send).
        if (!entering && !(await record(order, { state: 'submitted' }))) {
          // The approval was consumed exactly once, so another row means another instance is executing it.
          throw AppError.conflict('execution_in_progress', 'This approval is already being executed.');
        }
        try {
          await own.stillOwned();
        } catch (err) {
          if (err instanceof LeaseLost) return lostLease();
          throw err;
        }
        try {
          const placed = await client.placeOrder(
            {
              product_id: order.product_id,
              size: order.size,
              side: order.side,
              order_type: order.order_type,
              ...(order.limit_price ? { limit_price: order.limit_price } : {}),
              ...(order.time_in_force ? { time_in_force: order.time_in_force } : {}),
              reduce_only: order.reduce_only,
              client_order_id: req.clientOrderId,
            },
            o,
          );
          const row = await updateExecution(
            deps.db,
            executionId,
            { state: stateOf(placed), ...orderFields(placed) },
            lease,
          );
          return row ? resultOf(row) : lostLease();
        } catch (err) {
          if (err instanceof DeltaOutcomeUnknownError) {
            // Not found yet proves nothing (an exchange may process a held request long after): the execution stays
            // unknown, and the reconciler — given the row now — keeps looking over its horizon.
            const row = await updateExecution(
              deps.db,
              executionId,
              { state: 'unknown', reason: 'outcome_unknown' },
              lease,
              { release: true },
            );
            return row ? resultOf(row) : lostLease();
          }
          const reason = err instanceof DeltaError ? (err.code ?? err.kind) : 'exchange_error';
          const row = await updateExecution(deps.db, executionId, { state: 'rejected', reason }, lease);
          if (!row) return lostLease();
          throw exchangeError(err);
        }

        /** Someone else decided (or now owns) this execution: answer with what the record says, never overwrite it. */
        async function lostLease(): Promise<ExecuteOrderResult> {
          deps.logger.warn(
            { execution_id: executionId, correlation_id: req.correlationId },
            'execution taken over by the reconciler before this request could record its outcome',
          );
          return resultOf((await findExecutionByApproval(deps.db, req.approvalId))!);
        }
      } finally {
        own.release();
      }
    },

    async findExecution(approvalId: string) {
      // A duplicate of a request still in flight waits (briefly) for the first one's outcome.
      const deadline = Date.now() + (deps.replayWaitMs ?? 10_000);
      for (;;) {
        const row = await findExecutionByApproval(deps.db, approvalId);
        if (!row) {
          if (Date.now() > deadline) return undefined;
        } else if (SETTLED_STATES.has(row.state) || row.state === 'unknown' || Date.now() > deadline) {
          return {
            intentHash: row.intent_hash,
            customerId: row.customer_id,
            clientOrderId: row.client_order_id,
            result: resultOf(row),
          };
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/**
 * The request path's hold on the execution it records: renewed every third of its lease while the request
 * works; `stillOwned` re-checks it (in the database when the last renewal is not fresh) before the order leaves.
 */
function holdExecution(deps: DeltaExecutorDeps, executionId: string) {
  const lease: LeaseHolder = { owner: `request:${executionId}`, leaseS: deps.leaseS ?? 30 };
  const renewEveryMs = (lease.leaseS * 1000) / 3;
  let heldSince = 0;
  const renewer = setInterval(() => {
    if (heldSince === 0) return;
    renewLease(deps.db, executionId, lease).then(
      (held) => {
        heldSince = held ? Date.now() : 0;
      },
      (err: unknown) => deps.logger.warn({ err, execution_id: executionId }, 'lease renewal failed'),
    );
  }, renewEveryMs);
  renewer.unref();
  return {
    lease,
    held() {
      heldSince = Date.now();
    },
    async stillOwned(): Promise<void> {
      if (heldSince !== 0 && Date.now() - heldSince < renewEveryMs) return;
      if (!(await renewLease(deps.db, executionId, lease))) throw new LeaseLost();
      heldSince = Date.now();
    },
    release() {
      clearInterval(renewer);
    },
  };
}

/** A promise's outcome as a value, so two can run side by side and both be looked at. */
async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/** An exchange failure as a problem the customer can act on; the exchange's code, never a key or signature. */
export function exchangeError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof DeltaError) {
    const extra = { exchange_code: err.code ?? null, exchange_error_kind: err.kind };
    switch (err.kind) {
      case 'insufficient_margin':
        return new AppError(
          409,
          'insufficient_margin',
          'The exchange account does not have enough margin for this order.',
          { extra: { ...extra, context: err.context ?? null } },
        );
      case 'invalid_order':
        return new AppError(
          409,
          'order_rejected',
          `The exchange rejected the order (${err.code ?? 'invalid order'}).`,
          { extra },
        );
      case 'authentication':
      case 'permission':
        return new AppError(
          409,
          'exchange_key_rejected',
          'The exchange refused the stored API key (revoked, wrong environment, or missing Trading permission).',
          { extra },
        );
      case 'rate_limited':
        return new AppError(
          503,
          'exchange_rate_limited',
          'The exchange is rate limiting this account; nothing was sent. Try again shortly.',
          { extra },
        );
      default:
        return new AppError(
          502,
          'exchange_unavailable',
          'The exchange could not be reached or answered strangely.',
          { extra },
        );
    }
  }
  return new AppError(502, 'exchange_unavailable', 'The exchange could not be reached.');
}
