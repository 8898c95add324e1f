import type { Db } from '@delta/server-kit';
import { type HiredAgentDeps, reserveRun, runQuotaStatus } from './agent-mold/hired-agents.ts';
import type { ReferenceAgentRegistry } from './agent-mold/reference-agents.ts';
import { createDecisionRecorder } from './audit/policy-decisions.ts';
import { createUsageRecorder } from './audit/usage-events.ts';
import { findExecutionByApproval } from './execution/executions-repository.ts';
import { createHookBus } from './hooks/hook-bus.ts';
import {
  approvalRequiredHook,
  executedApprovalHook,
  intentActionHook,
  quotaHook,
  riskCheckHook,
  TRADING_ALLOWLIST,
} from './hooks/trading-hooks.ts';
import type { AccountReader } from './integrations/account-reader.ts';
import { type ApprovalVerifier, failClosedApprovalVerifier } from './integrations/approval-verifier.ts';
import type { MarketData } from './integrations/market-data.ts';
import { type OrderExecutor, unavailableOrderExecutor } from './integrations/order-executor.ts';
import type { RunDeps } from './skills/trading/run-trading-agent.ts';

export interface RunServiceOptions {
  db: Db;
  registry: ReferenceAgentRegistry;
  marketData: MarketData;
  hiredAgents: HiredAgentDeps;
  /** Default: refuses every approval (fail closed). */
  approvalVerifier?: ApprovalVerifier | undefined;
  /** Default: none configured (exchange_unavailable). */
  orderExecutor?: OrderExecutor | undefined;
  accountReader?: AccountReader | undefined;
  /** INR per USD as a decimal string; Delta India uses a fixed 85. */
  inrPerUsd?: string | undefined;
  hookTimeoutMs?: number | undefined;
  newId: () => string;
  now: () => Date;
}

/**
 * What runTradingAgent needs, wired the one way every caller uses: the HTTP route and, next, the scheduler. The
 * hook bus denies by default; its hooks run in this order (the first deny wins).
 */
export function createRunService(o: RunServiceOptions): RunDeps {
  const bus = createHookBus({
    hooks: [
      intentActionHook,
      // A replay of an executed approval is answered with its record, whatever the account looks like now.
      executedApprovalHook(async (id) => (await findExecutionByApproval(o.db, id)) !== undefined),
      // Before the approval is consumed: a trade that fails its risk re-check leaves the approval pending (the
      // bus stops at the first deny), so the customer's approval is not burned by a check that was going to fail.
      riskCheckHook,
      approvalRequiredHook(o.approvalVerifier ?? failClosedApprovalVerifier),
      quotaHook((id, agentId) => reserveRun(o.hiredAgents, id, agentId)),
    ],
    allowlist: TRADING_ALLOWLIST,
    record: createDecisionRecorder(o.db, o.newId, o.now),
    newId: o.newId,
    hookTimeoutMs: o.hookTimeoutMs,
  });
  return {
    db: o.db,
    registry: o.registry,
    marketData: o.marketData,
    bus,
    executor: o.orderExecutor ?? unavailableOrderExecutor,
    recordUsage: createUsageRecorder(o.db, o.newId, o.now),
    runQuotaStatus: (id) => runQuotaStatus(o.hiredAgents, id),
    accountReader: o.accountReader,
    inrPerUsd: o.inrPerUsd ?? '85',
    newId: o.newId,
  };
}
