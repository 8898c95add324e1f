import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, approve, CONSENT, execute, type Onboarded, onboard, runBody } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

// Recognisable planted key material: if any of it shows up anywhere outside the vault's ciphertext (and the
// exchange itself, which must know its own keys), something leaks.
const CANARY_KEY = `CANARYKEY${randomBytes(8).toString('hex')}`;
const CANARY_SECRET = `CANARYSECRET${randomBytes(20).toString('hex')}`;
const ROTATED_KEY = `CANARYROTKEY${randomBytes(8).toString('hex')}`;
const ROTATED_SECRET = `CANARYROTSECRET${randomBytes(20).toString('hex')}`;
const CANARIES = [CANARY_KEY, CANARY_SECRET, ROTATED_KEY, ROTATED_SECRET];

let stack: Stack;
let acct: Onboarded;
const seen: string[] = [];

function recording(session: Session): Session {
  return {
    async call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
      const r = await session.call<T>(method, path, body, headers);
      // What came back (not the request, which carries the canaries on purpose in the bad-input cases).
      seen.push(`${r.status} ${JSON.stringify([...r.headers.entries()])} ${JSON.stringify(r.body)}`);
      return r;
    },
  };
}

beforeAll(async () => {
  stack = await startStack();
  await loadApiRoutes();
  const ops = recording(await signIn(stack, 'operator'));
  acct = await onboard(stack, ops, { apiKey: CANARY_KEY, apiSecret: CANARY_SECRET });

  // The whole runbook and its error paths, with the canary keys in play.
  await ops.call('GET', `/api/customers/${acct.customerId}/credentials`);
  await ops.call('POST', `/api/reference-agents/${AGENT}/run`, runBody(acct));
  await execute(ops, acct, { units: 1 });
  const enter = await approve(ops, acct, { units: 1 });
  await execute(ops, acct, { units: 1 }, enter);
  await execute(ops, acct, { units: 1 }, enter); // replay
  await ops.call('GET', `/api/credentials/${acct.credentialRef}/account`);
  stack.paper.injectFault({ mode: 'drop', method: 'POST', path: '/v2/orders' });
  const exit = await approve(ops, acct, { units: 1, action: 'exit' });
  await execute(ops, acct, { units: 1, action: 'exit' }, exit);
  // Rotation to a second planted pair (the exchange knows it as another key of the same account).
  await stack.paper.createApiKey({
    apiKey: ROTATED_KEY,
    apiSecret: ROTATED_SECRET,
    accountId: String(acct.userId),
  });
  await ops.call('POST', `/api/credentials/${acct.credentialRef}/rotate`, {
    api_key: ROTATED_KEY,
    api_secret: ROTATED_SECRET,
  });
  const afterRotation = await approve(ops, acct, { units: 1 });
  await execute(ops, acct, { units: 1 }, afterRotation);
  // Bad input carrying key material: a wrong secret, a key sent towards Plant in a body and a query.
  await ops.call('POST', `/api/customers/${acct.customerId}/credentials`, {
    api_key: CANARY_KEY,
    api_secret: `${CANARY_SECRET}x`,
    label: 'wrong',
    environment: 'paper',
  });
  await ops.call('POST', `/api/reference-agents/${AGENT}/run`, {
    ...runBody(acct),
    api_secret: CANARY_SECRET,
  });
  await ops.call('GET', `/api/usage-events?api_key=${CANARY_KEY}`);
  await ops.call('POST', '/api/approvals', {
    agent_id: AGENT,
    run: { ...runBody(acct), api_key: CANARY_KEY },
    consent: CONSENT,
  });
  await ops.call('GET', '/api/audit/policy-denials');
  await ops.call('GET', '/api/usage-events');

  // The same key material where an id, a header or a filter belongs: no schema takes it, no log line, record or
  // answer carries it.
  await plantedInIds(ops, enter);
}, 300_000);

