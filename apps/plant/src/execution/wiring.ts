import type { Db, Logger } from '@delta/server-kit';
import { createReplayCache, type ServiceKeys } from '@delta/service-auth';
import type { UsageRecorder } from '../audit/usage-events.ts';
import type { AccountReader } from '../integrations/account-reader.ts';
import type { ApprovalVerifier } from '../integrations/approval-verifier.ts';
import type { OrderExecutor } from '../integrations/order-executor.ts';
import { announcingConsumption } from './announced-consumption.ts';
import { type BundleOpener, createPortalSigningKeys, fetchCredentialBundle } from './credential-bundles.ts';
import { createDeltaOrderExecutor } from './delta-order-executor.ts';
import { createPortalAccountReader } from './portal-account-reader.ts';
import { createPortalApprovalStatus } from './portal-approval-status.ts';
import { createPortalApprovalVerifier } from './portal-approval-verifier.ts';
import { createPortalClient } from './portal-client.ts';
import { reconcileOnce, startReconciler } from './reconciler.ts';

export interface ExchangeWiringOptions {
  db: Db;
  logger: Logger;
  /** Plant's own keys: signs calls to the portals, decrypts credential bundles. */
  keys: ServiceKeys;
  /** Internal API base URLs of the portals that mint approvals and hold keys. */
  portals: { pp?: string; cp?: string };
  /** Their JWKS URLs (bundle signatures). */
  portalJwks: { pp?: string; cp?: string };
  paperUrl?: string;
  recordUsage: UsageRecorder;
  replayWaitMs?: number;
  /** How long an order's absence stays provisional before it is `not_placed` (default 900 s). */
  reconcileHorizonS?: number;
  /** The request path's hold on an execution it records, renewed while it works (default 30 s). */
  executionLeaseS?: number;
  /** The request path's hold on an execution it announced before consuming its approval (default 60 s). */
  attemptLeaseS?: number;
}

export interface ExchangeWiring {
  approvalVerifier: ApprovalVerifier;
  orderExecutor: OrderExecutor;
  accountReader: AccountReader;
  reconcileOnce(options?: { horizonS?: number }): Promise<number>;
  startReconciler(intervalMs?: number): () => Promise<void>;
}

/** The approved-execution path: portal approvals, credential bundles, the Delta executor and its reconciler. */
export function createExchangeWiring(o: ExchangeWiringOptions): ExchangeWiring {
  const portals = createPortalClient(o.keys, o.portals);
  const portalSigningKey = createPortalSigningKeys(o.portalJwks);
  // The approval's consumption brings the bundle along (sealed, in the verdict); the executor of that request opens
  // it instead of asking the portal again. A bundle is opened once: its jti goes into used_token_ids (the same
  // replay cache as identity assertions), so neither a replayed answer nor a second Plant can open it again.
  const bundleDeps = { portals, keys: o.keys, portalSigningKey, replay: createReplayCache(o.db) };
  const openBundle: BundleOpener = (req, sealed) => fetchCredentialBundle(bundleDeps, req, sealed);
  const reconcilerDeps = {
    db: o.db,
    logger: o.logger,
    openBundle,
    recordUsage: o.recordUsage,
    approvalStatus: createPortalApprovalStatus(portals),
    paperUrl: o.paperUrl,
    horizonS: o.reconcileHorizonS,
  };
  return {
    approvalVerifier: announcingConsumption(createPortalApprovalVerifier(portals, { withBundle: true }), {
      db: o.db,
      logger: o.logger,
      leaseS: o.attemptLeaseS,
    }),
    accountReader: createPortalAccountReader(portals),
    orderExecutor: createDeltaOrderExecutor({
      db: o.db,
      logger: o.logger,
      openBundle,
      paperUrl: o.paperUrl,
      replayWaitMs: o.replayWaitMs,
      leaseS: o.executionLeaseS,
    }),
    reconcileOnce: (opts = {}) => reconcileOnce({ ...reconcilerDeps, ...opts }),
    startReconciler: (intervalMs) => startReconciler(reconcilerDeps, intervalMs),
  };
}
