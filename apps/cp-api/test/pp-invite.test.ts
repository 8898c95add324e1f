import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoCpLogin } from '../../../scripts/demo-cp-login.ts';
import { ppAudit } from '../../pp-api/src/pp-audit.ts';
import {
  PASSWORD as OPS_PASSWORD,
  type Session,
  type Stack,
  signIn,
  startStack,
} from '../../pp-api/test/stack.ts';
import { Browser, type CpTestApp, PASSWORD } from './cp-test-app.ts';

/**
 * The invitation end to end: an operator asks PP for a link for a customer Plant knows, PP signs it with its
 * service key, and CP verifies it against PP's published JWKS (fetched over HTTP, as in production).
 */
let stack: Stack;
let cp: CpTestApp;
let ops: Session;
let customerId: string;

beforeAll(async () => {
  // CP beside PP, as deployed: no static key — CP reads PP's JWKS over HTTP.
  stack = await startStack({ logLevel: 'warn', cp: true });
  cp = { app: stack.cp!.app } as unknown as CpTestApp;
  ops = await signIn(stack, 'operator');
  const c = await ops.call<{ customer_id: string }>('POST', '/api/customers', {
    display_name: 'Invited Ltd',
  });
  expect(c.status).toBe(201);
  customerId = c.body.customer_id;
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('PP → CP invitations', () => {
  it('issues a one-time link that CP accepts once, audited on both sides by its jti', async () => {
    const r = await ops.call<{ invite_url: string; jti: string; expires_at: string }>(
      'POST',
      `/api/customers/${customerId}/cp-invites`,
      {},
    );
    expect(r.status).toBe(201);
    expect(r.body.invite_url).toMatch(/^http:\/\/localhost:3002\/#\/invite\/[\w-]+\.[\w-]+\.[\w-]+$/);
    const hours = (Date.parse(r.body.expires_at) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71.9);
    expect(hours).toBeLessThanOrEqual(72);
    const token = r.body.invite_url.split('#/invite/')[1]!;

    const issued = await ppAudit.list(stack.dbs.pp.db, {
      correlation_id: r.headers.get('x-correlation-id')!,
    });
    expect(issued[0]).toMatchObject({ action: 'cp_invite.issue', outcome: 'allowed', target: r.body.jti });
    expect(JSON.stringify(issued)).not.toContain(token);

    const b = new Browser(cp);
    const signup = await b.call('POST', '/api/auth/signup', {
      invite: token,
      email: 'inv@example.com',
      password: PASSWORD,
    });
    expect(signup.status).toBe(201);
    expect(signup.body.customer_id).toBe(customerId);
    const again = await new Browser(cp).call('POST', '/api/auth/signup', {
      invite: token,
      email: 'inv2@example.com',
      password: PASSWORD,
    });
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('invite_used');
  });

  it('refuses viewers (role_forbidden) and customers Plant does not know (customer_not_found)', async () => {
    const viewer = await signIn(stack, 'viewer');
    const v = await viewer.call('POST', `/api/customers/${customerId}/cp-invites`, {});
    expect(v.status).toBe(403);
    expect(v.body).toMatchObject({ reason: 'role_forbidden' });
    const unknown = await ops.call('POST', '/api/customers/cus_0000000000000000000000000z/cp-invites', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ reason: 'customer_not_found' });
    const denied = await ppAudit.list(stack.dbs.pp.db, {
      correlation_id: unknown.headers.get('x-correlation-id')!,
    });
    expect(denied[0]).toMatchObject({
      action: 'cp_invite.issue',
      outcome: 'denied',
      reason: 'customer_not_found',
    });
  });
});

describe('the demo customer of npm start', () => {
  it('is made through PP and CP, and signs in with its password and a code of its secret', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cp-demo-')), 'cp.json');
    const demo = await createDemoCpLogin({
      ppUrl: stack.ppUrl,
      cpUrl: stack.cp!.url,
      paperUrl: stack.paper.url,
      operator: { username: 'operator', password: OPS_PASSWORD },
      file,
    });
    expect(demo.customer_id).toMatch(/^cus_/);
    // Made once: a second start reads the file.
    expect(
      (
        await createDemoCpLogin({
          ppUrl: '',
          cpUrl: '',
          paperUrl: '',
          operator: { username: '', password: '' },
          file,
        })
      ).email,
    ).toBe(demo.email);
    const b = new Browser(cp);
    const p = await b.call<{ login_challenge_id: string; factors: string[] }>(
      'POST',
      '/api/auth/login/password',
      {
        email: demo.email,
        password: demo.password,
      },
    );
    expect(p.body.factors).toEqual(['totp']);
    const r = await b.call('POST', '/api/auth/login/second-factor', {
      login_challenge_id: p.body.login_challenge_id,
      totp_code: URI.parse(demo.otpauth_uri).generate(),
    });
    expect(r.status).toBe(200);
    expect(r.body.customer_id).toBe(demo.customer_id);
    // Hired by ops, trading on its own CP key with an approval policy: ready to propose and approve.
    const agents = await b.call<{
      items: { setup: { credential_ref: string; approval_policy?: unknown } }[];
    }>('GET', '/api/agents');
    expect(agents.body.items).toHaveLength(1);
    expect(agents.body.items[0]!.setup.credential_ref).toMatch(/^cred_cp_/);
    expect(agents.body.items[0]!.setup.approval_policy).toEqual({ ttl_minutes: 10, price_band_bps: 50 });
  });
});
