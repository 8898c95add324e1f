/**
 * A proposed trade answered through the whole stack: drafted for the customer, approved with an approval minted
 * for its plan (and its price band), executed exactly once however often the answer is sent; rejected with a
 * reason; expired and re-quoted; and after `price_moved` still open, re-quoted, approved again.
 */
import { clientOrderIdFor } from '@delta/plant/src/execution/client-order-id.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, CONSENT, type Onboarded, onboard, runBody } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

let stack: Stack;
let ops: Session;
let acct: Onboarded;

beforeAll(async () => {
  stack = await startStack();
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops, { balance: 5_000_000 });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

type Proposal = {
  proposal_id: string;
  state: string;
  run: Record<string, unknown>;
  plan: { intent_hash: string; pricing: { mark_price: string } };
  approval_id: string | null;
  execution: { state: string } | null;
  reason?: string;
};

async function propose(units = 1): Promise<Proposal> {
  const r = await ops.call<Proposal>('POST', '/api/proposals', {
    agent_id: AGENT,
    run: runBody(acct, { units }),
    note: 'ops drafted on the customer’s call',
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

async function approveProposal(p: Proposal, band?: number) {
  const r = await ops.call<{ approval: { approval_id: string }; run: Record<string, unknown> }>(
    'POST',
    '/api/approvals',
    {
      agent_id: AGENT,
      run: { ...p.run, ...(band ? { price_band: { max_move_bps: band } } : {}) },
      consent: CONSENT,
    },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

const execute = (id: string, body: Record<string, unknown>) =>
  ops.call<
    { proposal: Proposal; run: { execution: { state: string; replayed?: boolean } } } & { reason?: string }
  >('POST', `/api/proposals/${id}/execute`, body);

describe('proposed trades', () => {
  it('approved once, executed once — concurrent answers and replays included', async () => {
    const p = await propose(2);
    expect(p.state).toBe('open');
    const { approval } = await approveProposal(p);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => execute(p.proposal_id, { approval_id: approval.approval_id })),
    );
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length, JSON.stringify(answers.map((a) => [a.status, a.body.reason]))).toBeGreaterThan(0);
    for (const a of answers.filter((x) => x.status !== 200)) expect([403, 409]).toContain(a.status);
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approval.approval_id))).toHaveLength(1);

    const after = await ops.call<Proposal>('GET', `/api/proposals/${p.proposal_id}`);
    expect(after.body).toMatchObject({ state: 'approved', approval_id: approval.approval_id });
    expect(after.body.execution?.state).toBe('filled');

    // Another approval cannot answer it again.
    const second = await approveProposal(p);
    const again = await execute(p.proposal_id, { approval_id: second.approval.approval_id });
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('proposal_not_open');
  });

  it('rejected with a reason: the first answer stands', async () => {
    const p = await propose();
    const rejected = await ops.call<Proposal>('POST', `/api/proposals/${p.proposal_id}/reject`, {
      reason: 'too close to the funding time',
    });
    expect(rejected.body.state).toBe('rejected');
    const { approval } = await approveProposal(p);
    const late = await execute(p.proposal_id, { approval_id: approval.approval_id });
    expect(late.status).toBe(409);
    expect(late.body.reason).toBe('proposal_not_open');
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approval.approval_id))).toHaveLength(0);
  });

  it('expired unanswered: refused; a re-quote renews it', async () => {
    const p = await propose();
    await stack.dbs.plant.db.query(
      `UPDATE proposals SET expires_at = now() - interval '1 second' WHERE proposal_id = $1`,
      [p.proposal_id],
    );
    expect((await ops.call<Proposal>('GET', `/api/proposals/${p.proposal_id}`)).body.state).toBe('expired');
    const reject = await ops.call<Proposal>('POST', `/api/proposals/${p.proposal_id}/reject`, {
      reason: 'late',
    });
    expect(reject.status).toBe(409);
    expect(reject.body.reason).toBe('proposal_expired');
    const requoted = await ops.call<Proposal>('POST', `/api/proposals/${p.proposal_id}/requote`, {});
    expect(requoted.status).toBe(200);
    expect(requoted.body.state).toBe('open');
  });

  it('price moved past the band: refused, still open; re-quoted and approved again, it fills', async () => {
    const p = await propose();
    const first = await approveProposal(p, 50);
    const band = first.run.price_band as { reference_price: string; max_move_bps: number };
    await stack.paper.setMarkPrice('BTCUSD', Number(band.reference_price) * 1.02);
    await new Promise((r) => setTimeout(r, 700));
    const moved = await execute(p.proposal_id, { approval_id: first.approval.approval_id, price_band: band });
    expect(moved.status, JSON.stringify(moved.body)).toBe(403);
    expect(moved.body.reason).toBe('price_moved');
    expect((await ops.call<Proposal>('GET', `/api/proposals/${p.proposal_id}`)).body.state).toBe('open');

    const requoted = await ops.call<Proposal>('POST', `/api/proposals/${p.proposal_id}/requote`, {});
    expect(Number(requoted.body.plan.pricing.mark_price)).toBeCloseTo(
      Number(band.reference_price) * 1.02,
      -1,
    );
    const second = await approveProposal(requoted.body, 50);
    const filled = await execute(p.proposal_id, {
      approval_id: second.approval.approval_id,
      price_band: second.run.price_band,
    });
    expect(filled.status, JSON.stringify(filled.body)).toBe(200);
    expect(filled.body.proposal.state).toBe('approved');
    expect(filled.body.run.execution.state).toBe('filled');
    // The first approval was never used.
    expect(
      (await ops.call<{ state: string }>('GET', `/api/approvals/${first.approval.approval_id}`)).body.state,
    ).toBe('pending');
    await stack.paper.setMarkPrice('BTCUSD', Number(band.reference_price));
  });
});
