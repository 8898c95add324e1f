import { z } from 'zod';

/**
 * The states of an execution (one per approved trade action) and the only moves between them. docs/execution.md
 * states the same table; Plant's repository takes every SQL state list from it, so a write that the table does not
 * allow changes nothing.
 *
 * Each state has a phase:
 * - `in_flight` — not decided yet: the request path or a reconciler holds it (a lease) and will decide it;
 * - `resting`   — at the exchange and still able to change there (a limit order on the book can fill or be
 *                 cancelled): not settled, but nobody in Plant holds it;
 * - `settled`   — final: never changed again.
 */
export const EXECUTION_STATE_TABLE = {
  /** Recorded, not sent: an exit reading the open position it reduces. */
  pending: { phase: 'in_flight', next: ['submitted', 'rejected'] },
  /** Recorded with the exact order (or cancel), being sent — or the exchange holds it untriggered. */
  submitted: {
    phase: 'in_flight',
    next: ['submitted', 'open', 'filled', 'cancelled', 'rejected', 'unknown'],
  },
  /** Sent, and the exchange has not (yet) shown the order: the reconciler looks it up until the horizon. */
  unknown: { phase: 'in_flight', next: ['unknown', 'submitted', 'open', 'filled', 'cancelled', 'rejected'] },
  /** Resting on the book (a limit order): it may still fill or be cancelled at the exchange. */
  open: { phase: 'resting', next: ['open', 'filled', 'cancelled'] },
  filled: { phase: 'settled', next: [] },
  cancelled: { phase: 'settled', next: [] },
  /** Nothing is at the exchange: refused before the send, by the exchange, or not found within the horizon. */
  rejected: { phase: 'settled', next: [] },
} as const satisfies Record<string, { phase: 'in_flight' | 'resting' | 'settled'; next: readonly string[] }>;

export type TExecutionState = keyof typeof EXECUTION_STATE_TABLE;
export const EXECUTION_STATES = Object.keys(EXECUTION_STATE_TABLE) as TExecutionState[];
export const ZExecutionState = z.enum(EXECUTION_STATES as [TExecutionState, ...TExecutionState[]]);
export type TExecutionPhase = (typeof EXECUTION_STATE_TABLE)[TExecutionState]['phase'];

/** The states an execution may be recorded in: `pending`/`submitted` before a send, `rejected` when none happens. */
export const INITIAL_EXECUTION_STATES = [
  'pending',
  'submitted',
  'rejected',
] as const satisfies readonly TExecutionState[];

/** A state some recorded execution may move to (only `pending` is never reached by a move). */
export type TReachableExecutionState = {
  [S in TExecutionState]: (typeof EXECUTION_STATE_TABLE)[S]['next'][number];
}[TExecutionState];

export function executionStatesIn(phase: TExecutionPhase): TExecutionState[] {
  return EXECUTION_STATES.filter((s) => EXECUTION_STATE_TABLE[s].phase === phase);
}

/** Whether the table allows moving an execution from `from` to `to`. */
export function mayMoveExecution(from: TExecutionState, to: TExecutionState): boolean {
  return (EXECUTION_STATE_TABLE[from].next as readonly TExecutionState[]).includes(to);
}

/** The states an execution may be in for a move to `to` to be allowed. */
export function executionStatesBefore(to: TExecutionState): TExecutionState[] {
  return EXECUTION_STATES.filter((from) => mayMoveExecution(from, to));
}

/**
 * Why a recorded execution traded nothing (its `reason`, state `rejected`), in the customer's words. Codes that
 * are also refusals keep the refusal's code; these are the words for the record, not for the refused request.
 */
export const NOT_TRADED_REASONS: Readonly<Record<string, string>> = {
  consumed_not_executed:
    'The approval was used, but Plant stopped before it recorded the order: nothing was sent. Approve the trade again to retry.',
  interrupted_before_send:
    'Plant stopped before sending the order: nothing was sent. Approve the trade again to retry.',
  not_placed:
    'The exchange never showed the order within the reconciliation horizon: nothing was traded. Approve again to retry.',
  not_cancelled:
    'The exchange did not cancel the order: it may still rest. Check Positions and cancel it again.',
  order_not_open: 'The order was no longer open (it filled or was cancelled): nothing was cancelled.',
  risk_check_failed:
    'The trade no longer passed its risk checks after the approval was used (the setup or price changed): nothing was sent.',
  no_open_position: 'There was no open position to exit: nothing was sent.',
  audit_unavailable: 'The decision could not be put on record, so nothing was sent.',
};
