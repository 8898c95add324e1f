/**
 * Rule 5 across the whole stack: every refusal, in every service, is on record under the correlation id the caller
 * was given, and PP's Audit view finds it there — PP's own records, the gateway's refusals and Plant's records in
 * one story. Both hash chains (PP's and Plant's) verify afterwards.
 */
import { randomUUID } from 'node:crypto';
import type { TAuditViewPage, TAuditViewRecord } from '@delta/contracts';
import { requestHash, signServiceToken } from '@delta/service-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT, approve, execute, executeBody, type Onboarded, onboard, runBody } from './runbook-helpers.ts';
import { PASSWORD, type Session, type Stack, signIn, startStack } from './stack.ts';

let stack: Stack;
let admin: Session;
let operator: Session;
let viewer: Session;
let acct: Onboarded;

beforeAll(async () => {
  stack = await startStack();
  admin = await signIn(stack, 'admin');
  operator = await signIn(stack, 'operator');
  viewer = await signIn(stack, 'viewer');
  acct = await onboard(stack, operator, { name: 'Audit customer', maxUnits: 100 });
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

/** The story of one request as PP's Audit view tells it (read by the least role that may read it). */
async function trail(correlationId: string): Promise<TAuditViewRecord[]> {
  const r = await viewer.call<TAuditViewPage>('GET', `/api/audit/trail?correlation_id=${correlationId}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.sources).toEqual({ pp: 'ok', gateway: 'ok', plant: 'ok' });
  for (const item of r.body.items) expect(item.correlation_id).toBe(correlationId);
  return r.body.items;
}

async function expectOnRecord(
  correlationId: string | null | undefined,
  source: TAuditViewRecord['source'],
  reason: string,
): Promise<TAuditViewRecord> {
  expect(correlationId, 'the refusal carries a correlation id').toMatch(/^[0-9a-f-]{36}$/);
  const items = await trail(correlationId!);
  const found = items.find((i) => i.source === source && i.reason === reason);
  expect(found, `${source} record ${reason} under ${correlationId}: ${JSON.stringify(items)}`).toBeDefined();
  return found!;
}

/** A raw request with its own correlation id, answered with a problem document. */
async function raw(url: string, init: RequestInit & { headers?: Record<string, string> }) {
  const cid = randomUUID();
  const res = await fetch(url, { ...init, headers: { 'x-correlation-id': cid, ...init.headers } });
  const body = (await res.json()) as { reason: string; correlation_id: string };
  expect(body.correlation_id).toBe(cid);
  expect(res.headers.get('x-correlation-id')).toBe(cid);
  return { status: res.status, reason: body.reason, cid };
}

describe('every refusal is on record and in the Audit view', () => {
  it('the gateway: a forged token, a missing one, and key material in a body', async () => {
    const forged = await raw(`${stack.gatewayUrl}/api/v1/customers`, {
      headers: { authorization: 'Bearer eyJhbGciOiJFZERTQSJ9.e30.AAAA' },
    });
    expect([forged.status, forged.reason]).toEqual([401, 'service_auth_failed']);
    await expectOnRecord(forged.cid, 'gateway', 'service_auth_failed');

    const missing = await raw(`${stack.gatewayUrl}/api/v1/customers`, {});
    expect(missing.status).toBe(401);
    await expectOnRecord(missing.cid, 'gateway', 'service_auth_failed');

    // A genuine PP token, bound to this very request, but the body carries an exchange secret.
    const body = JSON.stringify({ display_name: 'Leaky', api_secret: 'x'.repeat(40) });
    const cid = randomUUID();
    const token = await signServiceToken(stack.keys.pp, {
      iss: 'pp',
      aud: 'plant-gateway',
      principal: { kind: 'ops', user_id: 'usr_0123456789abcdef01234567', role: 'operator' },
      correlation_id: cid,
      request_hash: requestHash('POST', '/api/v1/customers', body),
    });
    const leak = await fetch(`${stack.gatewayUrl}/api/v1/customers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-correlation-id': cid,
      },
      body,
    });
    expect(leak.status).toBe(400);
    const record = await expectOnRecord(cid, 'gateway', 'credential_material_forbidden');
    expect(JSON.stringify(record)).not.toContain('x'.repeat(40));
  });

  it('PP: no session, the viewer role, a cross-site write, a wrong password, a throttled login, a failed key check', async () => {
    const anon = await raw(`${stack.ppUrl}/api/customers`, {});
    expect([anon.status, anon.reason]).toEqual([401, 'login_required']);
    await expectOnRecord(anon.cid, 'pp', 'login_required');

    const denied = await viewer.call<{ reason: string; correlation_id: string }>('POST', '/api/customers', {
      display_name: 'Not allowed',
    });
    expect([denied.status, denied.body.reason]).toEqual([403, 'role_forbidden']);
    const roleRecord = await expectOnRecord(denied.body.correlation_id, 'pp', 'role_forbidden');
    expect(roleRecord.actor).toMatch(/^ops:usr_[0-9a-f]+\(viewer\)$/);

    const csrf = await operator.call<{ reason: string; correlation_id: string }>(
      'POST',
      '/api/customers',
      { display_name: 'Forged' },
      { origin: 'https://evil.example' },
    );
    expect([csrf.status, csrf.body.reason]).toEqual([403, 'cross_site_request']);
    await expectOnRecord(csrf.body.correlation_id, 'pp', 'cross_site_request');

    // The login page tells the user to look at the Audit page with the correlation id: the record is there.
    const login = (password: string) =>
      raw(`${stack.ppUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password }),
      });
    const wrong = await login('not-the-password');
    expect([wrong.status, wrong.reason]).toEqual([401, 'invalid_credentials']);
    await expectOnRecord(wrong.cid, 'pp', 'invalid_credentials');
    let throttled = wrong;
    for (let i = 0; i < 6 && throttled.reason !== 'login_throttled'; i++)
      throttled = await login('still-wrong');
    expect([throttled.status, throttled.reason]).toEqual([429, 'login_throttled']);
    await expectOnRecord(throttled.cid, 'pp', 'login_throttled');
    expect((await login(PASSWORD)).status).toBe(429);

    // Keys the exchange does not know: the key check fails, and the Audit page has the refusal.
    const keys = await operator.call<{ reason: string; correlation_id: string }>(
      'POST',
      `/api/customers/${acct.customerId}/credentials`,
      {
        api_key: 'UNKNOWNKEY123',
        api_secret: 'UNKNOWNSECRET456789',
        label: 'Bad keys',
        environment: 'paper',
      },
    );
    expect(keys.status).toBeGreaterThanOrEqual(400);
    const keyRecord = await expectOnRecord(keys.body.correlation_id, 'pp', keys.body.reason);
    expect(keyRecord).toMatchObject({ action: 'credential.store', outcome: 'deny' });
    expect(JSON.stringify(keyRecord)).not.toContain('UNKNOWNSECRET456789');
  });

  it('Plant: no identity assertion, a schema 422 on the run route, approval_required, a failed risk check', async () => {
    const direct = await raw(`${stack.plantUrl}/api/v1/customers`, {});
    expect([direct.status, direct.reason]).toEqual([401, 'identity_required']);
    const identity = await expectOnRecord(direct.cid, 'plant', 'identity_required');
    expect(identity.kind).toBe('request_refused');

    // Passes PP's schema, fails Plant's rule: the body's correlation id must be the request's.
    const secretish = randomUUID();
    const invalid = await operator.call<{ reason: string; correlation_id: string }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      { ...runBody(acct), correlation_id: secretish },
    );
    expect([invalid.status, invalid.body.reason]).toEqual([422, 'validation_failed']);
    const schema = await expectOnRecord(invalid.body.correlation_id, 'plant', 'validation_failed');
    expect(schema.details.fields).toEqual([{ path: 'correlation_id', code: 'correlation_mismatch' }]);
    // Field names and codes only: never the submitted value.
    expect(JSON.stringify(schema)).not.toContain(secretish);

    const unapproved = await execute(operator, acct, { units: 2 });
    expect([unapproved.status, unapproved.body.reason]).toEqual([403, 'approval_required']);
    await expectOnRecord(unapproved.body.correlation_id, 'plant', 'approval_required');

    // Approved at 50 units, then the risk limit drops to 10: the execution fails its risk check.
    const approvalId = await approve(operator, acct, { units: 50 });
    const setup = await operator.call('GET', `/api/hired-agents/${acct.hiredAgentId}`);
    const current = (setup.body as { setup: Record<string, unknown> }).setup;
    const lowered = await operator.call('PUT', `/api/hired-agents/${acct.hiredAgentId}/setup`, {
      setup: { ...current, risk_limits: { max_units_per_order: 10, max_notional_inr: '50000000' } },
    });
    expect(lowered.status, JSON.stringify(lowered.body)).toBe(200);
    const risky = await operator.call<{ reason: string; correlation_id: string }>(
      'POST',
      `/api/reference-agents/${AGENT}/run`,
      executeBody(acct, { units: 50 }, approvalId),
    );
    expect([risky.status, risky.body.reason]).toEqual([403, 'risk_check_failed']);
    await expectOnRecord(risky.body.correlation_id, 'plant', 'risk_check_failed');
  });

  it('lists, filters and pages the records of all three services, newest first', async () => {
    const seen = new Map<string, TAuditViewRecord>();
    let cursor: string | null = null;
    let previous: string | undefined;
    let pages = 0;
    do {
      const qs: string = `limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const r: { status: number; body: TAuditViewPage } = await admin.call<TAuditViewPage>(
        'GET',
        `/api/audit/records?${qs}`,
      );
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(7);
      for (const item of r.body.items) {
        const key = `${item.source}:${item.id}`;
        expect(seen.has(key), `${key} on two pages`).toBe(false);
        seen.set(key, item);
        if (previous) expect(item.recorded_at <= previous).toBe(true);
        previous = item.recorded_at;
      }
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor && pages < 200);
    expect(pages).toBeGreaterThan(2);
    expect(new Set([...seen.values()].map((i) => i.source))).toEqual(new Set(['pp', 'gateway', 'plant']));

    const byReason = await admin.call<TAuditViewPage>('GET', '/api/audit/records?reason=role_forbidden');
    expect(byReason.body.items.length).toBeGreaterThan(0);
    expect(byReason.body.items.every((i) => i.reason === 'role_forbidden')).toBe(true);

    const byCustomer = await admin.call<TAuditViewPage>(
      'GET',
      `/api/audit/records?customer_id=${acct.customerId}&source=plant`,
    );
    expect(byCustomer.body.items.length).toBeGreaterThan(0);
    expect(byCustomer.body.items.every((i) => i.customer_id === acct.customerId)).toBe(true);
    expect(byCustomer.body.sources).toEqual({ pp: 'skipped', gateway: 'skipped', plant: 'ok' });

    const viewerActor = (await admin.call<TAuditViewPage>('GET', '/api/audit/records?reason=role_forbidden'))
      .body.items[0]!.actor!;
    const byActor = await admin.call<TAuditViewPage>(
      'GET',
      `/api/audit/records?actor=${encodeURIComponent(viewerActor)}`,
    );
    expect(byActor.body.items.every((i) => i.actor === viewerActor)).toBe(true);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await admin.call<TAuditViewPage>(
      'GET',
      `/api/audit/records?from=${encodeURIComponent(future)}`,
    );
    expect(none.body).toMatchObject({ items: [], next_cursor: null });
  });

  it('both chains verify', async () => {
    const r = await viewer.call<{
      ok: boolean;
      chains: Record<string, { ok: boolean; records_checked: number }>;
    }>('GET', '/api/audit/verify');
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(r.body.chains.pp).toMatchObject({ ok: true });
    expect(r.body.chains.plant).toMatchObject({ ok: true });
    expect(r.body.chains.pp!.records_checked).toBeGreaterThan(5);
    expect(r.body.chains.plant!.records_checked).toBeGreaterThan(5);
  });
});
