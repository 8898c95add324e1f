import { randomUUID } from 'node:crypto';
import type { TPrincipal } from '@delta/contracts';
import { testApprovalId, testCustomerId } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HiredAgentDeps, reserveRun } from '../src/agent-mold/hired-agents.ts';
import { compileReferenceAgents, DELTA_TRADING_AGENT } from '../src/agent-mold/reference-agents.ts';
import type { ApprovalVerifier } from '../src/integrations/approval-verifier.ts';
import { createStaticMarketData, fixedPrices } from '../src/integrations/market-data.ts';
import type { OrderExecutor } from '../src/integrations/order-executor.ts';
import { loadPlaybooks, PLAYBOOKS_DIR } from '../src/playbooks/playbook-loader.ts';
import {
  AGENT,
  call,
  ensureCustomer,
  hire,
  OPS_ADMIN,
  type PlantTestApp,
  PRICES,
  run,
  runBody,
  setup,
  startPlant,
  startPlantOn,
} from './plant-test-app.ts';

// Delta's documented test secret (60 hex) and a 30-character key of the same alphabet.
const DELTA_SECRET = '7b6f39dcf660ec1c7c664f612c60410a2bd0c258416b498bf0311f94228f';
const DELTA_KEY = 'a207900b7693435a8fa9230a38195d';

let p: PlantTestApp;
beforeAll(async () => {
  p = await startPlant();
  // Plant owns the customer directory: a hire needs an existing customer.
  for (const c of [testCustomerId('cust-v'), testCustomerId('cust-crud')]) await ensureCustomer(p.app, c);
});
afterAll(() => p.close());

const post = (payload: object) => p.app.inject({ method: 'POST', url: '/api/v1/hired-agents', payload });
const hireBody = (setupOverrides: Record<string, unknown>, customer = testCustomerId('cust-v')) => ({
  customer_id: customer,
  agent_id: AGENT,
  setup: { ...setup(), ...setupOverrides },
});

