import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  EXECUTION_STATE_TABLE,
  EXECUTION_STATES,
  mayMoveExecution,
  type TExecutionState,
  type TReachableExecutionState,
} from '@delta/contracts';
import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimUnsettled,
  type LeaseHolder,
  renewLease,
  updateExecution,
} from '../src/execution/executions-repository.ts';
import { plantMigrations } from '../src/migrations.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase({ migrations: plantMigrations() });
});
afterAll(() => testDb?.drop());

const lease: LeaseHolder = { owner: 'request:test', leaseS: 60 };

/** An execution recorded in `state`, held by `lease` (as the request path holds the one it works on). */
async function recordedIn(state: TExecutionState, held = true): Promise<string> {
  const id = randomUUID();
  await testDb.db.query(
    `INSERT INTO executions (execution_id, approval_id, client_order_id, customer_id, hired_agent_id, agent_id,
       credential_ref, intent_hash, action, product_id, product_symbol, side, size, order_request, state,
       correlation_id, lease_owner, lease_until, sent_at)
     VALUES ($1, $2, $3, 'cus_test', $1, 'AGT-TRD-DELTA-001', 'cred_pp_test', $4, 'place_order', 27, 'BTCUSD',
       'buy', 1, '{}', $5, $7, $6, CASE WHEN $6::text IS NULL THEN NULL ELSE now() + interval '60 seconds' END,
       CASE WHEN $5 = 'pending' THEN NULL ELSE now() END)`,
    [
      id,
      `apr_${id}`,
      `ap${id.replace(/-/g, '').slice(0, 30)}`,
      'a'.repeat(64),
      state,
      held ? lease.owner : null,
      randomUUID(),
    ],
  );
  return id;
}

async function stateOf(id: string): Promise<string> {
  const r = await testDb.db.query<{ state: string }>('SELECT state FROM executions WHERE execution_id = $1', [
    id,
  ]);
  return r.rows[0]!.state;
}

const pairs = EXECUTION_STATES.flatMap((from) => EXECUTION_STATES.map((to) => [from, to] as const));
const forbidden = pairs.filter(([from, to]) => !mayMoveExecution(from, to) && to !== 'pending');
const allowed = pairs.filter(([from, to]) => mayMoveExecution(from, to));

describe('the execution transition table', () => {
  it('settles for good: a settled state has no way out, and nothing moves back to pending', () => {
    for (const s of EXECUTION_STATES) {
      const { phase, next } = EXECUTION_STATE_TABLE[s];
      expect(phase === 'settled', s).toBe(next.length === 0);
      expect(next as readonly string[], s).not.toContain('pending');
    }
    // A resting order can still fill or be cancelled at the exchange: it is not settled.
    expect(EXECUTION_STATE_TABLE.open.phase).toBe('resting');
  });

  it.each(forbidden)('%s → %s is refused: the row is left as it was', async (from, to) => {
    const id = await recordedIn(from);
    const moved = await updateExecution(
      testDb.db,
      id,
      { state: to as TReachableExecutionState, reason: 'forbidden' },
      lease,
    );
    expect(moved).toBeUndefined();
    expect(await stateOf(id)).toBe(from);
  });

  it('no execution moves to pending (it is only ever recorded so)', async () => {
    const id = await recordedIn('pending');
    await expect(
      updateExecution(testDb.db, id, { state: 'pending' as TReachableExecutionState }, lease),
    ).rejects.toThrow(/no execution may move to pending/);
    expect(await stateOf(id)).toBe('pending');
  });

  it.each(allowed)('%s → %s is allowed for the holder of the lease', async (from, to) => {
    const id = await recordedIn(from);
    const moved = await updateExecution(testDb.db, id, { state: to as TReachableExecutionState }, lease);
    expect(moved?.state).toBe(to);
    // Only an execution still in flight keeps its holder; resting and settled ones are nobody's.
    const held = await renewLease(testDb.db, id, lease);
    expect(held).toBe(EXECUTION_STATE_TABLE[to].phase === 'in_flight');
  });

  it('the reconciler claims only executions in flight that nobody holds', async () => {
    const ids = new Map<TExecutionState, string>();
    for (const s of EXECUTION_STATES) ids.set(s, await recordedIn(s, false));
    const claimed = await claimUnsettled(testDb.db, { owner: 'reconciler:test', leaseS: 60 }, 100);
    const mine = claimed.filter((r) => [...ids.values()].includes(r.execution_id)).map((r) => r.state);
    expect(mine.sort()).toEqual(['pending', 'submitted', 'unknown']);
  });

  it('is the table docs/execution.md states', () => {
    const doc = readFileSync(new URL('../../../docs/execution.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('### How an execution moves'));
    for (const s of EXECUTION_STATES) {
      const { phase, next } = EXECUTION_STATE_TABLE[s];
      const row = section.split('\n').find((l) => l.startsWith(`| \`${s}\``));
      expect(row, `docs/execution.md has no transition row for ${s}`).toBeDefined();
      const cells = row!.split('|').map((c) => c.trim());
      expect(cells[2], s).toBe(phase.replace('_', ' '));
      const documented =
        cells[3] === '—'
          ? []
          : cells[3]!
              .replace(/→|`/g, '')
              .split(',')
              .map((c) => c.trim());
      expect(documented.sort(), s).toEqual([...next].sort());
    }
  });
});
