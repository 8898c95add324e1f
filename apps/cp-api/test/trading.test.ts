/**
 * The customer's trading desk over the whole stack (paper exchange ← Plant ← gateway ← CP, PP beside it): the
 * customer connects its own keys in CP, sets the approval policy, proposes a trade, and approves it with a passkey
 * step-up bound to the plan — the approval CP mints keeps that evidence, Plant executes it once. A step-up that is
 * missing, for another plan or replayed approves nothing; another customer reaches none of it.
 */

import { CP_SESSION_COOKIE } from '@delta/contracts';
import { clientOrderIdFor } from '@delta/plant/src/execution/client-order-id.ts';
import { signCpInvite } from '@delta/portal';
import { AGENT, type Onboarded, onboard } from '@delta/pp-api/test/runbook-helpers.ts';
import { openSse } from '@delta/pp-api/test/sse-client.ts';
import { type Session, type Stack, signIn, startStack } from '@delta/pp-api/test/stack.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type CpTestApp } from './cp-test-app.ts';

let stack: Stack;
let ops: Session;

/** A customer onboarded by ops (PP keys, hire), signed up in CP with a passkey, trading on its own CP keys. */
interface Customer {
  acct: Onboarded;
  browser: Browser;
  credentialRef: string;
  paperUserId: number;
}

async function customer(name: string): Promise<Customer> {
  const acct = await onboard(stack, ops, { name, balance: 5_000_000 });
  const cp = {
    app: stack.cp!.app,
    invite: async (customerId: string) => {
      const { token, invite } = await signCpInvite(stack.keys.pp, {
        customerId,
        issuedBy: 'ops:usr_000000000000000000000001(operator)',
      });
      return { token, jti: invite.jti };
    },
  } as unknown as CpTestApp;
  const browser = new Browser(cp);
  await browser.signup(`${name.toLowerCase().replace(/\W/g, '')}@example.com`, undefined, acct.customerId);
  await browser.registerPasskey();
  const key = await stack.paper.createApiKey({ balance: 5_000_000 });
  const stored = await browser.call<{ credential_ref: string }>('POST', '/api/credentials', {
    api_key: key.apiKey,
    api_secret: key.apiSecret,
    label: 'My Delta account',
    environment: 'paper',
  });
  expect(stored.status, stored.raw).toBe(201);
  const credentialRef = stored.body.credential_ref;
  expect(credentialRef).toMatch(/^cred_cp_/);
  const hired = await browser.call<{ items: { hired_agent_id: string; setup: Record<string, unknown> }[] }>(
    'GET',
    '/api/agents',
  );
  const hire = hired.body.items[0]!;
  const setup = await browser.call('PUT' as 'POST', `/api/agents/${hire.hired_agent_id}/setup`, {
    setup: {
      ...hire.setup,
      credential_ref: credentialRef,
      exchange_account_id: credentialRef,
      approval_policy: { ttl_minutes: 10, price_band_bps: 50 },
    },
  });
  expect(setup.status, setup.raw).toBe(200);
  return { acct, browser, credentialRef, paperUserId: key.userId };
}

const proposal = (c: Customer, units = 1) =>
  c.browser.call<{ proposal_id: string; plan: { intent_hash: string; intent: Record<string, unknown> } }>(
    'POST',
    '/api/proposals',
    {
      agent_id: AGENT,
      run: {
        customer_id: c.acct.customerId,
        exchange_account_id: c.credentialRef,
        coin: 'BTC',
        units,
        side: 'long',
        action: 'enter',
        market: true,
      },
    },
  );

async function stepUp(c: Customer, intentHash: string) {
  const o = await c.browser.call<{ nonce_id: string; options: never }>('POST', '/api/step-up/options', {
    intent_hash: intentHash,
  });
  expect(o.status, o.raw).toBe(200);
  return {
    kind: 'webauthn',
    nonce_id: o.body.nonce_id,
    response: c.browser.authenticator.assert(o.body.options),
  };
}

let alice: Customer;
let bob: Customer;

