import { URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpAudit } from '../src/cp-audit.ts';
import { Browser, type CpTestApp, PASSWORD, startCp } from './cp-test-app.ts';

let cp: CpTestApp;
beforeAll(async () => {
  cp = await startCp();
});
afterAll(async () => cp?.close());

/** Signs up and sets up an authenticator app; returns the browser and a code generator. */
async function withTotp(email: string) {
  const b = new Browser(cp);
  await b.signup(email);
  const e = await b.call<{ otpauth_uri: string }>('POST', '/api/auth/totp/enrolment');
  expect(e.status).toBe(201);
  expect(e.headers['cache-control']).toBe('no-store');
  const totp = URI.parse(e.body.otpauth_uri);
  const confirmCode = totp.generate();
  const confirm = await b.call('POST', '/api/auth/totp/enrolment/confirm', { code: confirmCode });
  expect(confirm.status).toBe(200);
  expect(confirm.body.factors).toEqual({ passkeys: 0, totp: true });
  return {
    b,
    confirmCode,
    code: (offsetSteps = 0) => totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 }),
  };
}

async function passwordStep(b: Browser, email: string, password = PASSWORD) {
  return b.call<{ login_challenge_id: string; factors: string[]; passkey_options: never }>(
    'POST',
    '/api/auth/login/password',
    { email, password },
  );
}

describe('passkeys (a software authenticator: ES256, attestation none, counter)', () => {
  it('registers a passkey and signs in with it alone', async () => {
    const b = new Browser(cp);
    await b.signup('pk@example.com');
    const reg = await b.registerPasskey();
    expect(reg.body.factors).toEqual({ passkeys: 1, totp: false });

    const fresh = new Browser(cp);
    const o = await fresh.call<{ challenge_id: string; options: never }>(
      'POST',
      '/api/auth/login/passkey/options',
    );
    expect(o.status).toBe(200);
    const response = b.authenticator.assert(o.body.options);
    const r = await fresh.call('POST', '/api/auth/login/passkey/verify', {
      challenge_id: o.body.challenge_id,
      response,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ email: 'pk@example.com' });
    expect((await fresh.call('GET', '/api/auth/me')).status).toBe(200);
    const rec = await cpAudit.list(cp.t.db, { correlation_id: String(r.headers['x-correlation-id']) });
    expect(rec[0]).toMatchObject({ action: 'login', outcome: 'allowed', details: { method: 'passkey' } });

    // The same challenge again, a replayed assertion, a counter that did not advance, a forged signature.
    const replay = await fresh.call('POST', '/api/auth/login/passkey/verify', {
      challenge_id: o.body.challenge_id,
      response,
    });
    expect(replay.body.reason).toBe('challenge_invalid');
    const o2 = await fresh.call<{ challenge_id: string; options: never }>(
      'POST',
      '/api/auth/login/passkey/options',
    );
    const stale = b.authenticator.assert(o2.body.options, { counter: 1 });
    const r2 = await fresh.call('POST', '/api/auth/login/passkey/verify', {
      challenge_id: o2.body.challenge_id,
      response: stale,
    });
    expect(r2.status).toBe(401);
    expect(r2.body.reason).toBe('passkey_login_failed');
    const o3 = await fresh.call<{ challenge_id: string; options: never }>(
      'POST',
      '/api/auth/login/passkey/options',
    );
    const forged = b.authenticator.assert(o3.body.options, { tamper: true });
    const r3 = await fresh.call('POST', '/api/auth/login/passkey/verify', {
      challenge_id: o3.body.challenge_id,
      response: forged,
    });
    expect(r3.body.reason).toBe('passkey_login_failed');
    const denied = await cpAudit.list(cp.t.db, { correlation_id: String(r3.body.correlation_id) });
    expect(denied[0]).toMatchObject({
      outcome: 'denied',
      reason: 'passkey_login_failed',
      details: { why: 'bad_signature' },
    });
  });

  it('refuses a registration without user verification, from another origin, or for another challenge', async () => {
    const b = new Browser(cp);
    await b.signup('pk-bad@example.com');
    for (const knobs of [{ userVerified: false }, { origin: 'https://evil.example' }]) {
      const o = await b.call<{ challenge_id: string; options: never }>(
        'POST',
        '/api/auth/passkeys/registration/options',
      );
      const response = b.authenticator.register(o.body.options, knobs);
      const r = await b.call('POST', '/api/auth/passkeys/registration/verify', {
        challenge_id: o.body.challenge_id,
        response,
      });
      expect(r.status).toBe(400);
      expect(r.body.reason).toBe('passkey_registration_failed');
    }
    const o = await b.call<{ challenge_id: string; options: { challenge: string } }>(
      'POST',
      '/api/auth/passkeys/registration/options',
    );
    const other = await b.call<{ challenge_id: string }>('POST', '/api/auth/passkeys/registration/options');
    const response = b.authenticator.register(o.body.options as never);
    const r = await b.call('POST', '/api/auth/passkeys/registration/verify', {
      challenge_id: other.body.challenge_id,
      response,
    });
    expect(r.body.reason).toBe('passkey_registration_failed');
    expect((await b.call('GET', '/api/auth/me')).body.factors).toEqual({ passkeys: 0, totp: false });
  });

  it('takes a passkey as the second factor after a password', async () => {
    const b = new Browser(cp);
    await b.signup('pk2@example.com');
    await b.registerPasskey();
    const fresh = new Browser(cp);
    const p = await passwordStep(fresh, 'pk2@example.com');
    expect(p.status).toBe(200);
    expect(p.body.factors).toEqual(['passkey']);
    const passkey = b.authenticator.assert(p.body.passkey_options);
    const r = await fresh.call('POST', '/api/auth/login/second-factor', {
      login_challenge_id: p.body.login_challenge_id,
      passkey,
    });
    expect(r.status).toBe(200);
    expect(r.body.email).toBe('pk2@example.com');
  });
});