/** Every field an id travels in on PP's public API: bodies, paths, query filters, headers. */
async function plantedInIds(ops: Session, approvalId: string) {
  const run = runBody(acct);
  const hireBody = {
    customer_id: acct.customerId,
    agent_id: AGENT,
    plan: 'paid',
    setup: {
      exchange_provider: 'delta_exchange_india',
      credential_ref: acct.credentialRef,
      exchange_account_id: acct.credentialRef,
      default_coin: 'BTC',
      allowed_coins: ['BTC'],
      risk_limits: { max_units_per_order: 5 },
      execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
    },
  };
  for (const canary of [CANARY_SECRET, CANARY_KEY]) {
    // Bodies: every id field of every write.
    const hires = [
      { ...hireBody, customer_id: canary },
      { ...hireBody, agent_id: canary },
      { ...hireBody, setup: { ...hireBody.setup, credential_ref: canary } },
      { ...hireBody, setup: { ...hireBody.setup, exchange_account_id: canary } },
    ];
    for (const body of hires) expect422(await ops.call('POST', '/api/hired-agents', body));
    for (const setup of [hires[2]!.setup, hires[3]!.setup])
      expect422(await ops.call('PUT', `/api/hired-agents/${acct.hiredAgentId}/setup`, { setup }));
    const runs = [
      { ...run, customer_id: canary },
      { ...run, exchange_account_id: canary },
      { ...run, intent_action: 'place_order', approval_id: canary },
      { ...run, correlation_id: canary },
    ];
    for (const body of runs) {
      expect422(await ops.call('POST', `/api/reference-agents/${AGENT}/run`, body));
      expect422(await ops.call('POST', '/api/approvals', { agent_id: AGENT, run: body, consent: CONSENT }));
    }
    expect422(await ops.call('POST', '/api/approvals', { agent_id: canary, run, consent: CONSENT }));

    // Paths: every path parameter of every route PP serves, each replaced by the canary.
    for (const { method, path } of apiRoutes.filter((r) => r.path.includes('{'))) {
      const url = path.replace(/\{[^}]+\}/g, encodeURIComponent(canary));
      const r = await ops.call(method, url, method === 'GET' ? undefined : {});
      expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${method} ${path}`).toBeLessThan(500);
    }
    await ops.call('GET', `/api/${canary}`);

    // Query strings: every query parameter of every GET, and one no route takes.
    for (const { path, query } of apiRoutes.filter((r) => r.method === 'GET')) {
      const url = path
        .replace('{customer_id}', acct.customerId)
        .replace('{credential_ref}', acct.credentialRef)
        .replace('{hired_agent_id}', acct.hiredAgentId)
        .replace('{agent_id}', AGENT)
        .replace('{approval_id}', approvalId);
      for (const name of [...query, 'note'])
        await ops.call('GET', `${url}?${name}=${encodeURIComponent(canary)}`);
    }

    // Headers: the correlation id is replaced by a fresh one; the others are never echoed or logged.
    const headers: Record<string, string>[] = [
      { 'x-correlation-id': canary },
      { 'user-agent': `canary-test (${canary})` },
      { 'x-request-id': canary },
      { 'x-forwarded-for': canary },
      { referer: `http://127.0.0.1/${canary}` },
      { 'accept-language': canary },
      { 'x-identity-assertion': canary },
      { authorization: `Bearer ${canary}` },
    ];
    for (const h of headers) {
      const r = await ops.call('GET', '/api/usage-events', undefined, h);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-correlation-id')).toMatch(UUID);
    }
    const withCid = await ops.call(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      { ...run, intent_action: 'place_order' },
      { 'x-correlation-id': canary },
    );
    expect(withCid.status).toBe(403);
    expect(withCid.headers.get('x-correlation-id')).toMatch(UUID);
    const anonymous = await fetch(`${stack.ppUrl}/api/usage-events`, {
      headers: { cookie: `pp_session=${canary}` },
    });
    seen.push(
      `${anonymous.status} ${JSON.stringify([...anonymous.headers.entries()])} ${await anonymous.text()}`,
    );
    expect(anonymous.status).toBe(401);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expect422(r: { status: number; body: unknown }) {
  expect(r.status, JSON.stringify(r.body)).toBe(422);
}

/** PP's public routes as its OpenAPI document lists them: method, path, query parameter names. */
let apiRoutes: { method: string; path: string; query: string[] }[] = [];
async function loadApiRoutes(): Promise<void> {
  const doc = (await (await fetch(`${stack.ppUrl}/docs/json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
  };
  apiRoutes = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/'))
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })),
    );
}

afterAll(async () => {
  await stack?.close();
});

function hits(text: string): string[] {
  return CANARIES.filter((c) => text.includes(c));
}

describe('planted canary keys never leak', () => {
  it('the runbook really ran with them (the search below is not vacuous)', async () => {
    // The OpenAPI enumeration found the routes it is meant to cover.
    const paths = apiRoutes.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'GET /api/customers/{customer_id}/credentials',
        'POST /api/hired-agents',
        'PUT /api/hired-agents/{hired_agent_id}/setup',
        'GET /api/approvals/{approval_id}',
        'POST /api/credentials/{credential_ref}/rotate',
      ]),
    );
    expect(apiRoutes.find((r) => r.path === '/api/usage-events')?.query).toEqual(
      expect.arrayContaining(['customer_id', 'correlation_id', 'agent_id']),
    );
    const orders = await stack.dbs.paper.db.query<{ n: number }>('SELECT count(*)::int AS n FROM px_orders');
    expect(orders.rows[0]!.n).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeGreaterThan(15);
    expect(stack.logs.lines.length).toBeGreaterThan(100);
    // The exchange's own key table does hold them: the same search finds them there.
    const exchangeKeys = await stack.dbs.paper.db.query('SELECT * FROM px_api_keys');
    expect(hits(JSON.stringify(exchangeKeys.rows)).length).toBe(4);
  });

  it('appear in no log line of any service', () => {
    const leaking = stack.logs.lines.filter((l) => hits(l).length > 0);
    expect(leaking).toEqual([]);
  });

  it('appear in no API response (bodies and headers)', () => {
    expect(seen.filter((s) => hits(s).length > 0)).toEqual([]);
  });

  it('appear in no table of any service (the vault stores only ciphertext; the exchange knows its keys)', async () => {
    for (const name of ['pp', 'gateway', 'plant', 'paper'] as const) {
      const db = stack.dbs[name].db;
      const tables = await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
      );
      expect(tables.rows.length).toBeGreaterThan(0);
      for (const { table_name } of tables.rows) {
        if (name === 'paper' && table_name === 'px_api_keys') continue;
        const rows = await db.query<{ row: string }>(
          `SELECT row_to_json(whole_row)::text AS row FROM "${table_name}" whole_row`,
        );
        for (const { row } of rows.rows) expect(hits(row), `${name}.${table_name}`).toEqual([]);
      }
    }
  });
});