beforeAll(async () => {
  stack = await startStack({ cp: true });
  ops = await signIn(stack, 'operator');
  alice = await customer('Alice Traders');
  bob = await customer('Bob Futures');
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

describe('CP: propose and approve with a passkey', () => {
  it('binds the approval to the plan and its band, keeps the step-up as evidence, and fills once', async () => {
    const p = await proposal(alice, 2);
    expect(p.status, p.raw).toBe(201);
    // The customer's approval policy put its band on the entry.
    expect(p.body.plan.intent.price_band).toMatchObject({ max_move_bps: 50 });

    const evidence = await stepUp(alice, p.body.plan.intent_hash);
    const approved = await alice.browser.call<{
      proposal: { state: string; approval_id: string };
      run: { execution: { state: string } };
    }>('POST', `/api/proposals/${p.body.proposal_id}/approve`, { step_up: evidence });
    expect(approved.status, approved.raw).toBe(200);
    expect(approved.body.proposal.state).toBe('approved');
    expect(approved.body.run.execution.state).toBe('filled');
    const approvalId = approved.body.proposal.approval_id;
    expect(await stack.paper.ordersByClientId(clientOrderIdFor(approvalId), alice.paperUserId)).toHaveLength(
      1,
    );

    const approval = await alice.browser.call<{
      issuer: string;
      approver: { kind: string };
      evidence: { method: string; intent_hash: string; nonce_id: string };
      state: string;
    }>('GET', `/api/approvals/${approvalId}`);
    expect(approval.body).toMatchObject({
      issuer: 'cp',
      approver: { kind: 'customer' },
      state: 'consumed',
      evidence: { method: 'webauthn', intent_hash: p.body.plan.intent_hash, nonce_id: evidence.nonce_id },
    });

    // The same step-up again (a replayed assertion) approves nothing, even for the same plan re-proposed.
    const again = await proposal(alice, 2);
    const replayed = await alice.browser.call<{ reason: string }>(
      'POST',
      `/api/proposals/${again.body.proposal_id}/approve`,
      { step_up: evidence },
    );
    expect(replayed.status).toBe(403);
    expect(['step_up_replayed', 'step_up_mismatch']).toContain(replayed.body.reason);
  });

  it('a missing step-up, or one for another plan, approves nothing and leaves the proposal open', async () => {
    const p = await proposal(alice);
    const other = await proposal(alice, 3);
    const missing = await alice.browser.call<{ reason: string }>(
      'POST',
      `/api/proposals/${p.body.proposal_id}/approve`,
      { step_up: {} },
    );
    expect(missing.status).toBe(403);
    expect(missing.body.reason).toBe('step_up_required');
    const forOther = await alice.browser.call<{ reason: string }>(
      'POST',
      `/api/proposals/${p.body.proposal_id}/approve`,
      { step_up: await stepUp(alice, other.body.plan.intent_hash) },
    );
    expect(forOther.status).toBe(403);
    expect(forOther.body.reason).toBe('step_up_mismatch');
    const still = await alice.browser.call<{ state: string }>('GET', `/api/proposals/${p.body.proposal_id}`);
    expect(still.body.state).toBe('open');
    const approvals = await alice.browser.call<{ items: { state: string }[] }>('GET', '/api/approvals');
    expect(approvals.body.items.filter((a) => a.state === 'pending')).toHaveLength(0);
  });

  it('rejects with a reason; pauses and resumes its own agent', async () => {
    const p = await proposal(alice);
    const rejected = await alice.browser.call<{ state: string; reject_reason: string }>(
      'POST',
      `/api/proposals/${p.body.proposal_id}/reject`,
      { reason: 'waiting for the US open' },
    );
    expect(rejected.body).toMatchObject({ state: 'rejected', reject_reason: 'waiting for the US open' });
    const hire = (await alice.browser.call<{ items: { hired_agent_id: string }[] }>('GET', '/api/agents'))
      .body.items[0]!;
    const paused = await alice.browser.call<{ paused: { reason: string } | null }>(
      'POST',
      `/api/agents/${hire.hired_agent_id}/pause`,
      { reason: 'on holiday' },
    );
    expect(paused.body.paused?.reason).toBe('on holiday');
    const refused = await proposal(alice);
    expect(refused.status).toBe(409);
    expect((refused.body as unknown as { reason: string }).reason).toBe('agent_paused');
    const resumed = await alice.browser.call<{ paused: null }>(
      'POST',
      `/api/agents/${hire.hired_agent_id}/resume`,
    );
    expect(resumed.body.paused).toBeNull();
  });
});

describe('CP: the live account, pushed', () => {
  it("streams the customer's own account (snapshot, then the fill of an approved trade); another's is a 404", async () => {
    const cookie = { cookie: `${CP_SESSION_COOKIE}=${alice.browser.cookie}` };
    const sse = await openSse(`${stack.cp!.url}/api/credentials/${alice.credentialRef}/stream`, cookie);
    try {
      expect(sse.status).toBe(200);
      await sse.next((e) => e.event === 'snapshot', 20_000);
      const p = await proposal(alice);
      const approved = await alice.browser.call<{ proposal: { approval_id: string } }>(
        'POST',
        `/api/proposals/${p.body.proposal_id}/approve`,
        { step_up: await stepUp(alice, p.body.plan.intent_hash) },
      );
      expect(approved.status, approved.raw).toBe(200);
      const cid = clientOrderIdFor(approved.body.proposal.approval_id);
      const order = await sse.next(
        (e) =>
          e.event === 'order' &&
          (JSON.parse(e.data) as { order?: { client_order_id?: string } }).order?.client_order_id === cid,
        20_000,
      );
      expect(order).toBeDefined();
    } finally {
      sse.close();
    }
    const other = await openSse(`${stack.cp!.url}/api/credentials/${alice.credentialRef}/stream`, {
      cookie: `${CP_SESSION_COOKIE}=${bob.browser.cookie}`,
    });
    expect(other.status).toBe(404);
    expect(other.problem).toMatchObject({ reason: 'credential_not_found' });
    const anonymous = await openSse(`${stack.cp!.url}/api/credentials/${alice.credentialRef}/stream`);
    expect(anonymous.status).toBe(401);
  });
});

describe('CP: flatten with one step-up', () => {
  it('cancels the resting order and closes the position, each its own approval and execution', async () => {
    // A position (from the first test) and a resting buy well under the mark.
    const mark = Number(
      (
        await alice.browser.call<{ plan: { pricing: { mark_price: string } } }>('POST', '/api/proposals', {
          agent_id: AGENT,
          run: {
            customer_id: alice.acct.customerId,
            exchange_account_id: alice.credentialRef,
            coin: 'BTC',
            units: 1,
            side: 'long',
            action: 'enter',
            market: true,
          },
        })
      ).body.plan.pricing.mark_price,
    );
    const resting = await alice.browser.call<{ proposal_id: string; plan: { intent_hash: string } }>(
      'POST',
      '/api/proposals',
      {
        agent_id: AGENT,
        run: {
          customer_id: alice.acct.customerId,
          exchange_account_id: alice.credentialRef,
          coin: 'BTC',
          units: 1,
          side: 'long',
          action: 'enter',
          limit_price: String(Math.round(mark * 0.98)),
        },
      },
    );
    expect(resting.status, resting.raw).toBe(201);
    const placed = await alice.browser.call<{ run: { execution: { state: string } } }>(
      'POST',
      `/api/proposals/${resting.body.proposal_id}/approve`,
      { step_up: await stepUp(alice, resting.body.plan.intent_hash) },
    );
    expect(placed.status, placed.raw).toBe(200);
    expect(placed.body.run.execution.state).toBe('open');

    const hire = (await alice.browser.call<{ items: { hired_agent_id: string }[] }>('GET', '/api/agents'))
      .body.items[0]!;
    const quote = await alice.browser.call<{
      proposals: { proposal_id: string; plan: { intent: { action: string } } }[];
      flatten_hash: string;
    }>('POST', `/api/agents/${hire.hired_agent_id}/flatten/quote`);
    expect(quote.status, quote.raw).toBe(200);
    expect(quote.body.proposals.map((p) => p.plan.intent.action)).toEqual(['cancel', 'exit']);

    // A step-up for one of the steps does not cover the flatten.
    const ids = quote.body.proposals.map((p) => p.proposal_id);
    const narrow = await alice.browser.call<{ reason: string }>(
      'POST',
      `/api/agents/${hire.hired_agent_id}/flatten`,
      {
        proposal_ids: ids,
        step_up: await stepUp(alice, resting.body.plan.intent_hash),
      },
    );
    expect(narrow.status).toBe(403);
    expect(narrow.body.reason).toBe('step_up_mismatch');

    const flat = await alice.browser.call<{
      results: { status: number; outcome: { proposal: { approval_id: string } } }[];
    }>('POST', `/api/agents/${hire.hired_agent_id}/flatten`, {
      proposal_ids: ids,
      step_up: await stepUp(alice, quote.body.flatten_hash),
    });
    expect(flat.status, flat.raw).toBe(200);
    expect(flat.body.results.map((r) => r.status)).toEqual([200, 200]);
    const approvalIds = flat.body.results.map((r) => r.outcome.proposal.approval_id);
    expect(new Set(approvalIds).size).toBe(2);
    for (const id of approvalIds) {
      const a = await alice.browser.call<{ state: string; evidence: { intent_hash: string } }>(
        'GET',
        `/api/approvals/${id}`,
      );
      expect(a.body).toMatchObject({ state: 'consumed', evidence: { intent_hash: quote.body.flatten_hash } });
    }
    // Nothing is left to flatten.
    const after = await alice.browser.call<{ proposals: unknown[] }>(
      'POST',
      `/api/agents/${hire.hired_agent_id}/flatten/quote`,
    );
    expect(after.body.proposals).toEqual([]);
  });
});

describe("CP: the customer's own audit story", () => {
  it('tells every step with its correlation id — and none of another customer', async () => {
    const story = await alice.browser.call<{
      items: { source: string; what: string; outcome: string; correlation_id: string }[];
    }>('GET', '/api/audit?limit=200');
    expect(story.status, story.raw).toBe(200);
    const whats = new Set(story.body.items.map((i) => i.what));
    for (const w of [
      'signup',
      'step_up.verify',
      'approval.mint',
      'proposal.created',
      'proposal.approved',
      'proposal.rejected',
      'hired_agent.paused',
      'agent_setup.updated',
      'agent.flatten',
    ]) {
      expect(
        whats.has(w) || [...whats].some((x) => x.startsWith(w)),
        `${w} in ${[...whats].join(', ')}`,
      ).toBe(true);
    }
    expect([...whats].some((w) => w.startsWith('decision.pre_tool_use'))).toBe(true);
    for (const i of story.body.items) expect(i.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    const bobs = await bob.browser.call<{ items: { details: unknown }[] }>('GET', '/api/audit?limit=200');
    expect(JSON.stringify(bobs.body)).not.toContain(alice.acct.customerId);
  });
});

describe('CP tenancy: another customer reaches none of it', () => {
  it("Bob cannot see, answer, re-quote or execute Alice's proposal, nor touch her keys or approvals", async () => {
    const p = await proposal(alice);
    const id = p.body.proposal_id;
    const attempts = await Promise.all([
      bob.browser.call('GET', `/api/proposals/${id}`),
      bob.browser.call('POST', `/api/proposals/${id}/reject`, { reason: 'mine now' }),
      bob.browser.call('POST', `/api/proposals/${id}/requote`),
      bob.browser.call('POST', `/api/proposals/${id}/approve`, {
        step_up: await stepUp(bob, p.body.plan.intent_hash),
      }),
      bob.browser.call('POST', `/api/credentials/${alice.credentialRef}/revoke`),
      bob.browser.call('POST', `/api/credentials/${alice.credentialRef}/rotate`, {
        api_key: 'x'.repeat(30),
        api_secret: 'y'.repeat(60),
      }),
    ]);
    for (const a of attempts) {
      expect(a.status, a.raw).toBe(404);
      expect(JSON.stringify(a.body)).not.toContain(alice.acct.customerId);
    }
    const aliceHire = (
      await alice.browser.call<{ items: { hired_agent_id: string }[] }>('GET', '/api/agents')
    ).body.items[0]!;
    const pause = await bob.browser.call('POST', `/api/agents/${aliceHire.hired_agent_id}/pause`, {
      reason: 'x',
    });
    expect(pause.status).toBe(404);
    // Bob's lists hold only Bob's.
    const list = await bob.browser.call<{ items: { customer_id: string }[] }>('GET', '/api/proposals');
    expect(list.body.items.every((x) => x.customer_id === bob.acct.customerId)).toBe(true);
    const keys = await bob.browser.call<{ items: { credential_ref: string }[] }>('GET', '/api/credentials');
    expect(keys.body.items.map((k) => k.credential_ref)).toEqual([bob.credentialRef]);
    // Proposing for Alice is refused; Alice's proposal is untouched.
    const forAlice = await bob.browser.call('POST', '/api/proposals', {
      agent_id: AGENT,
      run: {
        customer_id: alice.acct.customerId,
        exchange_account_id: alice.credentialRef,
        coin: 'BTC',
        units: 1,
        side: 'long',
        action: 'enter',
        market: true,
      },
    });
    expect(forAlice.status).toBe(422);
    expect((await alice.browser.call<{ state: string }>('GET', `/api/proposals/${id}`)).body.state).toBe(
      'open',
    );
  });
});
