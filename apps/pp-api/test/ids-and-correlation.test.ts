/**
 * Ids and correlation ids have one shape each (docs/ids.md): a secret sent where an id belongs is a 422 naming
 * the field, never stored or echoed; a caller's correlation id is kept end to end only when it is a UUID; and
 * the request log never carries a secret a caller put in a URL. Whole stack, real HTTP, real databases.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, approve, executeBody, type Onboarded, onboard, runBody } from './runbook-helpers.ts';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

// A fresh 60-hex secret, like Delta's, and the paper exchange's own key for this customer (30 hex).
const SECRET = randomBytes(30).toString('hex');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let stack: Stack;
let ops: Session;
let acct: Onboarded;

beforeAll(async () => {
  stack = await startStack();
  ops = await signIn(stack, 'operator');
  acct = await onboard(stack, ops);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** Every row of every table of PP, the gateway and Plant, as text. */
async function allRows(): Promise<string[]> {
  const out: string[] = [];
  for (const name of ['pp', 'gateway', 'plant'] as const) {
    const db = stack.dbs[name].db;
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    for (const { table_name } of tables.rows) {
      const rows = await db.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      out.push(...rows.rows.map((r) => `${name}.${table_name} ${r.row}`));
    }
  }
  return out;
}

const leaks = (secret: string) => ({
  rows: async () => (await allRows()).filter((r) => r.includes(secret)),
  logs: () => stack.logs.lines.filter((l) => l.includes(secret)),
});

describe('a secret sent where an id belongs', () => {
  it('POST /api/hired-agents with a secret as setup.credential_ref: 422 naming the field, nothing stored', async () => {
    const hires = await stack.dbs.plant.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM hired_agents',
    );
    const other = await ops.call<{ customer_id: string }>('POST', '/api/customers', { display_name: 'Ravi' });
    const r = await ops.call<{ reason: string; errors: { path: string }[] }>('POST', '/api/hired-agents', {
      customer_id: other.body.customer_id,
      agent_id: AGENT,
      setup: {
        exchange_provider: 'delta_exchange_india',
        credential_ref: SECRET,
        default_coin: 'BTC',
        allowed_coins: ['BTC'],
        risk_limits: { max_units_per_order: 1 },
        execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
      },
    });
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('validation_failed');
    expect(r.body.errors.map((e) => e.path)).toEqual(['setup.credential_ref']);
    expect(JSON.stringify(r.body)).not.toContain(SECRET);
    const after = await stack.dbs.plant.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM hired_agents',
    );
    expect(after.rows[0]!.n).toBe(hires.rows[0]!.n);
    // A viewer reading the hires sees no trace of it either.
    const viewer = await signIn(stack, 'viewer');
    const list = await viewer.call('GET', `/api/hired-agents?customer_id=${other.body.customer_id}`);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
    expect(await leaks(SECRET).rows()).toEqual([]);
    expect(leaks(SECRET).logs()).toEqual([]);
  });

  it('an execute with a secret as approval_id: 422, and GET /api/audit/policy-denials never returns it', async () => {
    const r = await ops.call<{ reason: string; errors: { path: string }[]; correlation_id: string }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      executeBody(acct, { units: 1 }, SECRET),
    );
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e) => e.path)).toEqual(['approval_id']);
    expect(JSON.stringify(r.body)).not.toContain(SECRET);
    const denials = await ops.call('GET', '/api/audit/policy-denials?limit=200');
    expect(denials.status).toBe(200);
    expect(JSON.stringify(denials.body)).not.toContain(SECRET);
    const byId = await ops.call('GET', `/api/audit/policy-denials?correlation_id=${r.body.correlation_id}`);
    expect(JSON.stringify(byId.body)).not.toContain(SECRET);
    expect(await leaks(SECRET).rows()).toEqual([]);
    expect(leaks(SECRET).logs()).toEqual([]);
  });

  it('an approval_id in its shape that does not exist is a recorded denial naming only that id', async () => {
    const unknown = `apr_${'a'.repeat(26)}`;
    const r = await ops.call<{ reason: string; correlation_id: string }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      executeBody(acct, { units: 1 }, unknown),
    );
    expect(r.status).toBe(403);
    const denials = await ops.call<{ items: { reason: string }[] }>(
      'GET',
      `/api/audit/policy-denials?correlation_id=${r.body.correlation_id}`,
    );
    expect(denials.body.items.map((d) => d.reason)).toEqual([r.body.reason]);
  });
});

