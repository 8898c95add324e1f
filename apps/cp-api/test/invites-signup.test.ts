import { ephemeralServiceKeys, signJwt } from '@delta/service-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpAudit } from '../src/cp-audit.ts';
import { Browser, type CpTestApp, CUSTOMER, PASSWORD, startCp } from './cp-test-app.ts';

let cp: CpTestApp;
beforeAll(async () => {
  cp = await startCp();
});
afterAll(async () => cp?.close());

async function signup(body: Record<string, unknown>) {
  const b = new Browser(cp);
  return { b, r: await b.call('POST', '/api/auth/signup', body) };
}

async function auditOf(correlationId: string) {
  return cpAudit.list(cp.t.db, { correlation_id: correlationId });
}

describe('invitations', () => {
  it('signs a customer up once: the same invitation again is invite_used, on record', async () => {
    const { token, jti } = await cp.invite();
    const first = await signup({ invite: token, email: 'ana@example.com', password: PASSWORD });
    expect(first.r.status).toBe(201);
    expect(first.r.body).toMatchObject({ customer_id: CUSTOMER, email: 'ana@example.com' });
    expect(first.r.body.factors).toEqual({ passkeys: 0, totp: false });
    const allowed = await auditOf(String(first.r.headers['x-correlation-id']));
    expect(allowed[0]).toMatchObject({ action: 'signup', outcome: 'allowed', customer_id: CUSTOMER });
    expect(allowed[0]!.details).toMatchObject({ jti });

    const again = await signup({ invite: token, email: 'other@example.com', password: PASSWORD });
    expect(again.r.status).toBe(409);
    expect(again.r.body).toMatchObject({
      reason: 'invite_used',
      correlation_id: again.r.headers['x-correlation-id'],
    });
    const denied = await auditOf(String(again.r.headers['x-correlation-id']));
    expect(denied[0]).toMatchObject({ action: 'signup', outcome: 'denied', reason: 'invite_used' });
  });

  it('lets one of two racing sign-ups with one invitation win (the jti is unique)', async () => {
    const { token } = await cp.invite();
    const [a, b] = await Promise.all([
      signup({ invite: token, email: 'race-a@example.com', password: PASSWORD }),
      signup({ invite: token, email: 'race-b@example.com', password: PASSWORD }),
    ]);
    expect([a.r.status, b.r.status].sort()).toEqual([201, 409]);
    const users = await cp.t.db.query("SELECT email FROM cp_users WHERE email LIKE 'race-%'");
    expect(users.rows).toHaveLength(1);
  });

  it('refuses an expired invitation', async () => {
    const past = Math.floor(Date.now() / 1000) - 4 * 86_400;
    const token = signJwt(
      {
        iss: 'pp',
        aud: 'cp',
        sub: CUSTOMER,
        purpose: 'cp_invite',
        iat: past,
        exp: past + 3600,
        jti: crypto.randomUUID(),
      },
      cp.ppKeys.signing.privateKey,
      cp.ppKeys.signing.kid,
    );
    const { r } = await signup({ invite: token, email: 'late@example.com', password: PASSWORD });
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('invite_expired');
    expect((await auditOf(String(r.body.correlation_id)))[0]).toMatchObject({
      outcome: 'denied',
      reason: 'invite_expired',
    });
  });

  it('refuses a forged invitation (another key), one for another audience, or another purpose', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'pp', aud: 'cp', sub: CUSTOMER, purpose: 'cp_invite', iat: now, exp: now + 3600 };
    const forger = await ephemeralServiceKeys('pp');
    const cases = [
      signJwt({ ...claims, jti: crypto.randomUUID() }, forger.signing.privateKey, cp.ppKeys.signing.kid),
      signJwt({ ...claims, aud: 'plant-gateway', jti: crypto.randomUUID() }, cp.ppKeys.signing.privateKey),
      signJwt({ ...claims, purpose: 'service', jti: crypto.randomUUID() }, cp.ppKeys.signing.privateKey),
      signJwt({ ...claims, iss: 'plant', jti: crypto.randomUUID() }, cp.ppKeys.signing.privateKey),
      signJwt({ ...claims, exp: now + 30 * 86_400, jti: crypto.randomUUID() }, cp.ppKeys.signing.privateKey),
    ];
    for (const token of cases) {
      const { r } = await signup({ invite: token, email: 'forger@example.com', password: PASSWORD });
      expect(r.status, token).toBe(403);
      expect(r.body.reason).toBe('invite_invalid');
      expect((await auditOf(String(r.body.correlation_id)))[0]).toMatchObject({ reason: 'invite_invalid' });
    }
    const users = await cp.t.db.query("SELECT 1 FROM cp_users WHERE email = 'forger@example.com'");
    expect(users.rows).toHaveLength(0);
  });

  it('answers 503 invite_keys_unavailable when PP’s keys cannot be read', async () => {
    const down = await startCp({}, { ppInviteKey: () => Promise.reject(new Error('PP is down')) });
    try {
      const { token } = await down.invite();
      const r = await new Browser(down).call('POST', '/api/auth/signup', {
        invite: token,
        email: 'nokeys@example.com',
        password: PASSWORD,
      });
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ reason: 'invite_keys_unavailable' });
    } finally {
      await down.close();
    }
  });
});

describe('sign-up validation', () => {
  it('refuses short passwords and passwords made of the e-mail (password_too_weak), never storing them', async () => {
    for (const [email, password] of [
      ['short@example.com', 'short-pass'],
      ['mallory.long@example.com', 'mallory.long@example.com'],
      ['robert@example.com', 'xx-robert-2024-xx'],
    ] as const) {
      const { token } = await cp.invite();
      const { r } = await signup({ invite: token, email, password });
      expect(r.status, email).toBe(422);
      expect(r.body).toMatchObject({ reason: 'password_too_weak' });
      expect(r.raw).not.toContain(password);
    }
  });

  it('refuses a second account for one e-mail (email_taken) and leaves the invitation unused', async () => {
    await new Browser(cp).signup('dup@example.com');
    const { token, jti } = await cp.invite();
    const { r } = await signup({ invite: token, email: 'DUP@example.com', password: PASSWORD });
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe('email_taken');
    const used = await cp.t.db.query('SELECT 1 FROM cp_invites_used WHERE jti = $1', [jti]);
    expect(used.rows).toHaveLength(0);
  });

  it('answers malformed bodies with 422 naming fields, and unknown fields too', async () => {
    const { token } = await cp.invite();
    for (const body of [
      { invite: token, email: 'not-an-email', password: PASSWORD },
      { invite: 'nope', email: 'a@example.com', password: PASSWORD },
      { invite: token, email: 'a@example.com', password: PASSWORD, customer_id: CUSTOMER },
      {},
    ]) {
      const { r } = await signup(body);
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ reason: 'validation_failed' });
      expect(typeof r.body.correlation_id).toBe('string');
    }
  });
});
