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
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

function hits(text: string): string[] {
  return CANARIES.filter((c) => text.includes(c));
}

describe('planted canary keys never leak', () => {
  it('the runbook really ran with them (the search below is not vacuous)', async () => {
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

  it('appear in no table of PP, the gateway or Plant (the vault stores only ciphertext)', async () => {
    for (const name of ['pp', 'gateway', 'plant'] as const) {
      const db = stack.dbs[name].db;
      const tables = await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
      );
      expect(tables.rows.length).toBeGreaterThan(0);
      for (const { table_name } of tables.rows) {
        const rows = await db.query<{ row: string }>(
          `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
        );
        for (const { row } of rows.rows) expect(hits(row), `${name}.${table_name}`).toEqual([]);
      }
    }
  });
});
