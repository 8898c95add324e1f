import type {
  TAgentSetup,
  TFieldError,
  THiredAgent,
  THiredAgentUpdate,
  THireRequest,
} from '@delta/contracts';
import type { Db } from '@delta/server-kit';
import { appendAudit } from '../audit/audit-log.ts';
import { findCustomerById } from '../db/customers-repository.ts';
import {
  findHiredAgentById,
  type HiredAgentRow,
  insertHiredAgent,
  listHiredAgents,
  type RunLimits,
  reserveRunIfAllowed,
  setPaused,
  updateHiredAgentSetup,
} from '../db/hired-agents-repository.ts';
import type { RunQuotaVerdict } from '../hooks/trading-hooks.ts';
import { type MarketData, MarketDataUnavailableError } from '../integrations/market-data.ts';
import { invalidFields, problem } from '../problems.ts';
import type { ReferenceAgentRegistry } from './reference-agents.ts';

export interface HiredAgentDeps {
  db: Db;
  registry: ReferenceAgentRegistry;
  marketData: MarketData;
  newId: () => string;
  now: () => Date;
}

/** The trial and budget of the hire's plan, and what is used of them at `now` (the quota's own rules). */
function usageOf(row: HiredAgentRow, deps: Pick<HiredAgentDeps, 'registry' | 'now'>): THiredAgent['usage'] {
  const spec = deps.registry.get(row.agent_id)?.spec;
  if (!spec) return { trial: null, daily_budget: null };
  const trial = spec.dimensions.trial;
  const budget = spec.dimensions.budget;
  const day = deps.now().toISOString().slice(0, 10);
  return {
    trial:
      row.plan === 'trial' && trial.present
        ? {
            ends_at:
              trial.config.duration_days === undefined
                ? null
                : new Date(row.hired_at.getTime() + trial.config.duration_days * DAY_MS).toISOString(),
            max_runs: trial.config.max_runs ?? null,
            runs_used: Number(row.runs_used),
          }
        : null,
    daily_budget: budget.present
      ? {
          max_runs_per_day: budget.config.max_runs_per_day,
          runs_today: row.budget_day === day ? Number(row.budget_day_runs) : 0,
        }
      : null,
  };
}

export function toHiredAgent(
  row: HiredAgentRow,
  deps: Pick<HiredAgentDeps, 'registry' | 'now'>,
): THiredAgent {
  return {
    hired_agent_id: row.hired_agent_id,
    customer_id: row.customer_id,
    agent_id: row.agent_id,
    plan: row.plan,
    setup: row.setup as TAgentSetup,
    setup_version: Number(row.setup_version),
    runs_used: Number(row.runs_used),
    usage: usageOf(row, deps),
    hired_at: row.hired_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    paused: row.paused_at
      ? { at: row.paused_at.toISOString(), reason: row.paused_reason ?? '', by: row.paused_by ?? '' }
      : null,
  };
}

/** Rules that need the product catalogue: every coin must be a product, and the leverage within its maximum. */
async function validateSetupAgainstCatalogue(marketData: MarketData, setup: TAgentSetup): Promise<void> {
  const errors: TFieldError[] = [];
  for (const [i, coin] of setup.allowed_coins.entries()) {
    let product: Awaited<ReturnType<MarketData['productForCoin']>>;
    try {
      product = await marketData.productForCoin(coin);
    } catch (err) {
      if (!(err instanceof MarketDataUnavailableError)) throw err;
      throw problem('market_data_unavailable', err.message, { retryAfterS: err.retryAfterS });
    }
    if (!product) {
      errors.push({
        path: `allowed_coins.${i}`,
        code: 'unknown_coin',
        message: `${coin} is not a product in the exchange's catalogue`,
      });
    } else {
      if (setup.leverage !== undefined && setup.leverage > product.max_leverage) {
        errors.push({
          path: 'leverage',
          code: 'too_big',
          message: `${product.symbol} allows at most ${product.max_leverage}× leverage`,
        });
      }
      // A band the exchange would not honour promises nothing: at most the product's own band.
      const bps = setup.approval_policy?.price_band_bps;
      if (
        bps !== undefined &&
        product.price_band_pct !== undefined &&
        bps > Number(product.price_band_pct) * 100
      ) {
        errors.push({
          path: 'approval_policy.price_band_bps',
          code: 'too_big',
          message: `${product.symbol} moves at most ${product.price_band_pct} % from the mark (${Number(product.price_band_pct) * 100} bps): the band cannot be wider`,
        });
      }
    }
  }
  if (errors.length) throw invalidFields(errors, 'The agent setup does not fit the exchange catalogue.');
}