describe('hired agents and AgentSetup', () => {
  it('creates, reads, lists and updates a hired agent', async () => {
    const created = await post(
      hireBody(
        { active_window: { start: '09:15', end: '15:30', timezone: 'Asia/Kolkata' } },
        testCustomerId('cust-crud'),
      ),
    );
    expect(created.statusCode).toBe(201);
    const hired = created.json();
    expect(hired).toMatchObject({
      customer_id: testCustomerId('cust-crud'),
      agent_id: AGENT,
      plan: 'trial',
      setup_version: 1,
    });
    const read = await p.app.inject(`/api/v1/hired-agents/${hired.hired_agent_id}`);
    expect(read.json()).toEqual(hired);
    const list = await p.app.inject(`/api/v1/hired-agents?customer_id=${testCustomerId('cust-crud')}`);
    expect(list.json().items).toEqual([hired]);
    const updated = await p.app.inject({
      method: 'PUT',
      url: `/api/v1/hired-agents/${hired.hired_agent_id}/setup`,
      payload: { plan: 'paid', setup: setup({ allowed_coins: ['ETH'], default_coin: 'ETH' }) },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ plan: 'paid', setup_version: 2, setup: { default_coin: 'ETH' } });
    expect((await post(hireBody({}, testCustomerId('cust-crud')))).statusCode).toBe(409);
    expect((await p.app.inject('/api/v1/hired-agents/00000000-0000-4000-8000-000000000000')).statusCode).toBe(
      404,
    );
  });

  it.each([
    ['default_coin outside allowed_coins', { default_coin: 'ETH', allowed_coins: ['BTC'] }, 'default_coin'],
    ['a coin unknown to the catalogue', { allowed_coins: ['BTC', 'DOGE'] }, 'allowed_coins.1'],
    ['an empty allowed_coins', { allowed_coins: [] }, 'allowed_coins'],
    ['max_units_per_order 0', { risk_limits: { max_units_per_order: 0 } }, 'risk_limits.max_units_per_order'],
    [
      'max_notional_inr 0',
      { risk_limits: { max_units_per_order: 1, max_notional_inr: '0' } },
      'risk_limits.max_notional_inr',
    ],
    [
      'max_notional_inr as a number',
      { risk_limits: { max_units_per_order: 1, max_notional_inr: 1000 } },
      'risk_limits.max_notional_inr',
    ],
    [
      'require_customer_approval false',
      { execution_policy: { require_customer_approval: false, approval_scope: 'per_trade_action' } },
      'execution_policy.require_customer_approval',
    ],
    [
      'another approval scope',
      { execution_policy: { require_customer_approval: true, approval_scope: 'per_day' } },
      'execution_policy.approval_scope',
    ],
    [
      'a window without timezone',
      { active_window: { start: '09:00', end: '17:00' } },
      'active_window.timezone',
    ],
    [
      'a window with a bogus timezone',
      { active_window: { start: '09:00', end: '17:00', timezone: 'Mars/Base' } },
      'active_window.timezone',
    ],
    [
      'a window with a bad time',
      { active_window: { start: '9am', end: '17:00', timezone: 'UTC' } },
      'active_window.start',
    ],
    ['interval_seconds below a minute', { interval_seconds: 5 }, 'interval_seconds'],
    ['leverage above the product maximum', { leverage: 500 }, 'leverage'],
    ['another exchange', { exchange_provider: 'binance' }, 'exchange_provider'],
    ['an api_secret in the setup', { api_secret: 'shh' }, 'setup.api_secret'],
    ['a secret as credential_ref', { credential_ref: DELTA_SECRET }, 'setup.credential_ref'],
    ['a key as credential_ref', { credential_ref: DELTA_KEY }, 'setup.credential_ref'],
    ['a free-form credential_ref', { credential_ref: 'cred_ref_001' }, 'setup.credential_ref'],
    ['a secret as exchange_account_id', { exchange_account_id: DELTA_SECRET }, 'setup.exchange_account_id'],
  ])('422 for %s', async (_label, overrides, path) => {
    const res = await post(hireBody(overrides));
    expect(res.statusCode).toBe(422);
    const paths = (res.json().errors as { path: string }[]).map((e) => e.path);
    expect(paths.some((x) => x === path || x === `setup.${path}`)).toBe(true);
  });

  it('stores nothing and echoes nothing of a secret sent as an id', async () => {
    const before = await p.testDb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM hired_agents');
    for (const body of [
      hireBody({ credential_ref: DELTA_SECRET }),
      { ...hireBody({}), customer_id: DELTA_SECRET },
      { ...hireBody({}), agent_id: DELTA_SECRET },
    ]) {
      const res = await post(body);
      expect(res.statusCode).toBe(422);
      expect(res.body).not.toContain(DELTA_SECRET);
    }
    const path = await p.app.inject(`/api/v1/hired-agents/${DELTA_SECRET}`);
    expect(path.statusCode).toBe(422);
    expect(path.body).not.toContain(DELTA_SECRET);
    const list = await p.app.inject(`/api/v1/hired-agents?customer_id=${DELTA_SECRET}`);
    expect(list.statusCode).toBe(422);
    expect(list.body).not.toContain(DELTA_SECRET);
    const after = await p.testDb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM hired_agents');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    const tables = await p.testDb.db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    for (const { table_name } of tables.rows) {
      const rows = await p.testDb.db.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      for (const { row } of rows.rows) expect(row, table_name).not.toContain(DELTA_SECRET);
    }
    expect(p.logs.lines.filter((l) => l.includes(DELTA_SECRET))).toEqual([]);
  });
});

describe('the plan of a hire', () => {
  const OPERATOR: TPrincipal = { kind: 'ops', user_id: 'usr_test_operator', role: 'operator' };
  const putSetup = (id: string, payload: object, principal: TPrincipal) =>
    call(p.app, { method: 'PUT', url: `/api/v1/hired-agents/${id}/setup`, payload }, principal);

  it('only an ops admin changes it; an operator may change the setup under the same plan', async () => {
    const id = await hire(p.app, testCustomerId('cust-plan'));
    const refused = await putSetup(id, { plan: 'paid', setup: setup() }, OPERATOR);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().reason).toBe('role_forbidden');
    expect((await p.app.inject(`/api/v1/hired-agents/${id}`)).json()).toMatchObject({
      plan: 'trial',
      setup_version: 1,
    });

    const same = await putSetup(id, { plan: 'trial', setup: setup({ default_coin: 'ETH' }) }, OPERATOR);
    expect(same.statusCode).toBe(200);

    const changed = await putSetup(id, { plan: 'paid', setup: setup() }, OPS_ADMIN);
    expect(changed.statusCode).toBe(200);
    expect(changed.json().plan).toBe('paid');
    const audit = await p.testDb.db.query<{ details: Record<string, unknown> }>(
      `SELECT details FROM audit_log WHERE kind = 'agent_setup.updated' AND hired_agent_id = $1 ORDER BY seq`,
      [id],
    );
    expect(audit.rows.map((r) => [r.details.actor, r.details.plan, r.details.plan_changed_from])).toEqual([
      ['ops:usr_test_operator(operator)', 'trial', undefined],
      ['ops:usr_test_admin(admin)', 'paid', 'trial'],
    ]);
  });
});

