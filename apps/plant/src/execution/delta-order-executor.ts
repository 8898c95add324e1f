import { EXECUTION_STATE_TABLE, type TExchangeOrder, type TExecutionState } from '@delta/contracts';
import {
  DeltaBadResponseError,
  DeltaError,
  DeltaOutcomeUnknownError,
  type DeltaTradingClient,
  DeltaUnavailableError,
} from '@delta/delta-client';
import type { Db, Logger } from '@delta/server-kit';
import type {
  ExecuteOrderRequest,
  ExecuteOrderResult,
  OrderExecutor,
} from '../integrations/order-executor.ts';
import { Refusal } from '../refusal.ts';
import { PRICE_MOVED_CHECK } from '../skills/trading/approved-band.ts';
import type { BundleOpener, OpenedBundle } from './credential-bundles.ts';
import {
  cancelledFields,
  clientFor,
  exchangeRefusal,
  orderFields,
  resultOf,
  stateOf,
} from './exchange-outcomes.ts';
import { holdExecution, LeaseLost } from './execution-lease.ts';
import { findExecutionByApproval, insertExecution, updateExecution } from './executions-repository.ts';

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

/**
 * The exchange side of an approved run. The execution record is written (unique per approval and per
 * client_order_id) before anything is sent; the order goes out once under a client_order_id derived from the
 * approval; an unknown outcome is resolved by look-up (the Delta client), and failing that left "unknown" for
 * the reconciler — never re-sent blindly. A cancel is the same, with DELETE /v2/orders for the approved order.
 * Every refusal is one path (`refuse`): the record says why, and the Refusal is raised.
 */
