import type { TPrincipal } from '@delta/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRowsAfter } from '../src/db/audit-log-repository.ts';
import {
  AGENT,
  call,
  createCustomer,
  hire,
  type PlantTestApp,
  run,
  runBody,
  setup,
  startPlant,
} from './plant-test-app.ts';

let p: PlantTestApp;
let a: string;
let b: string;
let hireA: string;
let hireB: string;
let asA: TPrincipal;
const viewer: TPrincipal = { kind: 'ops', user_id: 'usr_viewer', role: 'viewer' };
const operator: TPrincipal = { kind: 'ops', user_id: 'usr_operator', role: 'operator' };

beforeAll(async () => {
  p = await startPlant();
  a = await createCustomer(p.app, 'Customer A');
  b = await createCustomer(p.app, 'Customer B');
  hireA = await hire(p.app, a, {}, 'paid');
  hireB = await hire(p.app, b, {}, 'paid');
  asA = { kind: 'customer', user_id: 'cp_user_a', customer_id: a };
  expect((await run(p.app, runBody({ customer_id: b }))).statusCode).toBe(200);
});
afterAll(() => p.close());

/** The access_denied audit records written under a correlation id. */
async function denials(correlationId: string) {
  const rows = await auditRowsAfter(p.testDb.db, '0', 100_000);
  return rows.filter((r) => r.kind === 'access_denied' && r.correlation_id === correlationId);
}

/** Asserts a 404 with `reason`, and one access_denied record (under the response's correlation id) naming B. */
async function expectHiddenAndAudited(res: Awaited<ReturnType<typeof call>>, reason: string) {
  expect(res.statusCode).toBe(404);
  const body = res.json();
  expect(body.reason).toBe(reason);
  const cid = res.headers['x-correlation-id'] as string;
  expect(body.correlation_id).toBe(cid);
  const records = await denials(cid);
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({
    customer_id: b,
    outcome: 'deny',
    reason: 'cross_tenant',
    details: expect.objectContaining({
      principal: `customer:${a}/cp_user_a`,
      principal_customer_id: a,
      attempted_customer_id: b,
    }),
  });
}

const setupBody = { setup: setup({ allowed_coins: ['ETH'], default_coin: 'ETH' }) };

describe('ops roles', () => {
  it('a viewer can read everything', async () => {
    for (const url of [
      `/api/v1/hired-agents`,
      `/api/v1/hired-agents/${hireB}`,
      '/api/v1/customers',
      `/api/v1/customers/${a}`,
      '/api/v1/usage-events',
      '/api/v1/audit/policy-denials',
      '/api/v1/audit/verify',
      '/api/v1/reference-agents',
    ]) {
      expect((await call(p.app, url, viewer)).statusCode, url).toBe(200);
    }
  });

  it('a viewer cannot run, hire, update a setup or create a customer (403 role_forbidden), and nothing happens', async () => {
    const before = (await call(p.app, `/api/v1/usage-events?customer_id=${a}`)).json().items.length;
    const attempts = [
      run(p.app, runBody({ customer_id: a }), {}, AGENT, viewer),
      call(
        p.app,
        {
          method: 'POST',
          url: '/api/v1/hired-agents',
          payload: { customer_id: a, agent_id: AGENT, setup: setup() },
        },
        viewer,
      ),
      call(p.app, { method: 'PUT', url: `/api/v1/hired-agents/${hireA}/setup`, payload: setupBody }, viewer),
      call(p.app, { method: 'POST', url: '/api/v1/customers', payload: { display_name: 'V' } }, viewer),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode).toBe(403);
      expect(res.json().reason).toBe('role_forbidden');
    }
    expect((await call(p.app, `/api/v1/usage-events?customer_id=${a}`)).json().items).toHaveLength(before);
    expect((await call(p.app, `/api/v1/hired-agents/${hireA}`)).json().setup_version).toBe(1);
  });

  it('an operator can create customers, hire, update and run', async () => {
    const c = (
      await call(
        p.app,
        { method: 'POST', url: '/api/v1/customers', payload: { display_name: 'Op made' } },
        operator,
      )
    ).json().customer_id as string;
    const hired = await call(
      p.app,
      {
        method: 'POST',
        url: '/api/v1/hired-agents',
        payload: { customer_id: c, agent_id: AGENT, setup: setup() },
      },
      operator,
    );
    expect(hired.statusCode).toBe(201);
    expect((await run(p.app, runBody({ customer_id: c }), {}, AGENT, operator)).statusCode).toBe(200);
  });

  it('an ops admin sees every customer and every hire', async () => {
    const hires = (await call(p.app, '/api/v1/hired-agents')).json().items as { customer_id: string }[];
    expect(hires.map((h) => h.customer_id)).toEqual(expect.arrayContaining([a, b]));
    const customers = (await call(p.app, '/api/v1/customers')).json().items as { customer_id: string }[];
    expect(customers.map((c) => c.customer_id)).toEqual(expect.arrayContaining([a, b]));
  });
});

