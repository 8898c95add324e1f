import type { Db, Logger } from '@delta/server-kit';
import { type LeaseHolder, renewLease } from './executions-repository.ts';

/** Thrown when the request path finds that it no longer owns its execution: it must not send or decide. */
export class LeaseLost extends Error {}

/** The owner name of the request path working on an execution (its announcement and its record share it). */
export const requestLeaseOwner = (executionId: string) => `request:${executionId}`;

/**
 * The request path's hold on the execution it records: renewed every third of its lease while the request
 * works; `stillOwned` re-checks it (in the database when the last renewal is not fresh) before the order leaves.
 */
export function holdExecution(
  deps: { db: Db; logger: Logger; leaseS?: number | undefined },
  executionId: string,
) {
  const lease: LeaseHolder = { owner: requestLeaseOwner(executionId), leaseS: deps.leaseS ?? 30 };
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