export function createDeltaOrderExecutor(deps: DeltaExecutorDeps): OrderExecutor {
  return {
    async execute(req: ExecuteOrderRequest): Promise<ExecuteOrderResult> {
      const plan = req.plan;
      const { executionId } = req;
      const kind = plan.intent.intent_action;
      // This request owns the execution it records until it settles it or hands it to the reconciler.
      const own = holdExecution(deps, executionId);
      const lease = own.lease;
      const o = { correlationId: req.correlationId };
      try {
        // The record comes first, while the keys open (usually the bundle that came with the consumption). An
        // exit's size depends on the open position, so it is recorded `pending` until that is read.
        const [opened, recorded, decisions, recheck] = await Promise.all([
          settle(
            deps.openBundle(
              {
                credentialRef: req.credentialRef,
                approvalId: req.approvalId,
                customerId: plan.customer_id,
                correlationId: req.correlationId,
              },
              req.bundle,
            ),
          ),
          settle(
            insertExecution(
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
                action: kind,
                product_id: req.order.product_id,
                product_symbol: req.order.product_symbol,
                side: req.order.side,
                size: kind === 'close_position' ? null : req.order.size,
                order_request: requestBody(req),
                correlation_id: req.correlationId,
              },
              { state: kind === 'close_position' ? 'pending' : 'submitted' },
              lease,
            ),
          ),
          settle(req.decisionsRecorded ?? Promise.resolve()),
          settle(req.stillApprovable ?? Promise.resolve({ ok: true as const })),
        ]);
        if (!recorded.ok) throw recorded.error;
        if (!recorded.value) {
          // The approval was consumed exactly once, so another row means another instance is executing it.
          // (It is that request's record, not this one's: nothing is written.)
          throw new Refusal('execution_in_progress', 'This approval is already being executed.');
        }
        own.held();

        if (!decisions.ok) {
          return refuse(
            new Refusal('audit_unavailable', 'The policy decision could not be recorded; nothing was sent.'),
          );
        }
        if (!recheck.ok || !recheck.value.ok) {
          const detail = recheck.ok && !recheck.value.ok ? recheck.value : undefined;
          // The mark moved past the approved band while the approval was being used: said as such.
          const moved = detail?.failed.length === 1 && detail.failed[0] === PRICE_MOVED_CHECK;
          return refuse(
            new Refusal(
              moved ? 'price_moved' : 'risk_check_failed',
              `The trade no longer passes its risk checks (${detail?.detail ?? 'the re-check failed'}); nothing was sent.`,
              { facts: { failed_checks: detail?.failed ?? [] } },
            ),
          );
        }
        if (!opened.ok) {
          return refuse(
            opened.error instanceof Refusal
              ? opened.error
              : new Refusal(
                  'vault_unavailable',
                  'The credential vault could not be reached; nothing was sent.',
                ),
          );
        }
        const client = clientFor(opened.value satisfies OpenedBundle, deps);

        let order: TExchangeOrder = req.order;
        if (kind === 'close_position') {
          // Exit = reduce-only opposite order for min(units, open size). Flat (or the other way) → nothing sent.
          let open: number;
          try {
            open = (await client.position(req.order.product_id, o)).size;
          } catch (err) {
            return refuse(exchangeRefusal(err), { reason: 'position_unavailable' });
          }
          const held = plan.intent.side === 'long' ? Math.max(0, open) : Math.max(0, -open);
          if (held === 0) {
            return refuse(
              new Refusal(
                'no_open_position',
                `There is no open ${plan.intent.side} ${req.order.product_symbol} position to exit; nothing was sent.`,
              ),
            );
          }
          order = { ...req.order, size: Math.min(req.order.size, held), reduce_only: true };
          // The record of the exact order, before it is sent (from here it may be at the exchange).
          const submitted = await updateExecution(
            deps.db,
            executionId,
            { state: 'submitted', size: order.size, order_request: requestBody({ ...req, order }) },
            lease,
          );
          if (!submitted) return lostLease();
        }
        try {
          await own.stillOwned();
        } catch (err) {
          if (err instanceof LeaseLost) return lostLease();
          throw err;
        }
        return kind === 'cancel_order' ? await cancel(client, order) : await place(client, order);
      } finally {
        own.release();
      }

      async function place(client: DeltaTradingClient, order: TExchangeOrder): Promise<ExecuteOrderResult> {
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
          if (err instanceof DeltaOutcomeUnknownError) return handOver();
          return rejectedByExchange(err);
        }
      }

      async function cancel(client: DeltaTradingClient, order: TExchangeOrder): Promise<ExecuteOrderResult> {
        const orderId = Number(plan.intent.order_id);
        try {
          const cancelled = await client.cancelOrder({ id: orderId, product_id: order.product_id }, o);
          const row = await updateExecution(
            deps.db,
            executionId,
            { state: 'cancelled', ...cancelledFields(cancelled) },
            lease,
          );
          return row ? resultOf(row) : lostLease();
        } catch (err) {
          // A cancel that may or may not have landed: the reconciler looks the order up (and cancels it again —
          // a cancel is idempotent — while it is still open).
          if (err instanceof DeltaUnavailableError || err instanceof DeltaBadResponseError) return handOver();
          if (err instanceof DeltaError && err.code === 'open_order_not_found') {
            return refuse(
              new Refusal(
                'order_not_open',
                `Order ${orderId} is no longer open (it filled or was cancelled); nothing was cancelled.`,
              ),
              { exchange_order_id: String(orderId) },
            );
          }
          return rejectedByExchange(err);
        }
      }

      /** Not found yet proves nothing (an exchange may process a held request long after): the reconciler looks. */
      async function handOver(): Promise<ExecuteOrderResult> {
        const row = await updateExecution(
          deps.db,
          executionId,
          { state: 'unknown', reason: 'outcome_unknown' },
          lease,
          { release: true },
        );
        return row ? resultOf(row) : lostLease();
      }

      /** The exchange refused the order: recorded with the exchange's own code. */
      function rejectedByExchange(err: unknown): Promise<ExecuteOrderResult> {
        const reason = err instanceof DeltaError ? (err.code ?? err.kind) : 'exchange_error';
        return refuse(exchangeRefusal(err), { reason });
      }

      /**
       * The one way the executor refuses: the execution is recorded `rejected` (with the refusal's code, or the
       * reason given), which settles it, and the refusal is raised — nothing was sent, or the exchange refused what
       * was. If the record is no longer this request's (the reconciler took it), the record answers instead.
       */
      async function refuse(
        refusal: Refusal,
        record: { reason?: string; exchange_order_id?: string } = {},
      ): Promise<never | ExecuteOrderResult> {
        const row = await updateExecution(
          deps.db,
          executionId,
          { state: 'rejected', reason: record.reason ?? refusal.code, ...record },
          lease,
        );
        if (!row) return lostLease();
        throw refusal;
      }

      /** Someone else decided (or now owns) this execution: answer with what the record says, never overwrite it. */
      async function lostLease(): Promise<ExecuteOrderResult> {
        deps.logger.warn(
          { execution_id: executionId, correlation_id: req.correlationId },
          'execution taken over by the reconciler before this request could record its outcome',
        );
        return resultOf((await findExecutionByApproval(deps.db, req.approvalId))!);
      }
    },

    async findExecution(approvalId: string) {
      // A duplicate of a request still in flight waits (briefly) for the first one's outcome.
      const deadline = Date.now() + (deps.replayWaitMs ?? 10_000);
      for (;;) {
        const row = await findExecutionByApproval(deps.db, approvalId);
        if (!row) {
          if (Date.now() > deadline) return undefined;
        } else if (!stillWithTheRequest(row.state) || Date.now() > deadline) {
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
 * The first request is still deciding this execution (it records `pending`/`submitted` and then the exchange's
 * answer); from `unknown` on it is the reconciler's, and the record as it stands is the answer.
 */
function stillWithTheRequest(state: TExecutionState): boolean {
  return EXECUTION_STATE_TABLE[state].phase === 'in_flight' && state !== 'unknown';
}

/** The exact request body the execution sends (recorded before it is sent). */
export function requestBody(req: Pick<ExecuteOrderRequest, 'plan' | 'order'>): Record<string, unknown> {
  if (req.plan.intent.intent_action === 'cancel_order') {
    return { id: Number(req.plan.intent.order_id), product_id: req.order.product_id };
  }
  return { ...req.order };
}

/** A promise's outcome as a value, so several can run side by side and all be looked at. */
async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}