/** Setup changes are audited too: who configured what is part of the trail an approval is judged against. */
async function auditSetup(
  deps: HiredAgentDeps,
  kind: string,
  row: HiredAgentRow,
  correlationId: string,
  change: { actor?: string; previousPlan?: string } = {},
) {
  const planChange =
    change.previousPlan !== undefined && change.previousPlan !== row.plan
      ? { plan_changed_from: change.previousPlan }
      : {};
  await appendAudit(deps.db, {
    record_id: deps.newId(),
    kind,
    correlation_id: correlationId,
    customer_id: row.customer_id,
    agent_id: row.agent_id,
    hired_agent_id: row.hired_agent_id,
    outcome: 'ok',
    details: {
      ...(change.actor ? { actor: change.actor } : {}),
      plan: row.plan,
      ...planChange,
      setup_version: Number(row.setup_version),
      setup: row.setup,
    },
    recorded_at: deps.now(),
  });
}

export async function hireAgent(
  deps: HiredAgentDeps,
  request: THireRequest,
  correlationId: string,
): Promise<THiredAgent> {
  const agent = deps.registry.get(request.agent_id);
  if (!agent) throw problem('agent_not_found', `No reference agent ${request.agent_id}.`);
  // Plant owns customer_ids: a hire for an id it never issued is refused (the foreign key backs this up).
  if (!(await findCustomerById(deps.db, request.customer_id)))
    throw problem('customer_not_found', `No customer ${request.customer_id}.`);
  await validateSetupAgainstCatalogue(deps.marketData, request.setup);
  const row = await insertHiredAgent(deps.db, {
    hiredAgentId: deps.newId(),
    customerId: request.customer_id,
    agentId: request.agent_id,
    plan: request.plan,
    setup: request.setup,
    now: deps.now(),
  });
  if (!row) {
    throw problem(
      'already_hired',
      `Customer ${request.customer_id} already hired ${request.agent_id}; update its setup instead.`,
    );
  }
  await auditSetup(deps, 'agent_setup.created', row, correlationId);
  return toHiredAgent(row, deps);
}

export async function getHiredAgent(deps: HiredAgentDeps, id: string): Promise<THiredAgent> {
  const row = await findHiredAgentById(deps.db, id);
  if (!row) throw problem('hired_agent_not_found', `No hired agent ${id}.`);
  return toHiredAgent(row, deps);
}

export async function findHiredAgents(
  deps: HiredAgentDeps,
  filter: { customerId?: string | undefined; agentId?: string | undefined },
): Promise<THiredAgent[]> {
  return (await listHiredAgents(deps.db, filter)).map((row) => toHiredAgent(row, deps));
}

export async function updateHiredAgent(
  deps: HiredAgentDeps,
  id: string,
  change: THiredAgentUpdate,
  correlationId: string,
  by: { actor?: string; previousPlan?: string } = {},
): Promise<THiredAgent> {
  await validateSetupAgainstCatalogue(deps.marketData, change.setup);
  const row = await updateHiredAgentSetup(deps.db, id, {
    plan: change.plan,
    setup: change.setup,
    now: deps.now(),
  });
  if (!row) throw problem('hired_agent_not_found', `No hired agent ${id}.`);
  await auditSetup(deps, 'agent_setup.updated', row, correlationId, by);
  return toHiredAgent(row, deps);
}

const DAY_MS = 86_400_000;

type AgentSpec = NonNullable<ReturnType<ReferenceAgentRegistry['get']>>['spec'];

/** The spec's trial and budget as statement parameters (null = no limit). */
function runLimits(spec: AgentSpec): RunLimits {
  const { trial, budget } = spec.dimensions;
  return {
    trialDays: trial.present ? (trial.config.duration_days ?? null) : null,
    trialMaxRuns: trial.present ? (trial.config.max_runs ?? null) : null,
    maxRunsPerDay: budget.present ? budget.config.max_runs_per_day : null,
  };
}

/** Why `row` may not take a run at `now` under `spec`; undefined = it may. */
function quotaDenial(spec: AgentSpec, row: HiredAgentRow, now: Date): RunQuotaVerdict | undefined {
  if (row.paused_at) {
    return {
      ok: false,
      reason: 'agent_paused',
      detail: `the agent is paused (${row.paused_reason ?? 'no reason given'}): resume it to enter new trades`,
    };
  }
  const trial = spec.dimensions.trial;
  if (row.plan === 'trial' && trial.present) {
    const { duration_days: days, max_runs: maxRuns } = trial.config;
    if (days !== undefined && now.getTime() >= row.hired_at.getTime() + days * DAY_MS) {
      return { ok: false, reason: 'trial_expired', detail: `the ${days}-day trial has ended` };
    }
    if (maxRuns !== undefined && Number(row.runs_used) >= maxRuns) {
      return {
        ok: false,
        reason: 'trial_runs_exhausted',
        detail: `the trial's ${maxRuns} runs are used up`,
      };
    }
  }
  const day = now.toISOString().slice(0, 10);
  const dayRuns = row.budget_day === day ? Number(row.budget_day_runs) : 0;
  const budget = spec.dimensions.budget;
  if (budget.present && dayRuns >= budget.config.max_runs_per_day) {
    const nextDay = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
    return {
      ok: false,
      reason: 'budget_exceeded',
      detail: `the daily budget of ${budget.config.max_runs_per_day} runs is used up`,
      retryAfterS: Math.ceil((nextDay - now.getTime()) / 1000),
    };
  }
  return undefined;
}

