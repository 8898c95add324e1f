import type { Db, Logger } from '@delta/server-kit';
import type { UsageRecorder } from '../audit/usage-events.ts';
import type { BundleOpener } from './credential-bundles.ts';
import type { ApprovalStatusReader } from './portal-approval-status.ts';

/** What a reconciler pass needs (reconciler.ts settles executions, attempt-reconciler.ts explains announcements). */
export interface ReconcilerDeps {
  db: Db;
  logger: Logger;
  openBundle: BundleOpener;
  recordUsage: UsageRecorder;
  /** Asks the portal that minted an approval what became of it (for requests that died around its consumption). */
  approvalStatus: ApprovalStatusReader;
  paperUrl?: string;
  /**
   * How long after an order was sent its absence at the exchange is still provisional (default 900 s). Until then
   * the execution stays `unknown` and is looked up again and again; after it, `not_placed`. See docs/execution.md.
   */
  horizonS?: number;
  /** How long one pass holds the rows it claimed (default 60 s). */
  leaseS?: number;
  /** Longest wait between two look-ups of the same execution (default 60 s; the first waits come sooner). */
  maxBackoffS?: number;
  now?: () => Date;
  newId?: () => string;
}