describe('trial and budget', () => {
  const withLimits = (trial: Record<string, number>, budget: number) => ({
    ...DELTA_TRADING_AGENT,
    dimensions: {
      ...DELTA_TRADING_AGENT.dimensions,
      trial: { present: true, config: trial },
      budget: { present: true, config: { max_runs_per_day: budget } },
    },
  });
  // Every approval is good (this file is about quotas, not approvals); the executor fills every order.
  const anyApproval: ApprovalVerifier = {
    async consume(req) {
      return { ok: true, approvalId: req.approvalId, intentHash: req.intentHash, consumedAt: 'now' };
    },
  };
  const filling: OrderExecutor = {
    async execute() {
      return { exchangeOrderId: '9001', state: 'filled' };
    },
  };
  const quotaCheck = (res: { json(): { plan: { risk_checks: { check: string; passed: boolean }[] } } }) =>
    res.json().plan.risk_checks.find((c) => c.check === 'run_quota');
  let approvals = 0;
  const enter = (customer: string) =>
    runBody({
      customer_id: customer,
      intent_action: 'place_order',
      approval_id: testApprovalId(`apr-q-${++approvals}`),
    });
  const exit = (customer: string) =>
    runBody({
      customer_id: customer,
      action: 'exit',
      market: true,
      limit_price: undefined,
      intent_action: 'close_position',
      approval_id: testApprovalId(`apr-q-${++approvals}`),
    });
  const limitedPlant = (spec: object, clock?: () => Date) =>
    startPlantOn(p.testDb, {
      referenceAgentSpecs: [spec],
      approvalVerifier: anyApproval,
      orderExecutor: filling,
      ...(clock ? { clock } : {}),
    });

  it('drafts take no run; executions of entries do; the draft of an entry shows when none is left', async () => {
    const q = await limitedPlant(withLimits({ max_runs: 2 }, 100));
    try {
      const id = await hire(q.app, testCustomerId('cust-trial'));
      const draft = runBody({ customer_id: testCustomerId('cust-trial') });
      for (let i = 0; i < 5; i++) expect((await run(q.app, draft)).statusCode).toBe(200);
      expect((await q.app.inject(`/api/v1/hired-agents/${id}`)).json().runs_used).toBe(0);
      expect(quotaCheck(await run(q.app, draft))?.passed).toBe(true);

      expect((await run(q.app, enter(testCustomerId('cust-trial')))).json().mode).toBe('executed');
      expect((await run(q.app, enter(testCustomerId('cust-trial')))).json().mode).toBe('executed');
      const third = await run(q.app, enter(testCustomerId('cust-trial')));
      expect(third.statusCode).toBe(429);
      expect(third.json().reason).toBe('trial_runs_exhausted');
      const cid = third.headers['x-correlation-id'];
      const denials = await q.app.inject(`/api/v1/audit/policy-denials?correlation_id=${cid}`);
      expect(denials.json().items[0]).toMatchObject({
        reason: 'trial_runs_exhausted',
        details: expect.objectContaining({ hook: 'QuotaHook' }),
      });

      // The draft of another entry still answers, and says it cannot be executed: not approvable.
      const after = await run(q.app, draft);
      expect(after.statusCode).toBe(200);
      expect(quotaCheck(after)).toMatchObject({ passed: false });
      expect(after.json().plan.approvable).toBe(false);
      const view = (await q.app.inject(`/api/v1/hired-agents/${id}`)).json();
      expect(view.runs_used).toBe(2);
      // What the Agent setup page shows: the plan's limits and what is used of them.
      expect(view.usage).toEqual({
        trial: { ends_at: null, max_runs: 2, runs_used: 2 },
        daily_budget: { max_runs_per_day: 100, runs_today: 2 },
      });
    } finally {
      await q.close();
    }
  });

  it('an exit is never blocked by the trial or the budget, and takes no run', async () => {
    const q = await limitedPlant(withLimits({ max_runs: 1 }, 1));
    try {
      const id = await hire(q.app, testCustomerId('cust-exit'));
      expect((await run(q.app, enter(testCustomerId('cust-exit')))).json().mode).toBe('executed');
      expect((await run(q.app, enter(testCustomerId('cust-exit')))).statusCode).toBe(429);
      const exitDraft = await run(
        q.app,
        runBody({
          customer_id: testCustomerId('cust-exit'),
          action: 'exit',
          market: true,
          limit_price: undefined,
        }),
      );
      expect(exitDraft.json().plan.approvable).toBe(true);
      expect(quotaCheck(exitDraft)).toBeUndefined();
      const closed = await run(q.app, exit(testCustomerId('cust-exit')));
      expect(closed.statusCode).toBe(200);
      expect(closed.json().mode).toBe('executed');
      expect((await q.app.inject(`/api/v1/hired-agents/${id}`)).json().runs_used).toBe(1);
    } finally {
      await q.close();
    }
  });

  it('429 trial_expired after the trial days; a paid plan is not limited by the trial', async () => {
    let now = new Date('2026-03-01T10:00:00Z');
    const q = await limitedPlant(withLimits({ duration_days: 7 }, 100), () => now);
    try {
      const id = await hire(q.app, testCustomerId('cust-expire'));
      expect((await run(q.app, enter(testCustomerId('cust-expire')))).statusCode).toBe(200);
      now = new Date('2026-03-08T10:00:00Z');
      const late = await run(q.app, enter(testCustomerId('cust-expire')));
      expect(late.statusCode).toBe(429);
      expect(late.json().reason).toBe('trial_expired');
      await q.app.inject({
        method: 'PUT',
        url: `/api/v1/hired-agents/${id}/setup`,
        payload: { plan: 'paid', setup: setup() },
      });
      expect((await run(q.app, enter(testCustomerId('cust-expire')))).statusCode).toBe(200);
    } finally {
      await q.close();
    }
  });

  it('429 budget_exceeded past the daily budget, with Retry-After until the next UTC day', async () => {
    let now = new Date('2026-03-01T23:00:00Z');
    const q = await limitedPlant(withLimits({ max_runs: 100 }, 1), () => now);
    try {
      await hire(q.app, testCustomerId('cust-budget'), {}, 'paid');
      expect((await run(q.app, enter(testCustomerId('cust-budget')))).statusCode).toBe(200);
      const over = await run(q.app, enter(testCustomerId('cust-budget')));
      expect(over.statusCode).toBe(429);
      expect(over.json()).toMatchObject({ reason: 'budget_exceeded', retry_after_s: 3600 });
      expect(over.headers['retry-after']).toBe('3600');
      now = new Date('2026-03-02T00:00:01Z');
      expect((await run(q.app, enter(testCustomerId('cust-budget')))).statusCode).toBe(200);
    } finally {
      await q.close();
    }
  });

  it('concurrent executions cannot overrun the daily budget: 20 in parallel against a budget of 5', async () => {
    const q = await limitedPlant(withLimits({ max_runs: 100 }, 5));
    try {
      const id = await hire(q.app, testCustomerId('cust-burst'), {}, 'paid');
      const results = await Promise.all(
        Array.from({ length: 20 }, () => run(q.app, enter(testCustomerId('cust-burst')))),
      );
      const codes = results.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 200)).toHaveLength(5);
      expect(codes.filter((c) => c === 429)).toHaveLength(15);
      for (const r of results.filter((x) => x.statusCode === 429))
        expect(r.json().reason).toBe('budget_exceeded');
      expect((await q.app.inject(`/api/v1/hired-agents/${id}`)).json().runs_used).toBe(5);
    } finally {
      await q.close();
    }
  });
});

