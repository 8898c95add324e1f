import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../src/auth/purge.ts';
import { cpAudit } from '../src/cp-audit.ts';
import { Browser, type CpTestApp, PASSWORD, startCp } from './cp-test-app.ts';

let cp: CpTestApp;
beforeAll(async () => {
  cp = await startCp({ LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_IP: '6' });
});
afterAll(async () => cp?.close());

/** A customer with a passkey, and a way to open another session of theirs (another device). */
async function customer(email: string) {
  const b = new Browser(cp);
  await b.signup(email);
  await b.registerPasskey();
  const device = async (ip = '127.0.0.1') => {
    const d = new Browser(cp, ip);
    const o = await d.call<{ challenge_id: string; options: never }>(
      'POST',
      '/api/auth/login/passkey/options',
    );
    const r = await d.call('POST', '/api/auth/login/passkey/verify', {
      challenge_id: o.body.challenge_id,
      response: b.authenticator.assert(o.body.options),
    });
    expect(r.status).toBe(200);
    return d;
  };
  return { b, device };
}

describe('sessions', () => {
  it('sets an HttpOnly SameSite=Strict cookie holding a token only its hash of is stored', async () => {
    const b = new Browser(cp);
    const r = await b.signup('cookie@example.com');
    const set = String(r.headers['set-cookie']);
    expect(set).toMatch(/^cp_session=[\w-]{43};/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).not.toContain('Secure'); // loopback; Secure when CP listens beyond it
    const rows = await cp.t.db.query<{ token_hash: string }>('SELECT token_hash FROM cp_sessions');
    expect(JSON.stringify(rows.rows)).not.toContain(b.cookie!);
  });

  it('ends a session idle longer than the timeout (login_required, on record)', async () => {
    const { b } = await customer('idle@example.com');
    expect((await b.call('GET', '/api/auth/me')).status).toBe(200);
    await cp.t.db.query(
      `UPDATE cp_sessions SET last_seen_at = now() - interval '31 minutes'
        WHERE user_id = (SELECT user_id FROM cp_users WHERE email = 'idle@example.com')`,
    );
    const r = await b.call('GET', '/api/auth/me');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ reason: 'login_required' });
    const rec = await cpAudit.list(cp.t.db, { correlation_id: String(r.body.correlation_id) });
    expect(rec[0]).toMatchObject({ outcome: 'denied', reason: 'login_required' });
  });

  it('ends a session at its absolute lifetime even when in use', async () => {
    const { b } = await customer('absolute@example.com');
    await cp.t.db.query(
      `UPDATE cp_sessions SET expires_at = now() - interval '1 second'
        WHERE user_id = (SELECT user_id FROM cp_users WHERE email = 'absolute@example.com')`,
    );
    expect((await b.call('GET', '/api/auth/me')).status).toBe(401);
  });

  it('lists the live sessions, revokes one, and signs out everywhere', async () => {
    const { b, device } = await customer('many@example.com');
    const phone = await device('10.0.0.2');
    const laptop = await device('10.0.0.3');
    const list = await b.call<{ items: { session_id: string; current: boolean; auth_method: string }[] }>(
      'GET',
      '/api/auth/sessions',
    );
    expect(list.body.items).toHaveLength(3);
    expect(list.body.items.filter((s) => s.current)).toHaveLength(1);
    const phoneId = String((await phone.call('GET', '/api/auth/me')).body.session_id);

    const revoke = await b.call('DELETE', `/api/auth/sessions/${phoneId}`);
    expect(revoke.status).toBe(204);
    expect((await phone.call('GET', '/api/auth/me')).status).toBe(401);
    expect((await b.call('DELETE', `/api/auth/sessions/${phoneId}`)).body.reason).toBe('session_not_found');

    // Another customer cannot end this customer's session (no such session, for them).
    const other = await customer('other@example.com');
    const laptopId = String((await laptop.call('GET', '/api/auth/me')).body.session_id);
    const foreign = await other.b.call('DELETE', `/api/auth/sessions/${laptopId}`);
    expect(foreign.status).toBe(404);
    expect((await laptop.call('GET', '/api/auth/me')).status).toBe(200);

    const all = await b.call('POST', '/api/auth/sessions/revoke-all');
    expect(all.status).toBe(200);
    expect(all.body.revoked).toBe(2);
    for (const s of [b, laptop]) expect((await s.call('GET', '/api/auth/me')).status).toBe(401);
    expect((await other.b.call('GET', '/api/auth/me')).status).toBe(200);
    const rec = await cpAudit.list(cp.t.db, { correlation_id: String(all.headers['x-correlation-id']) });
    expect(rec[0]).toMatchObject({
      action: 'session.revoke_all',
      outcome: 'allowed',
      details: { revoked: 2 },
    });
  });

  it('logs out: the session is revoked server-side, not only the cookie cleared', async () => {
    const { b } = await customer('logout@example.com');
    const token = b.cookie!;
    expect((await b.call('POST', '/api/auth/logout')).status).toBe(204);
    b.cookie = token;
    expect((await b.call('GET', '/api/auth/me')).status).toBe(401);
  });
});

