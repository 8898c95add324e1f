import {
  INTENT_ACTION_FOR,
  type TAgentSetup,
  type TDraftPlan,
  type TTradeRunRequest,
} from '@delta/contracts';
import type { Queryable } from '@delta/server-kit';
import type { ReferenceAgentRegistry } from '../../agent-mold/reference-agents.ts';
import { findHiredAgent, type HiredAgentRow } from '../../db/hired-agents-repository.ts';
import { QUOTA_ACTIONS, type RunQuotaVerdict } from '../../hooks/trading-hooks.ts';
import { type AccountReader, AccountUnavailableError } from '../../integrations/account-reader.ts';
import {
  type MarketData,
  MarketDataUnavailableError,
  type ProductSpec,
} from '../../integrations/market-data.ts';
import { Refusal } from '../../refusal.ts';
import { buildCancelPlan } from './draft-cancel-plan.ts';
import { buildDraftPlan } from './draft-plan.ts';

export interface PlanDeps {
  db: Queryable;
  registry: ReferenceAgentRegistry;
  marketData: MarketData;
  /** Whether the hire could take a run now, without taking one (shown on a draft of an entry). */
  runQuotaStatus: (hiredAgentId: string) => Promise<RunQuotaVerdict>;
  /** Reads the customer's exchange account through the portal that keeps the key; absent = not checked here. */
  accountReader?: AccountReader;
  inrPerUsd: string;
}

/** Who and what a run is about: the reference agent, the customer's hire of it, its setup and the product. */
export interface RunTarget {
  agentId: string;
  playbookId: string;
  hired: HiredAgentRow;
  setup: TAgentSetup;
  product: ProductSpec;
}

/** A read of market data, or the refusal when the source cannot answer now. */
async function fromMarket<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof MarketDataUnavailableError)) throw err;
    throw new Refusal('market_data_unavailable', err.message, { retryAfterS: err.retryAfterS });
  }
}

/** Resolves the run's agent, hire and product, or refuses (Refusal) with the reason the caller should see. */
export async function resolveRunTarget(
  deps: PlanDeps,
  agentId: string,
  request: Pick<TTradeRunRequest, 'customer_id' | 'coin'>,
): Promise<RunTarget> {
  const agent = deps.registry.get(agentId);
  if (!agent) throw new Refusal('agent_not_found', `No reference agent ${agentId}.`);
  if (agent.agent_type !== 'trading') {
    throw new Refusal('unsupported_agent_type', `${agentId} does not take trade intents.`);
  }
  const hired = await findHiredAgent(deps.db, request.customer_id, agentId);
  if (!hired) {
    throw new Refusal('hired_agent_not_found', `Customer ${request.customer_id} has not hired ${agentId}.`);
  }
  const product = await fromMarket(() => deps.marketData.productForCoin(request.coin));
  if (!product) {
    const errors = [
      {
        path: 'coin',
        code: 'unknown_coin',
        message: `${request.coin} is not a product in the exchange's catalogue`,
      },
    ];
    throw new Refusal('validation_failed', 'The request has invalid fields.', { facts: { errors } });
  }
  return {
    agentId,
    playbookId: agent.playbook.playbook_id,
    hired,
    setup: hired.setup as TAgentSetup,
    product,
  };
}

/**
 * The plan of a run, at the current mark: what would be sent and every risk check. An entry's draft shows
 * whether the hire could take a run; an exit shows (and is checked against) the position it reduces; a cancel
 * shows the order as the exchange holds it. `checkAccount: false` builds it without the account reads (the
 * re-check after consumption, where the executor reads the account itself).
 */