describe('adding a sign-in method', () => {
  it('needs a sign-in from the last 10 minutes once the account has one (reauthentication_required)', async () => {
    const b = new Browser(cp);
    await b.signup('fresh@example.com');
    await b.registerPasskey();
    await cp.t.db.query(
      `UPDATE cp_sessions SET created_at = now() - interval '11 minutes'
        WHERE user_id = (SELECT user_id FROM cp_users WHERE email = 'fresh@example.com')`,
    );
    for (const url of ['/api/auth/passkeys/registration/options', '/api/auth/totp/enrolment']) {
      const r = await b.call('POST', url);
      expect(r.status, url).toBe(403);
      expect(r.body.reason).toBe('reauthentication_required');
    }
    const rec = await cpAudit.list(cp.t.db, { reason: 'reauthentication_required' });
    expect(rec.length).toBe(2);
  });
});

describe('authenticator app (TOTP)', () => {
  it('signs in with password + code; a reused code, a wrong code or a used challenge is refused', async () => {
    const { code, confirmCode } = await withTotp('totp@example.com');
    const a = new Browser(cp);
    const p = await passwordStep(a, 'totp@example.com');
    expect(p.body.factors).toEqual(['totp']);
    expect(p.body.passkey_options).toBeNull();
    // The code used to confirm the set-up is spent: its time step is refused.
    const reused = await a.call('POST', '/api/auth/login/second-factor', {
      login_challenge_id: p.body.login_challenge_id,
      totp_code: confirmCode,
    });
    expect(reused.status).toBe(401);
    expect(reused.body.reason).toBe('second_factor_failed');
    const rec = await cpAudit.list(cp.t.db, { correlation_id: String(reused.body.correlation_id) });
    expect(rec[0]!.details).toMatchObject({ why: 'totp_replayed' });
    // That challenge is used up: a right code now needs the password again.
    const again = await a.call('POST', '/api/auth/login/second-factor', {
      login_challenge_id: p.body.login_challenge_id,
      totp_code: code(1),
    });
    expect(again.body.reason).toBe('challenge_invalid');
    const p2 = await passwordStep(a, 'totp@example.com');
    const wrong = await a.call('POST', '/api/auth/login/second-factor', {
      login_challenge_id: p2.body.login_challenge_id,
      totp_code: code() === '000000' ? '111111' : '000000',
    });
    expect(wrong.body.reason).toBe('second_factor_failed');
    const p3 = await passwordStep(a, 'totp@example.com');
    const ok = await a.call('POST', '/api/auth/login/second-factor', {
      login_challenge_id: p3.body.login_challenge_id,
      totp_code: code(1),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.factors).toEqual({ passkeys: 0, totp: true });
  });

  it('shows the secret once: a second enrolment is totp_already_enrolled; a bad confirmation code is refused', async () => {
    const { b } = await withTotp('totp2@example.com');
    const again = await b.call('POST', '/api/auth/totp/enrolment');
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('totp_already_enrolled');
    const c = new Browser(cp);
    await c.signup('totp3@example.com');
    expect((await c.call('POST', '/api/auth/totp/enrolment/confirm', { code: '123456' })).body.reason).toBe(
      'totp_not_enrolled',
    );
    await c.call('POST', '/api/auth/totp/enrolment');
    const bad = await c.call('POST', '/api/auth/totp/enrolment/confirm', { code: '123456' });
    expect(bad.body.reason).toBe('totp_code_invalid');
  });

  it('keeps the seed encrypted at rest (no base32 secret in the row)', async () => {
    const b = new Browser(cp);
    await b.signup('totp4@example.com');
    const e = await b.call<{ otpauth_uri: string }>('POST', '/api/auth/totp/enrolment');
    const secret = URI.parse(e.body.otpauth_uri).secret;
    const row = await cp.t.db.query<Record<string, unknown>>(
      "SELECT t.* FROM cp_totp t JOIN cp_users u USING (user_id) WHERE u.email = 'totp4@example.com'",
    );
    const stored = JSON.stringify(row.rows[0], (_k, v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
    );
    expect(stored).not.toContain(secret.base32);
    expect(stored).not.toContain(secret.hex.toLowerCase());
  });
});

describe('password sign-in', () => {
  it('refuses a wrong password or an unknown e-mail alike, and an account without a second factor', async () => {
    const b = new Browser(cp);
    await b.signup('nofactor@example.com');
    const wrong = await passwordStep(new Browser(cp), 'nofactor@example.com', 'wrong password!!');
    const unknown = await passwordStep(new Browser(cp), 'nobody@example.com');
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ reason: 'invalid_credentials' });
    }
    const none = await passwordStep(new Browser(cp), 'nofactor@example.com');
    expect(none.status).toBe(403);
    expect(none.body).toMatchObject({ reason: 'second_factor_not_enrolled' });
  });
});