describe('CSRF', () => {
  it('refuses a state-changing request without the header, with another session’s token, or cross-site', async () => {
    const { b } = await customer('csrf@example.com');
    const other = await customer('csrf2@example.com');
    const cases = [
      await b.call('POST', '/api/auth/sessions/revoke-all', {}, { csrf: null }),
      await b.call('POST', '/api/auth/sessions/revoke-all', {}, { csrf: other.b.csrf! }),
      await b.call(
        'POST',
        '/api/auth/sessions/revoke-all',
        {},
        { headers: { 'sec-fetch-site': 'cross-site' } },
      ),
      await new Browser(cp).call(
        'POST',
        '/api/auth/login/password',
        { email: 'csrf@example.com', password: PASSWORD },
        { csrf: null },
      ),
    ];
    for (const r of cases) {
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ reason: 'csrf_failed' });
      const rec = await cpAudit.list(cp.t.db, { correlation_id: String(r.body.correlation_id) });
      expect(rec[0]).toMatchObject({ outcome: 'denied', reason: 'csrf_failed' });
    }
    // Nothing was revoked.
    expect((await b.call('GET', '/api/auth/me')).status).toBe(200);
    expect((await b.call('GET', '/api/auth/sessions')).status).toBe(200);
  });
});

describe('throttling', () => {
  it('refuses an account after 3 failures (429 with retry-after), even with the right password', async () => {
    await customer('throttle@example.com');
    const b = new Browser(cp, '10.1.0.1');
    for (let i = 0; i < 3; i++) {
      const r = await b.call('POST', '/api/auth/login/password', {
        email: 'throttle@example.com',
        password: 'wrong-password-x',
      });
      expect(r.status).toBe(401);
    }
    const blocked = await new Browser(cp, '10.1.0.2').call('POST', '/api/auth/login/password', {
      email: 'throttle@example.com',
      password: PASSWORD,
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ reason: 'login_throttled' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const rec = await cpAudit.list(cp.t.db, { correlation_id: String(blocked.body.correlation_id) });
    expect(rec[0]).toMatchObject({ action: 'login.password', outcome: 'denied', reason: 'login_throttled' });
  });

  it('refuses an address after 6 failures across accounts', async () => {
    const b = new Browser(cp, '10.2.0.1');
    for (let i = 0; i < 6; i++) {
      const r = await b.call('POST', '/api/auth/login/password', {
        email: `spray${i}@example.com`,
        password: 'wrong-password-x',
      });
      expect(r.status).toBe(401);
    }
    const r = await b.call('POST', '/api/auth/login/password', {
      email: 'spray9@example.com',
      password: 'wrong-password-x',
    });
    expect(r.status).toBe(429);
    // Another address is not affected.
    const elsewhere = await new Browser(cp, '10.2.0.2').call('POST', '/api/auth/login/password', {
      email: 'spray9@example.com',
      password: 'wrong-password-x',
    });
    expect(elsewhere.status).toBe(401);
  });
});

describe('passkey sign-in options', () => {
  it('are limited per address (429 rate_limited with retry-after), other addresses unaffected', async () => {
    const flood = new Browser(cp, '10.3.0.1');
    for (let i = 0; i < 30; i++)
      expect((await flood.call('POST', '/api/auth/login/passkey/options')).status).toBe(200);
    const r = await flood.call('POST', '/api/auth/login/passkey/options');
    expect(r.status).toBe(429);
    expect(r.body.reason).toBe('rate_limited');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect((await new Browser(cp, '10.3.0.2').call('POST', '/api/auth/login/passkey/options')).status).toBe(
      200,
    );
  });
});

describe('purging dead rows', () => {
  it('deletes long-expired challenges, ended throttle windows and sessions ended 30 days ago, nothing live', async () => {
    const { b } = await customer('purge@example.com');
    const user = "(SELECT user_id FROM cp_users WHERE email = 'purge@example.com')";
    await cp.t.db.query(
      `UPDATE cp_challenges SET expires_at = now() - interval '2 days' WHERE user_id = ${user}`,
    );
    await cp.t.db.query(
      "INSERT INTO cp_login_throttle (key, points, expire) VALUES ('account:old', 3, $1), ('account:live', 1, $2)",
      [Date.now() - 7_200_000, Date.now() + 60_000],
    );
    const other = await customer('purge-live@example.com');
    await cp.t.db.query(
      `UPDATE cp_sessions SET revoked_at = now() - interval '31 days', revoked_reason = 'logout' WHERE user_id = ${user}`,
    );
    const n = await purgeExpired(cp.t.db);
    expect(n.challenges).toBeGreaterThan(0);
    expect(n.throttle).toBeGreaterThanOrEqual(1);
    expect(n.sessions).toBeGreaterThanOrEqual(1);
    const keys = await cp.t.db.query<{ key: string }>(
      "SELECT key FROM cp_login_throttle WHERE key LIKE 'account:%'",
    );
    expect(keys.rows.map((r) => r.key)).toContain('account:live');
    expect(keys.rows.map((r) => r.key)).not.toContain('account:old');
    expect((await other.b.call('GET', '/api/auth/me')).status).toBe(200);
    expect((await b.call('GET', '/api/auth/me')).status).toBe(401);
  });
});

describe('empty bodies', () => {
  it('takes a POST without a body where nothing is asked (options, enrolment, sign out everywhere)', async () => {
    const b = new Browser(cp);
    await b.signup('nobody-body@example.com');
    for (const url of [
      '/api/auth/login/passkey/options',
      '/api/auth/passkeys/registration/options',
      '/api/auth/totp/enrolment',
      '/api/auth/sessions/revoke-all',
    ]) {
      const r = await cp.app.inject({
        method: 'POST',
        url,
        headers: { cookie: `cp_session=${b.cookie}`, 'x-cp-csrf': b.csrf! },
      });
      expect(r.statusCode, `${url} ${r.body}`).toBeLessThan(300);
    }
  });
});
