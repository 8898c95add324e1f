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
}

const COLUMNS = `hired_agent_id, customer_id, agent_id, plan, setup, setup_version, runs_used, budget_day,
  budget_day_runs, hired_at, updated_at`;

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

/** Locks the hire's counters for the rest of the transaction, so concurrent runs cannot both take the last slot. */
export async function lockHiredAgentCounters(q: Queryable, id: string): Promise<HiredAgentRow | undefined> {
  const r = await q.query<HiredAgentRow>(
    `SELECT ${COLUMNS} FROM hired_agents WHERE hired_agent_id = $1 FOR UPDATE`,
    [id],
  );
  return r.rows[0];
}

export async function countRun(q: Queryable, id: string, day: string, dayRuns: number): Promise<void> {
  await q.query(
    `UPDATE hired_agents SET runs_used = runs_used + 1, budget_day = $2, budget_day_runs = $3
     WHERE hired_agent_id = $1`,
    [id, day, dayRuns],
  );
}