describe('reserveRun', () => {
  const playbooks = loadPlaybooks(PLAYBOOKS_DIR);
  const limited = (trial: Record<string, number>, budget: number) => ({
    ...DELTA_TRADING_AGENT,
    dimensions: {
      ...DELTA_TRADING_AGENT.dimensions,
      trial: { present: true, config: trial },
      budget: { present: true, config: { max_runs_per_day: budget } },
    },
  });

  /** A hire made at `hiredAt` (through the API) and the deps to reserve its runs with a clock the test moves. */
  async function hireAt(customer: string, hiredAt: Date, spec: object, plan: 'trial' | 'paid' = 'trial') {
    const clock = { now: hiredAt };
    const q = await startPlantOn(p.testDb, { referenceAgentSpecs: [spec], clock: () => clock.now });
    try {
      const id = await hire(q.app, customer, {}, plan);
      const deps: HiredAgentDeps = {
        db: p.testDb.db,
        registry: compileReferenceAgents([spec], playbooks),
        marketData: createStaticMarketData(fixedPrices(PRICES)),
        newId: randomUUID,
        now: () => clock.now,
      };
      const row = async () =>
        (
          await p.testDb.db.query<{ runs_used: number; budget_day: string; budget_day_runs: number }>(
            'SELECT runs_used, budget_day, budget_day_runs FROM hired_agents WHERE hired_agent_id = $1',
            [id],
          )
        ).rows[0];
      return { id, deps, clock, row };
    } finally {
      await q.close();
    }
  }

  it('takes exactly the trial runs left when many reserve at once', async () => {
    const h = await hireAt(
      testCustomerId('cust-rr-trial'),
      new Date('2026-04-01T08:00:00Z'),
      limited({ max_runs: 4 }, 100),
    );
    const verdicts = await Promise.all(Array.from({ length: 12 }, () => reserveRun(h.deps, h.id, AGENT)));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(4);
    expect(verdicts.filter((v) => !v.ok)).toEqual(
      Array(8).fill({ ok: false, reason: 'trial_runs_exhausted', detail: "the trial's 4 runs are used up" }),
    );
    expect(await h.row()).toEqual({ runs_used: 4, budget_day: '2026-04-01', budget_day_runs: 4 });
  });

  it('20 in parallel against a budget of 5: exactly 5 allowed, then the budget resets on the next UTC day', async () => {
    const h = await hireAt(
      testCustomerId('cust-rr-budget'),
      new Date('2026-04-01T20:00:00Z'),
      limited({ max_runs: 100 }, 5),
    );
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => reserveRun(h.deps, h.id, AGENT)));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(5);
    for (const v of verdicts.filter((x) => !x.ok)) {
      expect(v).toEqual({
        ok: false,
        reason: 'budget_exceeded',
        detail: 'the daily budget of 5 runs is used up',
        retryAfterS: 4 * 3600,
      });
    }
    expect(await h.row()).toEqual({ runs_used: 5, budget_day: '2026-04-01', budget_day_runs: 5 });
    h.clock.now = new Date('2026-04-02T00:00:00Z');
    expect(await reserveRun(h.deps, h.id, AGENT)).toEqual({ ok: true });
    expect(await h.row()).toEqual({ runs_used: 6, budget_day: '2026-04-02', budget_day_runs: 1 });
  });

  it('the trial ends at hired_at + duration_days to the millisecond, by the injected clock', async () => {
    const hiredAt = new Date('2026-03-28T22:30:00.123Z'); // the trial spans a DST change in many zones
    const h = await hireAt(testCustomerId('cust-rr-expiry'), hiredAt, limited({ duration_days: 7 }, 100));
    const end = hiredAt.getTime() + 7 * 86_400_000;
    h.clock.now = new Date(end - 1);
    expect(await reserveRun(h.deps, h.id, AGENT)).toEqual({ ok: true });
    h.clock.now = new Date(end);
    expect(await reserveRun(h.deps, h.id, AGENT)).toEqual({
      ok: false,
      reason: 'trial_expired',
      detail: 'the 7-day trial has ended',
    });
    expect((await h.row())?.runs_used).toBe(1);
  });

  it('a paid plan is not held to the trial, only to the budget', async () => {
    const h = await hireAt(
      testCustomerId('cust-rr-paid'),
      new Date('2026-01-01T00:00:00Z'),
      limited({ duration_days: 1, max_runs: 1 }, 3),
      'paid',
    );
    h.clock.now = new Date('2026-02-01T10:00:00Z');
    for (let i = 0; i < 3; i++) expect(await reserveRun(h.deps, h.id, AGENT)).toEqual({ ok: true });
    expect(await reserveRun(h.deps, h.id, AGENT)).toMatchObject({ ok: false, reason: 'budget_exceeded' });
    expect((await h.row())?.runs_used).toBe(3);
  });

  it('names a missing hire and an unregistered agent, and counts nothing', async () => {
    const h = await hireAt(
      testCustomerId('cust-rr-missing'),
      new Date('2026-04-01T08:00:00Z'),
      limited({ max_runs: 4 }, 100),
    );
    expect(await reserveRun(h.deps, randomUUID(), AGENT)).toEqual({
      ok: false,
      reason: 'hired_agent_not_found',
      detail: 'the hired agent no longer exists',
    });
    const unregistered = { ...h.deps, registry: compileReferenceAgents([], playbooks) };
    expect(await reserveRun(unregistered, h.id, AGENT)).toEqual({
      ok: false,
      reason: 'agent_not_found',
      detail: 'the reference agent is not registered',
    });
    expect((await h.row())?.runs_used).toBe(0);
  });
});
