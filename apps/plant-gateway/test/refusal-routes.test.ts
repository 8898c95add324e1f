import { randomUUID } from 'node:crypto';
import type { TPrincipal } from '@delta/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listGatewayAuditByCorrelationId } from '../src/db/gateway-audit-repository.ts';
import { type Harness, startHarness } from './gateway-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const ops: TPrincipal = { kind: 'ops', user_id: 'usr_0123456789abcdef01234567', role: 'viewer' };
const customer: TPrincipal = {
  kind: 'customer',
  user_id: 'u_1',
  customer_id: 'cus_7hq2mw9x0a1b2c3d4e5f6g7h8j',
};

async function get(path: string, as?: ['pp' | 'cp', TPrincipal], headers: Record<string, string> = {}) {
  const correlationId = randomUUID();
  const token = as ? await h.token(as[0], as[1], { bind: { method: 'GET', path } }) : undefined;
  const res = await fetch(`${h.gatewayUrl}${path}`, {
    headers: {
      'x-correlation-id': correlationId,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, correlationId };
}

describe('the gateway refusal read API (/gateway/v1/refusals)', () => {
  it('lets PP read refusals newest first, filtered and paged, and never reaches Plant', async () => {
    const before = h.upstreamCalls();
    const refused = [];
    for (let i = 0; i < 3; i++) refused.push(await get('/api/v1/customers'));
    for (const r of refused) expect(r.status).toBe(401);
    const one = await get(`/gateway/v1/refusals?correlation_id=${refused[1]!.correlationId}`, ['pp', ops]);
    expect(one.status).toBe(200);
    expect(one.body.items).toEqual([
      expect.objectContaining({ correlation_id: refused[1]!.correlationId, reason: 'service_auth_failed' }),
    ]);
    const page1 = await get('/gateway/v1/refusals?reason=service_auth_failed&limit=2', ['pp', ops]);
    const items1 = page1.body.items as { seq: string; created_at: string }[];
    expect(items1).toHaveLength(2);
    expect(BigInt(items1[0]!.seq)).toBeGreaterThan(BigInt(items1[1]!.seq));
    const page2 = await get(
      `/gateway/v1/refusals?reason=service_auth_failed&limit=2&cursor=${page1.body.next_cursor}`,
      ['pp', ops],
    );
    const items2 = page2.body.items as { seq: string }[];
    expect(items2.length).toBeGreaterThan(0);
    expect(BigInt(items2[0]!.seq)).toBeLessThan(BigInt(items1[1]!.seq));
    expect(h.upstreamCalls()).toBe(before);
  });

  it('refuses (and records) no token, a CP token and an unbound token', async () => {
    const anon = await get('/gateway/v1/refusals');
    expect([anon.status, anon.body.reason]).toEqual([401, 'service_auth_failed']);
    const cp = await get('/gateway/v1/refusals', ['cp', customer]);
    expect([cp.status, cp.body.reason]).toEqual([403, 'issuer_not_allowed']);
    const unbound = await h.token('pp', ops);
    const loose = await get('/gateway/v1/refusals', undefined, { authorization: `Bearer ${unbound}` });
    expect(loose.status).toBe(401);
    for (const r of [anon, cp, loose]) {
      const rows = await listGatewayAuditByCorrelationId(h.db.db, r.correlationId);
      expect(rows).toEqual([
        expect.objectContaining({ reason: r.body.reason, path: '/gateway/v1/refusals' }),
      ]);
    }
    expect((await listGatewayAuditByCorrelationId(h.db.db, cp.correlationId))[0]).toMatchObject({
      issuer: 'cp',
    });
  });

  it('records the refusals no route records itself (a bad query, an unknown route), once', async () => {
    const bad = await get('/gateway/v1/refusals?limit=0', ['pp', ops]);
    expect(bad.status).toBe(422);
    const unknown = await get('/nowhere');
    expect(unknown.status).toBe(404);
    for (const r of [bad, unknown]) {
      const rows = await listGatewayAuditByCorrelationId(h.db.db, r.correlationId);
      expect(rows).toEqual([expect.objectContaining({ reason: r.body.reason })]);
    }
    const [row] = await listGatewayAuditByCorrelationId(h.db.db, bad.correlationId);
    expect(row!.details).toEqual({ status: 422, fields: [{ path: 'limit', code: 'too_small' }] });
  });
});