describe('customer tenancy', () => {
  it('a customer reads, updates and runs its own hire', async () => {
    expect((await call(p.app, `/api/v1/hired-agents/${hireA}`, asA)).statusCode).toBe(200);
    expect((await run(p.app, runBody({ customer_id: a }), {}, AGENT, asA)).statusCode).toBe(200);
    const updated = await call(
      p.app,
      { method: 'PUT', url: `/api/v1/hired-agents/${hireA}/setup`, payload: { setup: setup() } },
      asA,
    );
    expect(updated.statusCode).toBe(200);
  });

  it("404 + audit for another customer's hire (read or update), like an unknown one; B's setup is untouched", async () => {
    await expectHiddenAndAudited(
      await call(p.app, `/api/v1/hired-agents/${hireB}`, asA),
      'hired_agent_not_found',
    );
    await expectHiddenAndAudited(
      await call(
        p.app,
        { method: 'PUT', url: `/api/v1/hired-agents/${hireB}/setup`, payload: setupBody },
        asA,
      ),
      'hired_agent_not_found',
    );
    expect((await call(p.app, `/api/v1/hired-agents/${hireB}`)).json()).toMatchObject({
      setup_version: 1,
      setup: { default_coin: 'BTC' },
    });
    const unknown = await call(p.app, '/api/v1/hired-agents/00000000-0000-4000-8000-000000000000', asA);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().reason).toBe('hired_agent_not_found');
  });

  it("404 + audit for a run on another customer's hire, and no usage is recorded for it", async () => {
    const before = (await call(p.app, `/api/v1/usage-events?customer_id=${b}`)).json().items.length;
    const res = await run(p.app, runBody({ customer_id: b }), {}, AGENT, asA);
    await expectHiddenAndAudited(res, 'hired_agent_not_found');
    // The same answer a customer that never hired the agent gets.
    expect(res.json().detail).toBe(`Customer ${b} has not hired ${AGENT}.`);
    expect((await call(p.app, `/api/v1/usage-events?customer_id=${b}`)).json().items).toHaveLength(before);
  });

  it('404 + audit for hiring on behalf of another customer', async () => {
    const res = await call(
      p.app,
      {
        method: 'POST',
        url: '/api/v1/hired-agents',
        payload: { customer_id: b, agent_id: AGENT, setup: setup() },
      },
      asA,
    );
    await expectHiddenAndAudited(res, 'customer_not_found');
  });

  it('lists are forced to the caller; asking for another customer is 404 + audit', async () => {
    const hires = (await call(p.app, '/api/v1/hired-agents', asA)).json().items as { customer_id: string }[];
    expect(hires.map((h) => h.customer_id)).toEqual([a]);
    const usage = (await call(p.app, '/api/v1/usage-events', asA)).json().items as { customer_id: string }[];
    expect(usage.length).toBeGreaterThan(0);
    expect(new Set(usage.map((u) => u.customer_id))).toEqual(new Set([a]));
    expect((await call(p.app, '/api/v1/audit/policy-denials', asA)).statusCode).toBe(200);
    expect((await call(p.app, `/api/v1/hired-agents?customer_id=${a}`, asA)).json().items).toHaveLength(1);
    for (const url of [
      `/api/v1/hired-agents?customer_id=${b}`,
      `/api/v1/usage-events?customer_id=${b}`,
      `/api/v1/audit/policy-denials?customer_id=${b}`,
    ]) {
      await expectHiddenAndAudited(await call(p.app, url, asA), 'customer_not_found');
    }
  });

  it('the customer directory shows a customer only itself', async () => {
    const list = (await call(p.app, '/api/v1/customers', asA)).json();
    expect(list).toEqual({ items: [expect.objectContaining({ customer_id: a })], next_cursor: null });
    expect((await call(p.app, `/api/v1/customers/${a}`, asA)).statusCode).toBe(200);
    await expectHiddenAndAudited(await call(p.app, `/api/v1/customers/${b}`, asA), 'customer_not_found');
  });

  it('a customer cannot create customers or verify the audit chain (403)', async () => {
    const create = await call(
      p.app,
      { method: 'POST', url: '/api/v1/customers', payload: { display_name: 'Self made' } },
      asA,
    );
    expect(create.statusCode).toBe(403);
    expect((await call(p.app, '/api/v1/audit/verify', asA)).statusCode).toBe(403);
  });

  it('the audit chain still verifies after the denials', async () => {
    expect((await call(p.app, '/api/v1/audit/verify')).json()).toMatchObject({ ok: true });
  });
});
