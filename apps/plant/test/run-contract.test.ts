import type { TProblem } from '@delta/contracts';
import { testApprovalId, testCustomerId } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticMarketData } from '../src/integrations/market-data.ts';
import { AGENT, hire, type PlantTestApp, run, runBody, startPlant, startPlantOn } from './plant-test-app.ts';

let p: PlantTestApp;
beforeAll(async () => {
  p = await startPlant();
  await hire(p.app, testCustomerId('cust-001'));
});
afterAll(() => p.close());

// Delta's documented test secret (60 hex) and a 30-character key of the same alphabet.
const DELTA_SECRET = '7b6f39dcf660ec1c7c664f612c60410a2bd0c258416b498bf0311f94228f';
const DELTA_KEY = 'a207900b7693435a8fa9230a38195d';

const problem = (res: { json(): unknown }) =>
  res.json() as TProblem & { errors: { path: string; code: string }[] };
const without = (field: string) => {
  const b = runBody();
  delete b[field];
  return b;
};

describe('run contract: 422 for every field', () => {
  it.each([
    ['customer_id missing', without('customer_id'), 'customer_id'],
    ['customer_id not a string', runBody({ customer_id: 42 }), 'customer_id'],
    ['customer_id with spaces', runBody({ customer_id: 'a b' }), 'customer_id'],
    ['exchange_account_id missing', without('exchange_account_id'), 'exchange_account_id'],
    ['exchange_account_id empty', runBody({ exchange_account_id: '' }), 'exchange_account_id'],
    ['coin missing', without('coin'), 'coin'],
    ['coin lower case', runBody({ coin: 'btc' }), 'coin'],
    ['coin unknown to the catalogue', runBody({ coin: 'DOGE' }), 'coin'],
    ['units missing', without('units'), 'units'],
    ['units zero', runBody({ units: 0 }), 'units'],
    ['units negative', runBody({ units: -1 }), 'units'],
    ['units fractional', runBody({ units: 1.5 }), 'units'],
    ['units as a string', runBody({ units: '2' }), 'units'],
    ['side missing', without('side'), 'side'],
    ['side invalid', runBody({ side: 'buy' }), 'side'],
    ['action missing', without('action'), 'action'],
    ['action invalid', runBody({ action: 'close' }), 'action'],
    ['limit_price zero', runBody({ limit_price: '0' }), 'limit_price'],
    ['limit_price 0.000', runBody({ limit_price: '0.000' }), 'limit_price'],
    ['limit_price negative', runBody({ limit_price: '-5' }), 'limit_price'],
    ['limit_price as a number', runBody({ limit_price: 65000 }), 'limit_price'],
    ['limit_price not decimal', runBody({ limit_price: '1e5' }), 'limit_price'],
    ['neither limit_price nor market', without('limit_price'), 'limit_price'],
    ['market false without limit_price', { ...without('limit_price'), market: false }, 'limit_price'],
    ['both limit_price and market', runBody({ market: true }), 'market'],
    ['market not boolean', { ...without('limit_price'), market: 'yes' }, 'market'],
    ['intent_action invalid', runBody({ intent_action: 'withdraw' }), 'intent_action'],
    ['approval_id not a string', runBody({ approval_id: 7 }), 'approval_id'],
    ['approval_id malformed', runBody({ approval_id: '../etc' }), 'approval_id'],
    ['correlation_id malformed', runBody({ correlation_id: 'short' }), 'correlation_id'],
    // Key material has no id shape, so no id field takes it (it would be recorded and echoed otherwise).
    ['approval_id a secret', runBody({ approval_id: DELTA_SECRET }), 'approval_id'],
    ['approval_id a key', runBody({ approval_id: DELTA_KEY }), 'approval_id'],
    ['customer_id a secret', runBody({ customer_id: DELTA_SECRET }), 'customer_id'],
    ['exchange_account_id a secret', runBody({ exchange_account_id: DELTA_SECRET }), 'exchange_account_id'],
    ['correlation_id a secret', runBody({ correlation_id: DELTA_SECRET }), 'correlation_id'],
    ['customer_id any opaque text', runBody({ customer_id: 'cust-001' }), 'customer_id'],
    ['approval_id any opaque text', runBody({ approval_id: 'apr-1' }), 'approval_id'],
    [
      'correlation_id differing from the header',
      runBody({ correlation_id: '0f0e0d0c-0b0a-4908-8706-050403020100' }),
      'correlation_id',
    ],
    ['unknown field api_key', runBody({ api_key: 'k' }), 'api_key'],
    ['unknown field auto_execute', runBody({ auto_execute: true }), 'auto_execute'],
    ['unknown field skip_approval', runBody({ skip_approval: true }), 'skip_approval'],
    ['unknown field api_secret', runBody({ api_secret: 's' }), 'api_secret'],
  ])('%s', async (_label, body, path) => {
    const res = await run(p.app, body, { 'x-correlation-id': '42242242-2422-4422-8422-422422422422' });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body422 = problem(res);
    expect(body422.reason).toBe('validation_failed');
    expect(body422.correlation_id).toBe('42242242-2422-4422-8422-422422422422');
    expect(body422.errors.map((e) => e.path)).toContain(path);
    if (/^unknown field/.test(_label)) {
      expect(body422.errors.find((e) => e.path === path)?.code).toBe('unrecognized_key');
    }
  });

  it.each([
    ['enter', 'close_position'],
    ['exit', 'place_order'],
  ])('action %s with intent_action %s is a 422 naming intent_action', async (action, intentAction) => {
    const res = await run(
      p.app,
      runBody({ action, intent_action: intentAction, approval_id: testApprovalId('apr-1') }),
    );
    expect(res.statusCode).toBe(422);
    expect(problem(res).errors).toEqual([expect.objectContaining({ path: 'intent_action' })]);
  });

  it('reports several invalid fields at once', async () => {
    const res = await run(p.app, { customer_id: testCustomerId('cust-001'), units: 0, side: 'up' });
    expect(res.statusCode).toBe(422);
    const paths = problem(res).errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['exchange_account_id', 'coin', 'units', 'side', 'action']));
  });
});

