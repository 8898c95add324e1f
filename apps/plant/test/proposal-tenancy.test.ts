/**
 * Proposals and the brake, by tenant: a customer proposes, reads, re-quotes, rejects and pauses only its own;
 * another customer's proposal or hire is the same 404 as an unknown one, with an access_denied record, and is
 * left as it was.
 */
import type { TPrincipal } from '@delta/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT,
  call,
  createCustomer,
  hire,
  type PlantTestApp,
  runBody,
  startPlant,
} from './plant-test-app.ts';

let p: PlantTestApp;
let a: string;
let b: string;
let hireB: string;
let asA: TPrincipal;
let proposalB: string;

const propose = (customerId: string, who?: TPrincipal, extra: Record<string, unknown> = {}) =>
  call(
    p.app,
    {
      method: 'POST',
      url: '/api/v1/proposals',
      payload: { agent_id: AGENT, run: runBody({ customer_id: customerId, units: 1 }), ...extra },
    },
    who,
  );

beforeAll(async () => {
  p = await startPlant();
  a = await createCustomer(p.app, 'Customer A');
  b = await createCustomer(p.app, 'Customer B');
  await hire(p.app, a, {}, 'paid');
  hireB = await hire(p.app, b, {}, 'paid');
  asA = { kind: 'customer', user_id: 'cp_user_a', customer_id: a };
  const res = await propose(b);
  expect(res.statusCode, res.body).toBe(201);
  proposalB = res.json().proposal_id;
});
afterAll(() => p.close());

describe('proposals by tenant', () => {
  it("a customer's own proposal: created as the customer's, listed, re-quoted, rejected", async () => {
    const created = await propose(a, asA, { note: 'breakout' });
    expect(created.statusCode, created.body).toBe(201);
    const mine = created.json();
    expect(mine).toMatchObject({ source: 'customer', state: 'open', customer_id: a, note: 'breakout' });
    expect(mine.plan.approvable).toBe(true);
    const list = (await call(p.app, '/api/v1/proposals', asA)).json().items as { customer_id: string }[];
    expect(new Set(list.map((x) => x.customer_id))).toEqual(new Set([a]));
    const requoted = await call(
      p.app,
      { method: 'POST', url: `/api/v1/proposals/${mine.proposal_id}/requote`, payload: {} },
      asA,
    );
    expect(requoted.statusCode).toBe(200);
    const rejected = await call(
      p.app,
      {
        method: 'POST',
        url: `/api/v1/proposals/${mine.proposal_id}/reject`,
        payload: { reason: 'changed my mind' },
      },
      asA,
    );
    expect(rejected.json()).toMatchObject({ state: 'rejected', reject_reason: 'changed my mind' });
    // The first answer stands.
    const again = await call(
      p.app,
      { method: 'POST', url: `/api/v1/proposals/${mine.proposal_id}/reject`, payload: { reason: 'twice' } },
      asA,
    );
    expect(again.statusCode).toBe(409);
    expect(again.json().reason).toBe('proposal_not_open');
  });

  it("another customer's proposal is a 404 on every route, audited, and untouched", async () => {
    const attempts = [
      call(p.app, `/api/v1/proposals/${proposalB}`, asA),
      call(p.app, { method: 'POST', url: `/api/v1/proposals/${proposalB}/requote`, payload: {} }, asA),
      call(
        p.app,
        { method: 'POST', url: `/api/v1/proposals/${proposalB}/reject`, payload: { reason: 'x' } },
        asA,
      ),
      call(
        p.app,
        {
          method: 'POST',
          url: `/api/v1/proposals/${proposalB}/execute`,
          payload: { approval_id: 'apr_aaaaaaaaaaaaaaaaaaaaaaaaaa' },
        },
        asA,
      ),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().reason).toBe('proposal_not_found');
    }
    const unknown = await call(p.app, '/api/v1/proposals/00000000-0000-4000-8000-000000000000', asA);
    expect(unknown.json().reason).toBe('proposal_not_found');
    const denied = await p.testDb.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_log WHERE kind = 'access_denied' AND customer_id = $1`,
      [b],
    );
    expect(Number(denied.rows[0]!.n)).toBeGreaterThanOrEqual(4);
    expect((await call(p.app, `/api/v1/proposals/${proposalB}`)).json().state).toBe('open');
    expect((await call(p.app, `/api/v1/proposals?customer_id=${b}`, asA)).statusCode).toBe(404);
    expect((await propose(b, asA)).statusCode).toBe(404);
  });

  it('a customer pauses only its own hire', async () => {
    const res = await call(
      p.app,
      { method: 'POST', url: `/api/v1/hired-agents/${hireB}/pause`, payload: { reason: 'not mine' } },
      asA,
    );
    expect(res.statusCode).toBe(404);
    expect((await call(p.app, `/api/v1/hired-agents/${hireB}`)).json().paused).toBeNull();
  });

  it("a customer's story is its own: decisions and proposals, no refusals; another customer's is a 404", async () => {
    const mine = await call(p.app, '/api/v1/audit/story', asA);
    expect(mine.statusCode, mine.body).toBe(200);
    const items = mine.json().items as { customer_id: string; kind: string }[];
    expect(items.length).toBeGreaterThan(0);
    expect(new Set(items.map((i) => i.customer_id))).toEqual(new Set([a]));
    expect(items.some((i) => i.kind === 'proposal.created')).toBe(true);
    expect(items.some((i) => i.kind === 'access_denied' || i.kind === 'request_refused')).toBe(false);
    expect((await call(p.app, `/api/v1/audit/story?customer_id=${b}`, asA)).statusCode).toBe(404);
    // Ops name the customer.
    expect((await call(p.app, '/api/v1/audit/story')).statusCode).toBe(422);
    expect((await call(p.app, `/api/v1/audit/story?customer_id=${b}`)).statusCode).toBe(200);
  });

  it('refuses bad input with the field named, never a 500', async () => {
    const cases = [
      { agent_id: AGENT, run: { ...runBody({ customer_id: a }), intent_action: 'place_order' } },
      { agent_id: AGENT, run: runBody({ customer_id: a }), expires_in_s: 5 },
      { agent_id: AGENT, run: runBody({ customer_id: a }), note: 'x'.repeat(201) },
      { agent_id: 'nope', run: runBody({ customer_id: a }) },
    ];
    for (const payload of cases) {
      const res = await call(p.app, { method: 'POST', url: '/api/v1/proposals', payload }, asA);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().correlation_id).toEqual(expect.any(String));
    }
    expect((await call(p.app, '/api/v1/proposals/not-an-id', asA)).statusCode).toBe(422);
    expect(
      (await call(p.app, { method: 'POST', url: `/api/v1/proposals/${proposalB}/reject`, payload: {} }))
        .statusCode,
    ).toBe(422);
  });
});