describe('correlation ids', () => {
  it('a UUID X-Correlation-ID is kept end to end: PP → gateway → Plant records, in lower case', async () => {
    const cid = randomUUID();
    const approvalId = await approve(ops, acct, { units: 1 });
    const r = await ops.call<{ correlation_id: string; mode: string }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      executeBody(acct, { units: 1 }, approvalId),
      { 'x-correlation-id': cid.toUpperCase() },
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('x-correlation-id')).toBe(cid);
    expect(r.body.correlation_id).toBe(cid);
    const usage = await ops.call<{ items: { correlation_id: string; event_type: string }[] }>(
      'GET',
      `/api/usage-events?correlation_id=${cid}`,
    );
    expect(usage.body.items.map((e) => e.event_type)).toContain('execution');
    const plantAudit = await stack.dbs.plant.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM audit_log WHERE correlation_id = $1',
      [cid],
    );
    expect(plantAudit.rows[0]!.n).toBeGreaterThan(0);
    const executions = await stack.dbs.plant.db.query<{ correlation_id: string }>(
      'SELECT correlation_id FROM executions WHERE approval_id = $1',
      [approvalId],
    );
    expect(executions.rows.map((e) => e.correlation_id)).toEqual([cid]);
    // PP's own record of the consumption (Plant → PP) carries the same id.
    const consumed = await stack.dbs.pp.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pp_audit WHERE correlation_id = $1 AND action = 'approval.consume'",
      [cid],
    );
    expect(consumed.rows[0]!.n).toBe(1);
    // The request's log lines in every service it crossed (the exchange too) name the same id.
    const lines = stack.logs.lines.filter((l) => l.includes(cid));
    const services = new Set(lines.map((l) => (JSON.parse(l) as { service: string }).service));
    expect([...services]).toEqual(
      expect.arrayContaining(['pp-api', 'plant-gateway', 'plant', 'paper-exchange']),
    );
  });

  it('a non-UUID X-Correlation-ID is replaced by a generated UUID, returned and recorded instead', async () => {
    for (const given of ['req-2026-abcdef', SECRET, 'x'.repeat(40), `${randomUUID()}0`]) {
      const r = await ops.call<{ correlation_id: string; reason: string }>(
        'POST',
        `/api/reference-agents/${AGENT}/run`,
        executeBody(acct, { units: 1 }),
        { 'x-correlation-id': given },
      );
      expect(r.status).toBe(403);
      const cid = r.headers.get('x-correlation-id')!;
      expect(cid).toMatch(UUID);
      expect(cid).not.toBe(given);
      expect(r.body.correlation_id).toBe(cid);
      const denials = await ops.call<{ items: { correlation_id: string }[] }>(
        'GET',
        `/api/audit/policy-denials?correlation_id=${cid}`,
      );
      expect(denials.body.items).toHaveLength(1);
    }
    expect(await leaks(SECRET).rows()).toEqual([]);
    expect(leaks(SECRET).logs()).toEqual([]);
  });

  it('a correlation_id filter that is not a UUID is a 422, on every listing', async () => {
    for (const path of ['/api/usage-events', '/api/audit/policy-denials']) {
      const r = await ops.call<{ errors: { path: string }[] }>('GET', `${path}?correlation_id=not-a-uuid`);
      expect(r.status, path).toBe(422);
      expect(r.body.errors.map((e) => e.path)).toEqual(['correlation_id']);
    }
  });
});

describe('request logs', () => {
  it("PP's request log line for /api/usage-events?note=<secret-shaped> has no secret", async () => {
    const secret = randomBytes(30).toString('hex');
    const keyLike = `K${randomBytes(12).toString('hex')}x`;
    await ops.call('GET', `/api/usage-events?note=${secret}`);
    await ops.call('GET', `/api/usage-events?memo=${encodeURIComponent(`key ${keyLike} pasted`)}`);
    await ops.call('GET', `/api/customers/${secret}/credentials`);
    const ppLines = stack.logs.lines.filter((l) => l.includes('"service":"pp-api"'));
    const requestLines = ppLines.filter((l) => l.includes('/api/usage-events?note='));
    expect(requestLines.length).toBeGreaterThan(0);
    expect(requestLines[0]).toContain('note=[REDACTED]');
    expect(stack.logs.lines.filter((l) => l.includes(secret) || l.includes(keyLike))).toEqual([]);
    // The same line is still useful: our own ids and plain values stay readable.
    await ops.call('GET', `/api/usage-events?customer_id=${acct.customerId}&event_type=execution`);
    expect(
      stack.logs.lines.some((l) =>
        l.includes(`/api/usage-events?customer_id=${acct.customerId}&event_type=execution`),
      ),
    ).toBe(true);
  });
});

describe('draft runs carry their ids unchanged', () => {
  it('a draft with well-formed ids still works through PP (the shapes are the minted ones)', async () => {
    const r = await ops.call<{ mode: string }>('POST', `/api/reference-agents/${AGENT}/run`, runBody(acct));
    expect(r.status).toBe(200);
    expect(r.body.mode).toBe('draft');
  });
});