/**
 * Whether the hired agent could take a run now, without taking one (a draft of an entry shows it): the same rules
 * as reserveRun, read from the row.
 */
export async function runQuotaStatus(deps: HiredAgentDeps, hiredAgentId: string): Promise<RunQuotaVerdict> {
  const row = await findHiredAgentById(deps.db, hiredAgentId);
  if (!row) return { ok: false, reason: 'hired_agent_not_found', detail: 'the hired agent no longer exists' };
  const spec = deps.registry.get(row.agent_id)?.spec;
  if (!spec) return { ok: false, reason: 'agent_not_found', detail: 'the reference agent is not registered' };
  return quotaDenial(spec, row, deps.now()) ?? { ok: true };
}

// A reservation that matched no row although the row read right after fits: the row changed in between (a plan
// change, another agent id than the caller's). Retried with what the row says, a few times.
const RESERVE_ATTEMPTS = 3;

/**
 * Takes one run from the hired agent's trial and daily budget, or says why not. The success path is ONE
 * conditional UPDATE (no transaction, no SELECT ... FOR UPDATE): it counts the run only if the hire belongs to
 * `agentId` and fits the limits of that agent's spec at deps.now(), and PostgreSQL re-checks its WHERE on the
 * newest row version, so concurrent runs cannot both use the last slot. Only when it counted nothing is the row
 * read (no lock) to give the reason: hired_agent_not_found, agent_not_found, trial_expired, trial_runs_exhausted
 * or budget_exceeded (with retryAfterS), decided by the same rules at the same instant as the statement.
 */
export async function reserveRun(
  deps: HiredAgentDeps,
  hiredAgentId: string,
  agentId: string,
): Promise<RunQuotaVerdict> {
  const now = deps.now();
  const day = now.toISOString().slice(0, 10);
  let forAgent = agentId;
  for (let attempt = 1; ; attempt++) {
    const spec = deps.registry.get(forAgent)?.spec;
    if (spec && (await reserveRunIfAllowed(deps.db, hiredAgentId, forAgent, now, day, runLimits(spec)))) {
      return { ok: true };
    }
    const row = await findHiredAgentById(deps.db, hiredAgentId);
    if (!row)
      return { ok: false, reason: 'hired_agent_not_found', detail: 'the hired agent no longer exists' };
    const rowSpec = deps.registry.get(row.agent_id)?.spec;
    if (!rowSpec)
      return { ok: false, reason: 'agent_not_found', detail: 'the reference agent is not registered' };
    const denial = quotaDenial(rowSpec, row, now);
    if (denial) return denial;
    if (attempt >= RESERVE_ATTEMPTS) throw new Error(`the run quota of ${hiredAgentId} did not settle`);
    forAgent = row.agent_id;
  }
}

/**
 * The brake: pauses (no new entry is approvable or executed; exits and cancels still are) or resumes a hire.
 * Audited with who and why; idempotent (pausing a paused hire keeps its first pause).
 */
export async function setHiredAgentPaused(
  deps: HiredAgentDeps,
  id: string,
  change: { paused: true; reason: string } | { paused: false },
  correlationId: string,
  actor: string,
): Promise<THiredAgent> {
  const row = await setPaused(
    deps.db,
    id,
    change.paused
      ? { paused: true, reason: change.reason, by: actor, now: deps.now() }
      : { paused: false, now: deps.now() },
  );
  if (!row) throw problem('hired_agent_not_found', `No hired agent ${id}.`);
  await appendAudit(deps.db, {
    record_id: deps.newId(),
    kind: change.paused ? 'hired_agent.paused' : 'hired_agent.resumed',
    correlation_id: correlationId,
    customer_id: row.customer_id,
    agent_id: row.agent_id,
    hired_agent_id: row.hired_agent_id,
    outcome: 'ok',
    details: { actor, ...(change.paused ? { reason: change.reason } : {}) },
    recorded_at: deps.now(),
  });
  return toHiredAgent(row, deps);
}
