/**
 * The approval's price band: the approver binds the most the mark may move (bps) from the mark they saw. Past it,
 * Plant refuses with `price_moved` BEFORE the approval is used — it stays pending, nothing is sent — and the same
 * approval executes once the mark is back inside. The band is part of the intent: executing with another band is
 * an intent mismatch, and a band wider than the exchange's own cannot be approved.
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

type Minted = {
  approval: { approval_id: string; state: string; intent_summary: Record<string, unknown> };
  plan: {
    intent: { price_band?: { reference_price: string; max_move_bps: number } };
    pricing: { mark_price: string };
  };
  run: Record<string, unknown>;
};

async function mintWithBand(maxMoveBps: number) {
  return ops.call<Minted & { reason?: string; risk_checks?: { check: string }[] }>('POST', '/api/approvals', {
    agent_id: AGENT,
    run: { ...runBody(acct, { units: 1 }), price_band: { max_move_bps: maxMoveBps } },
    consent: CONSENT,
  });
}

const run = (body: Record<string, unknown>) =>
  ops.call<Record<string, unknown> & { execution?: { state: string }; reason?: string }>(
    'POST',
    `/api/reference-agents/${AGENT}/run`,
    body,
  );

/** Waits past Plant's mark cache so its next read sees the exchange's new mark. */
async function moveMark(price: number) {
  await stack.paper.setMarkPrice('BTCUSD', price);
  await new Promise((r) => setTimeout(r, 700));
}

describe('price band', () => {
  it('binds the mark the approver saw; past the band the trade is refused and the approval kept', async () => {
    const minted = await mintWithBand(50);
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
    const { approval, plan } = minted.body;
    const reference = plan.intent.price_band!.reference_price;
    expect(plan.intent.price_band).toEqual({ reference_price: plan.pricing.mark_price, max_move_bps: 50 });
    expect(approval.intent_summary.price_band).toEqual({ reference_price: reference, max_move_bps: 50 });
    expect(minted.body.run).toMatchObject({
      price_band: { reference_price: reference, max_move_bps: 50 },
      intent_action: 'place_order',
      approval_id: approval.approval_id,
    });

    // +1 % is past a 0.5 % band.
    await moveMark(Number(reference) * 1.01);
    const refused = await run(minted.body.run);
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body).toMatchObject({ reason: 'price_moved' });
    expect(String(refused.body.detail)).toMatch(/moved (about )?(99|100|101) bps from the approved/);
    expect(refused.body.correlation_id).toEqual(expect.any(String));
    const kept = await ops.call<{ state: string }>('GET', `/api/approvals/${approval.approval_id}`);
    expect(kept.body.state).toBe('pending');
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approval.approval_id))).toHaveLength(0);

    // Back inside the band (+0.2 %): the same approval executes.
    await moveMark(Number(reference) * 1.002);
    const filled = await run(minted.body.run);
    expect(filled.status, JSON.stringify(filled.body)).toBe(200);
    expect(filled.body.execution?.state).toBe('filled');
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approval.approval_id))).toHaveLength(1);
    await moveMark(Number(reference));
  });

  it('a different band, or none, is another intent: refused, the approval kept', async () => {
    const minted = await mintWithBand(50);
    expect(minted.status).toBe(201);
    const { approval_id } = minted.body.approval;
    const band = minted.body.run.price_band as Record<string, unknown>;
    const wider = await run({ ...minted.body.run, price_band: { ...band, max_move_bps: 60 } });
    expect(wider.status).toBe(403);
    expect(wider.body.reason).toBe('intent_mismatch');
    const { price_band: _dropped, ...without } = minted.body.run;
    const none = await run(without);
    expect(none.status).toBe(403);
    expect(none.body.reason).toBe('intent_mismatch');
    const kept = await ops.call<{ state: string }>('GET', `/api/approvals/${approval_id}`);
    expect(kept.body.state).toBe('pending');
  });

  it('a band wider than the exchange allows cannot be approved; a bad band is a 422 naming the field', async () => {
    const wide = await mintWithBand(9_999);
    expect(wide.status, JSON.stringify(wide.body)).toBe(409);
    expect(wide.body.reason).toBe('plan_not_approvable');
    expect(wide.body.risk_checks?.map((c) => c.check)).toEqual(['price_band_limit']);

    for (const bad of [0, 1.5, -3, 10_001, '50']) {
      const r = await mintWithBand(bad as number);
      expect(r.status, JSON.stringify(bad)).toBe(422);
      expect(JSON.stringify(r.body)).toContain('price_band');
    }
    // An execution must repeat the band's reference price.
    const noRef = await run({
      ...runBody(acct, { units: 1 }),
      price_band: { max_move_bps: 50 },
      intent_action: 'place_order',
      approval_id: 'apr_00000000000000000000000000',
    });
    expect(noRef.status).toBe(422);
  });
});