export async function planTrade(
  deps: PlanDeps,
  target: RunTarget,
  request: TTradeRunRequest,
  correlationId: string,
  options: { checkAccount?: boolean } = {},
): Promise<TDraftPlan> {
  const checkAccount = options.checkAccount ?? true;
  const subject = {
    agentId: target.agentId,
    hiredAgentId: target.hired.hired_agent_id,
    customerId: request.customer_id,
    setup: target.setup,
  };
  const account = {
    credentialRef: target.setup.credential_ref,
    customerId: request.customer_id,
    productId: target.product.id,
    correlationId,
  };
  const markPrice = await fromMarket(() => deps.marketData.markPrice(target.product.symbol));
  const planOptions = { playbookId: target.playbookId, inrPerUsd: deps.inrPerUsd };

  if (request.action === 'cancel') {
    if (!deps.accountReader) {
      throw new Refusal('account_unavailable', 'No portal is configured to read the exchange account.');
    }
    let order: Awaited<ReturnType<AccountReader['order']>>;
    try {
      order = await deps.accountReader.order({ ...account, orderId: request.order_id });
    } catch (err) {
      const why = err instanceof AccountUnavailableError ? err.why : 'the portal did not answer';
      throw new Refusal('account_unavailable', `The order could not be read (${why}); try again.`, {
        retryAfterS: 5,
      });
    }
    if (!order) {
      throw new Refusal(
        'order_not_found',
        `The exchange account has no order ${request.order_id}; nothing to cancel.`,
      );
    }
    return buildCancelPlan(request, subject, target.product, markPrice, order, planOptions);
  }

  // An execution that adds risk took its run at pre_run (QuotaHook); a draft of one shows whether it could.
  const limited = QUOTA_ACTIONS.has(INTENT_ACTION_FOR[request.action]);
  const runQuota =
    !limited || !checkAccount
      ? undefined
      : request.intent_action === undefined
        ? await deps.runQuotaStatus(target.hired.hired_agent_id)
        : ({ ok: true } as const);
  const openPosition =
    request.action === 'exit' && deps.accountReader && checkAccount
      ? await deps.accountReader.openSize(account).then(
          (size) => ({ size }),
          (err: unknown) => ({
            unavailable: err instanceof AccountUnavailableError ? err.why : 'the portal did not answer',
          }),
        )
      : undefined;
  return buildDraftPlan(request, subject, target.product, markPrice, {
    ...planOptions,
    runQuota,
    openPosition,
  });
}

export type RecheckVerdict = { ok: true } | { ok: false; detail: string; failed: string[] };

/**
 * The re-check after the approval was consumed, for what may have changed while it was being consumed: the setup
 * (coins, limits, the pinned account — read again) and the mark (notional, price band). The account itself (the
 * position, the order) is read by the executor just before it acts.
 */
export async function recheckPlan(
  deps: PlanDeps,
  agentId: string,
  request: TTradeRunRequest,
  approved: TDraftPlan,
  correlationId: string,
): Promise<RecheckVerdict> {
  if (request.action === 'cancel') {
    // A cancel takes risk off the book: only the setup's pinned account can have changed what it may touch.
    const hired = await findHiredAgent(deps.db, request.customer_id, agentId);
    const pinned = (hired?.setup as TAgentSetup | undefined)?.exchange_account_id;
    if (!hired) return { ok: false, detail: 'the hire no longer exists', failed: ['hired_agent'] };
    if (pinned !== undefined && pinned !== request.exchange_account_id) {
      return {
        ok: false,
        detail: 'the setup now pins another exchange account',
        failed: ['exchange_account'],
      };
    }
    return { ok: true };
  }
  let plan: TDraftPlan;
  try {
    const target = await resolveRunTarget(deps, agentId, request);
    plan = await planTrade(deps, target, request, correlationId, { checkAccount: false });
  } catch (err) {
    const detail = err instanceof Refusal ? err.code : 'the plan could not be built again';
    return { ok: false, detail, failed: ['recheck'] };
  }
  if (plan.intent_hash !== approved.intent_hash) {
    return { ok: false, detail: 'the plan no longer matches the approved intent', failed: ['intent'] };
  }
  const failed = plan.risk_checks.filter((c) => !c.passed);
  if (failed.length > 0) {
    return { ok: false, detail: failed.map((c) => c.reason).join('; '), failed: failed.map((c) => c.check) };
  }
  return { ok: true };
}