describe('run contract: agents and hires', () => {
  it('404 for an unknown agent', async () => {
    const res = await run(p.app, runBody(), {}, 'AGT-TRD-NOPE-999');
    expect(res.statusCode).toBe(404);
    expect(problem(res).reason).toBe('agent_not_found');
  });

  it('404 when the customer has not hired the agent', async () => {
    const res = await run(p.app, runBody({ customer_id: testCustomerId('cust-nobody') }));
    expect(res.statusCode).toBe(404);
    expect(problem(res).reason).toBe('hired_agent_not_found');
  });

  it('accepts a body correlation_id equal to the header and echoes it everywhere', async () => {
    const cid = '5a3e7a1c-0b1d-4c2e-9f3a-6b7c8d9e0f1a';
    const res = await run(p.app, runBody({ correlation_id: cid }), { 'x-correlation-id': cid });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-correlation-id']).toBe(cid);
    expect(res.json().correlation_id).toBe(cid);
    const usage = await p.app.inject(`/api/v1/usage-events?correlation_id=${cid}`);
    expect(usage.json().items).toEqual([
      expect.objectContaining({ event_type: 'draft_plan', correlation_id: cid }),
    ]);
  });
});

describe('draft run', () => {
  it('returns the exact order, pricing, risk checks and intent hash', async () => {
    const res = await run(p.app, runBody({ units: 2, limit_price: '65000.50' }));
    expect(res.statusCode).toBe(200);
    const { mode, plan, correlation_id } = res.json();
    expect(mode).toBe('draft');
    expect(correlation_id).toBe(res.headers['x-correlation-id']);
    expect(plan.order).toEqual({
      product_id: 27,
      product_symbol: 'BTCUSD',
      size: 2,
      side: 'buy',
      order_type: 'limit_order',
      limit_price: '65000.5',
      reduce_only: false,
      post_only: false,
      time_in_force: 'gtc',
    });
    expect(plan.pricing).toMatchObject({
      notional_usd: '130.001',
      notional_inr: '11050.085',
      inr_per_usd: '85',
    });
    expect(plan.requires_approval).toBe(true);
    expect(plan.approvable).toBe(true);
    expect(plan.intent_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is byte-identical for the same inputs', async () => {
    const a = await run(
      p.app,
      runBody({ side: 'short', action: 'exit', market: true, limit_price: undefined }),
    );
    const b = await run(
      p.app,
      runBody({ side: 'short', action: 'exit', market: true, limit_price: undefined }),
    );
    expect(JSON.stringify(a.json().plan)).toBe(JSON.stringify(b.json().plan));
    expect(a.json().plan.order).toMatchObject({ side: 'buy', reduce_only: true, order_type: 'market_order' });
  });

  it('a coin outside allowed_coins or units over the limit give a plan that is not approvable', async () => {
    await hire(p.app, testCustomerId('cust-btc-only'), {
      allowed_coins: ['BTC'],
      risk_limits: { max_units_per_order: 3 },
    });
    const eth = await run(
      p.app,
      runBody({ customer_id: testCustomerId('cust-btc-only'), coin: 'ETH', limit_price: '3400' }),
    );
    expect(eth.statusCode).toBe(200);
    expect(eth.json().plan.approvable).toBe(false);
    expect(eth.json().plan.risk_checks).toContainEqual(
      expect.objectContaining({ check: 'coin_allowed', passed: false }),
    );
    const big = await run(p.app, runBody({ customer_id: testCustomerId('cust-btc-only'), units: 4 }));
    expect(big.json().plan.approvable).toBe(false);
    expect(big.json().plan.risk_checks).toContainEqual(
      expect.objectContaining({ check: 'max_units_per_order', passed: false }),
    );
  });
});

describe('execute run without a verified approval', () => {
  it('403 approval_required, and the denial is listed under the response correlation id', async () => {
    const res = await run(p.app, runBody({ intent_action: 'place_order' }));
    expect(res.statusCode).toBe(403);
    const body = problem(res);
    expect(body.reason).toBe('approval_required');
    const cid = res.headers['x-correlation-id'] as string;
    expect(body.correlation_id).toBe(cid);
    const denials = await p.app.inject(`/api/v1/audit/policy-denials?correlation_id=${cid}`);
    expect(denials.statusCode).toBe(200);
    expect(denials.json().items).toEqual([
      expect.objectContaining({
        correlation_id: cid,
        decision_id: body.decision_id,
        reason: 'approval_required',
        action: 'place_order',
        outcome: 'deny',
        stage: 'pre_run',
      }),
    ]);
    const usage = await p.app.inject(`/api/v1/usage-events?correlation_id=${cid}`);
    expect(usage.json().items).toEqual([
      expect.objectContaining({ event_type: 'denied', outcome: 'approval_required' }),
    ]);
  });

  it('403 approval_invalid for an approval id the (default) verifier cannot vouch for', async () => {
    const res = await run(
      p.app,
      runBody({
        action: 'exit',
        intent_action: 'close_position',
        approval_id: testApprovalId('apr-made-up'),
      }),
    );
    expect(res.statusCode).toBe(403);
    expect(problem(res).reason).toBe('approval_invalid');
  });

  it('no header, query or body flag skips the bus', async () => {
    const res = await p.app.inject({
      method: 'POST',
      url: `/api/v1/reference-agents/${AGENT}/run?skip_approval=true`,
      headers: { 'x-skip-approval': 'true', 'x-approval-verified': 'true' },
      payload: runBody({ intent_action: 'place_order', approval_id: testApprovalId('apr-1') }),
    });
    expect(res.statusCode).toBe(403);
    expect(problem(res).reason).toBe('approval_invalid');
  });
});

describe('market data', () => {
  it('503 market_data_unavailable when there is no mark price, never a 500', async () => {
    const q = await startPlantOn(p.testDb, { marketData: createStaticMarketData(async () => undefined) });
    const broken = await startPlantOn(p.testDb, {
      marketData: createStaticMarketData(() => Promise.reject(new Error('socket hang up'))),
    });
    try {
      const res = await run(q.app, runBody());
      expect(res.statusCode).toBe(503);
      expect(problem(res).reason).toBe('market_data_unavailable');
      expect((await run(broken.app, runBody())).statusCode).toBe(503);
    } finally {
      await q.close();
      await broken.close();
    }
  });
});
