import { testCustomerId } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/passwords.ts';
import { insertUser } from '../src/auth/users-repository.ts';
import { login, PASSWORD, type PpTestApp, startPp } from './pp-test-app.ts';

let pp: PpTestApp;
beforeAll(async () => {
  pp = await startPp();
});
afterAll(async () => {
  await pp.close();
});

async function audit(correlationId: string) {
  const r = await pp.t.db.query<{ action: string; outcome: string; reason: string | null }>(
    'SELECT action, outcome, reason FROM pp_audit WHERE correlation_id = $1',
    [correlationId],
  );
  return r.rows;
}

describe('PP ops identity', () => {
  it('logs in with an httpOnly SameSite=Strict session cookie and shows who you are', async () => {
    const r = await pp.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'Operator', password: PASSWORD },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().user).toMatchObject({ username: 'operator', role: 'operator' });
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/pp_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const me = await pp.app.inject({ url: '/api/auth/me', headers: { cookie: cookie.split(';')[0]! } });
    expect(me.json()).toMatchObject({ username: 'operator', role: 'operator' });
    expect(me.body).not.toContain('password');
  });

  it('stores argon2id hashes, never passwords', async () => {
    const r = await pp.t.db.query<{ password_hash: string }>('SELECT password_hash FROM ops_users');
    expect(r.rows.length).toBe(3);
    for (const row of r.rows) {
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.password_hash).not.toContain(PASSWORD);
    }
  });

  it('a secret typed into the user-name field is never stored, and is still throttled', async () => {
    const secret = `Sk${'9x'.repeat(20)}Q`;
    const tries = [];
    for (let i = 0; i < 4; i++) {
      tries.push(
        await pp.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: secret, password: 'whatever' },
        }),
      );
    }
    expect(tries.slice(0, 3).map((r) => r.statusCode)).toEqual([401, 401, 401]);
    expect(tries[3]!.statusCode).toBe(429);
    for (const table of ['login_attempts', 'pp_audit']) {
      const dump = await pp.t.db.query(`SELECT * FROM ${table}`);
      expect(JSON.stringify(dump.rows).toLowerCase()).not.toContain(secret.toLowerCase());
    }
    const recorded = await audit(tries[0]!.headers['x-correlation-id'] as string);
    expect(recorded).toEqual([{ action: 'login', outcome: 'denied', reason: 'invalid_credentials' }]);
  });

  it('refuses wrong passwords and unknown users alike, and audits them', async () => {
    const wrong = await pp.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'admin', password: 'nope-nope-nope' },
    });
    const unknown = await pp.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'ghost', password: 'nope-nope-nope' },
    });
    for (const r of [wrong, unknown]) {
      expect(r.statusCode).toBe(401);
      expect(r.json()).toMatchObject({ reason: 'invalid_credentials' });
    }
    expect(await audit(wrong.json().correlation_id)).toEqual([
      { action: 'login', outcome: 'denied', reason: 'invalid_credentials' },
    ]);
  });

  it('throttles repeated failures for a user (even with the right password) and audits it', async () => {
    for (let i = 0; i < 3; i++) {
      await pp.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'viewer', password: `wrong-${i}-password` },
      });
    }
    const r = await pp.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'viewer', password: PASSWORD },
    });
    expect(r.statusCode).toBe(429);
    expect(r.json()).toMatchObject({ reason: 'login_throttled' });
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(await audit(r.json().correlation_id)).toEqual([
      { action: 'login', outcome: 'denied', reason: 'login_throttled' },
    ]);
    // Other users are not affected.
    await expect(login(pp.app, 'admin')).resolves.toMatch(/^pp_session=/);
  });

  it('logs out: the session stops working', async () => {
    const cookie = await login(pp.app, 'admin');
    expect((await pp.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    expect(
      (await pp.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })).statusCode,
    ).toBe(204);
    const after = await pp.app.inject({ url: '/api/auth/me', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ reason: 'login_required' });
  });

  it('refuses state-changing requests from another site or origin (CSRF)', async () => {
    const cookie = await login(pp.app, 'admin');
    const cross = await pp.app.inject({
      method: 'POST',
      url: '/api/approvals/apr_x/revoke',
      headers: { cookie, origin: 'https://evil.example', host: 'localhost:3001' },
    });
    expect(cross.statusCode).toBe(403);
    expect(cross.json()).toMatchObject({ reason: 'cross_site_request' });
    const site = await pp.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(site.statusCode).toBe(403);
    const form = await pp.app.inject({
      method: 'POST',
      url: `/api/customers/${testCustomerId('viewer-store')}/credentials`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'api_key=x&api_secret=y',
    });
    expect(form.statusCode).toBe(415);
  });

  it('keeps viewers read-only', async () => {
    // "viewer" is locked out by the throttling test above; use a second viewer account.
    await insertUser(pp.t.db, {
      username: 'viewer2',
      display_name: 'v2',
      role: 'viewer',
      password_hash: await hashPassword(PASSWORD),
    });
    const cookie = await login(pp.app, 'viewer2');
    expect((await pp.app.inject({ url: '/api/approvals', headers: { cookie } })).statusCode).toBe(200);
    const revoke = await pp.app.inject({
      method: 'POST',
      url: '/api/approvals/apr_aaaaaaaaaaaaaaaaaaaaaaaaaa/revoke',
      headers: { cookie },
    });
    expect(revoke.statusCode).toBe(403);
    expect(revoke.json()).toMatchObject({ reason: 'role_forbidden' });
    const store = await pp.app.inject({
      method: 'POST',
      url: `/api/customers/${testCustomerId('viewer-store')}/credentials`,
      headers: { cookie },
      payload: { api_key: 'abcdefgh1234', api_secret: 'abcdefgh1234', label: 'x', environment: 'paper' },
    });
    expect(store.statusCode).toBe(403);
  });
});
