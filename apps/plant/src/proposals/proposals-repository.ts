import type { Queryable } from '@delta/server-kit';

export interface ProposalRow {
  proposal_id: string;
  customer_id: string;
  hired_agent_id: string;
  agent_id: string;
  source: 'customer' | 'ops' | 'strategy';
  /** As read: an open proposal past expires_at is 'expired' (the database's clock decides). */
  state: 'open' | 'approved' | 'rejected' | 'expired';
  run: Record<string, unknown>;
  plan: unknown;
  note: string | null;
  created_by: string;
  created_at: Date;
  quoted_at: Date;
  ttl_s: number;
  expires_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  reject_reason: string | null;
  approval_id: string | null;
  execution: unknown;
}

const COLUMNS = `proposal_id, customer_id, hired_agent_id, agent_id, source,
  CASE WHEN state = 'open' AND expires_at <= now() THEN 'expired' ELSE state END AS state,
  run, plan, note, created_by, created_at, quoted_at, ttl_s, expires_at, decided_at, decided_by, reject_reason,
  approval_id, execution`;

export async function insertProposal(
  q: Queryable,
  p: {
    proposalId: string;
    customerId: string;
    hiredAgentId: string;
    agentId: string;
    source: ProposalRow['source'];
    run: unknown;
    plan: unknown;
    note: string | null;
    createdBy: string;
    ttlS: number;
  },
): Promise<ProposalRow> {
  const r = await q.query<ProposalRow>(
    `INSERT INTO proposals (proposal_id, customer_id, hired_agent_id, agent_id, source, state, run, plan, note,
       created_by, ttl_s, expires_at)
     VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10::integer, now() + $10::integer * interval '1 second')
     RETURNING ${COLUMNS}`,
    [
      p.proposalId,
      p.customerId,
      p.hiredAgentId,
      p.agentId,
      p.source,
      JSON.stringify(p.run),
      JSON.stringify(p.plan),
      p.note,
      p.createdBy,
      p.ttlS,
    ],
  );
  return r.rows[0]!;
}

export async function findProposal(q: Queryable, id: string): Promise<ProposalRow | undefined> {
  const r = await q.query<ProposalRow>(`SELECT ${COLUMNS} FROM proposals WHERE proposal_id = $1`, [id]);
  return r.rows[0];
}

export async function listProposals(
  q: Queryable,
  filter: { customerId: string | undefined; state: ProposalRow['state'] | undefined; limit: number },
): Promise<ProposalRow[]> {
  const r = await q.query<ProposalRow>(
    `SELECT * FROM (SELECT ${COLUMNS} FROM proposals WHERE ($1::text IS NULL OR customer_id = $1)) p
     WHERE ($2::text IS NULL OR state = $2)
     ORDER BY created_at DESC, proposal_id
     LIMIT $3`,
    [filter.customerId ?? null, filter.state ?? null, filter.limit],
  );
  return r.rows;
}

/** A fresh quote of an open proposal (expired ones too: a re-quote renews its time). Undefined: not open. */
export async function requoteProposal(
  q: Queryable,
  id: string,
  plan: unknown,
): Promise<ProposalRow | undefined> {
  const r = await q.query<ProposalRow>(
    `UPDATE proposals SET plan = $2, quoted_at = now(), expires_at = now() + ttl_s * interval '1 second'
     WHERE proposal_id = $1 AND state = 'open'
     RETURNING ${COLUMNS}`,
    [id, JSON.stringify(plan)],
  );
  return r.rows[0];
}

/** Rejects an open, unexpired proposal; undefined when it is not (the first answer wins). */
export async function rejectProposal(
  q: Queryable,
  id: string,
  decision: { by: string; reason: string },
): Promise<ProposalRow | undefined> {
  const r = await q.query<ProposalRow>(
    `UPDATE proposals SET state = 'rejected', reject_reason = $3, decided_by = $2, decided_at = now()
     WHERE proposal_id = $1 AND state = 'open' AND expires_at > now()
     RETURNING ${COLUMNS}`,
    [id, decision.by, decision.reason],
  );
  return r.rows[0];
}

/**
 * Records that the proposal was approved and executed with `approvalId` (whatever the execution came to). A
 * replay with the same approval updates the execution it shows; another approval never replaces the first.
 */
export async function markProposalApproved(
  q: Queryable,
  id: string,
  decision: { by: string; approvalId: string; execution: unknown },
): Promise<ProposalRow | undefined> {
  const r = await q.query<ProposalRow>(
    `UPDATE proposals SET state = 'approved', approval_id = $3, execution = $4,
       decided_by = COALESCE(decided_by, $2), decided_at = COALESCE(decided_at, now())
     WHERE proposal_id = $1 AND (state = 'open' OR (state = 'approved' AND approval_id = $3))
     RETURNING ${COLUMNS}`,
    [id, decision.by, decision.approvalId, JSON.stringify(decision.execution)],
  );
  return r.rows[0];
}
