import type { Queryable } from '@delta/server-kit';

export interface HiredAgentRow {
  hired_agent_id: string;
  customer_id: string;
  agent_id: string;
  plan: 'trial' | 'paid';
  setup: unknown;
  setup_version: number;
  runs_used: number;
  budget_day: string | null;
  budget_day_runs: number;
  hired_at: Date;
  updated_at: Date;
  /** Set while the agent is paused (the customer's or ops' brake): no new entry until resumed. */
  paused_at: Date | null;
  paused_reason: string | null;
  paused_by: string | null;
}

const COLUMNS = `hired_agent_id, customer_id, agent_id, plan, setup, setup_version, runs_used, budget_day,
  budget_day_runs, hired_at, updated_at, paused_at, paused_reason, paused_by`;

/** Inserts a hire; undefined when the customer already hired this agent. */
export async function insertHiredAgent(
  q: Queryable,
  row: { hiredAgentId: string; customerId: string; agentId: string; plan: string; setup: unknown; now: Date },
): Promise<HiredAgentRow | undefined> {
  const r = await q.query<HiredAgentRow>(
    `INSERT INTO hired_agents (hired_agent_id, customer_id, agent_id, plan, setup, hired_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6)
     ON CONFLICT (customer_id, agent_id) DO NOTHING
     RETURNING ${COLUMNS}`,
    [row.hiredAgentId, row.customerId, row.agentId, row.plan, JSON.stringify(row.setup), row.now],
  );
  return r.rows[0];
}

export async function findHiredAgentById(q: Queryable, id: string): Promise<HiredAgentRow | undefined> {
  const r = await q.query<HiredAgentRow>(`SELECT ${COLUMNS} FROM hired_agents WHERE hired_agent_id = $1`, [
    id,
  ]);
  return r.rows[0];
}

export async function findHiredAgent(
  q: Queryable,
  customerId: string,
  agentId: string,
): Promise<HiredAgentRow | undefined> {
  const r = await q.query<HiredAgentRow>(
    `SELECT ${COLUMNS} FROM hired_agents WHERE customer_id = $1 AND agent_id = $2`,
    [customerId, agentId],
  );
  return r.rows[0];
}

export async function listHiredAgents(
  q: Queryable,
  filter: { customerId?: string | undefined; agentId?: string | undefined },
): Promise<HiredAgentRow[]> {
  const r = await q.query<HiredAgentRow>(
    `SELECT ${COLUMNS} FROM hired_agents
     WHERE ($1::text IS NULL OR customer_id = $1) AND ($2::text IS NULL OR agent_id = $2)
     ORDER BY hired_at, hired_agent_id LIMIT 500`,
    [filter.customerId ?? null, filter.agentId ?? null],
  );
  return r.rows;
}

export async function updateHiredAgentSetup(
  q: Queryable,
  id: string,
  change: { plan: string | undefined; setup: unknown; now: Date },
): Promise<HiredAgentRow | undefined> {
  const r = await q.query<HiredAgentRow>(
    `UPDATE hired_agents
     SET setup = $2, plan = COALESCE($3, plan), setup_version = setup_version + 1, updated_at = $4
     WHERE hired_agent_id = $1
     RETURNING ${COLUMNS}`,
    [id, JSON.stringify(change.setup), change.plan ?? null, change.now],
  );
  return r.rows[0];
}

/** The limits a run must fit, from the agent's spec; null = no such limit. */
export interface RunLimits {
  /** The trial's length in days; applies to plan 'trial' only. */
  trialDays: number | null;
  /** The trial's total runs; applies to plan 'trial' only. */
  trialMaxRuns: number | null;
  /** Runs per UTC day (budget_day); applies to every plan. */
  maxRunsPerDay: number | null;
}

/**
 * Takes one run in ONE conditional statement: counts it only if the hire exists, belongs to `agentId`, and fits
 * the limits at `now` (the caller's clock, never the database's); `day` is now's UTC date. The row lock the UPDATE
 * takes, and PostgreSQL re-checking the WHERE on the newest row version after waiting for it, make check and
 * count one step: concurrent runs cannot both take the last slot. undefined = nothing was counted (the caller
 * reads the row to say why).
 */
export async function reserveRunIfAllowed(
  q: Queryable,
  id: string,
  agentId: string,
  now: Date,
  day: string,
  limits: RunLimits,
): Promise<HiredAgentRow | undefined> {
  const r = await q.query<HiredAgentRow>(
    `UPDATE hired_agents
     SET runs_used = runs_used + 1,
         budget_day = $4::text,
         budget_day_runs = CASE WHEN budget_day = $4::text THEN budget_day_runs + 1 ELSE 1 END
     WHERE hired_agent_id = $1
       AND agent_id = $2
       AND paused_at IS NULL
       AND (plan <> 'trial'
            OR (($5::integer IS NULL OR $3::timestamptz < hired_at + $5::integer * interval '86400 seconds')
                AND ($6::integer IS NULL OR runs_used < $6::integer)))
       AND ($7::integer IS NULL
            OR (CASE WHEN budget_day = $4::text THEN budget_day_runs ELSE 0 END) < $7::integer)
     RETURNING ${COLUMNS}`,
    [id, agentId, now, day, limits.trialDays, limits.trialMaxRuns, limits.maxRunsPerDay],
  );
  return r.rows[0];
}

/**
 * Pauses (with who and why) or resumes a hire; the row, or undefined when there is none. Pausing a paused hire
 * keeps its first pause (when and by whom); resuming a running one changes nothing.
 */
export async function setPaused(
  q: Queryable,
  id: string,
  change: { paused: true; reason: string; by: string; now: Date } | { paused: false; now: Date },
): Promise<HiredAgentRow | undefined> {
  const r = change.paused
    ? await q.query<HiredAgentRow>(
        `UPDATE hired_agents
         SET paused_at = COALESCE(paused_at, $2), paused_reason = COALESCE(paused_reason, $3),
             paused_by = COALESCE(paused_by, $4)
         WHERE hired_agent_id = $1
         RETURNING ${COLUMNS}`,
        [id, change.now, change.reason, change.by],
      )
    : await q.query<HiredAgentRow>(
        `UPDATE hired_agents SET paused_at = NULL, paused_reason = NULL, paused_by = NULL
         WHERE hired_agent_id = $1
         RETURNING ${COLUMNS}`,
        [id],
      );
  return r.rows[0];
}
