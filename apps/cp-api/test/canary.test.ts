import { randomBytes } from 'node:crypto';
import { URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type CpTestApp, startCp } from './cp-test-app.ts';

/**
 * Planted secrets: a recognisable password, the TOTP seed CP makes, every session token and invitation, the
 * codes and WebAuthn messages sent. None may show up in a log line, an audit record, another table or an answer
 * (the seed only in the one answer that shows it, the token only in its Set-Cookie).
 */
const PASSWORD = `CANARYPASSWORD${randomBytes(10).toString('hex')}`;
const EMAIL = 'planted.user@example.com';

let cp: CpTestApp;
const tokens: string[] = [];
const invites: string[] = [];
const codes: string[] = [];
const blobs: string[] = [];
let seed: { base32: string; hex: string };
let enrolmentAnswer = '';
const answers: string[] = [];

beforeAll(async () => {
  cp = await startCp({ LOGIN_MAX_FAILURES: '50' });
  const b = new Browser(cp);
  const { token } = await cp.invite();
  invites.push(token);
  // Bad input first, carrying the password where it does not belong.
  await b.call('POST', '/api/auth/signup', { invite: token, email: PASSWORD, password: PASSWORD });
  await b.call('POST', '/api/auth/signup', {
    invite: token,
    email: EMAIL,
    password: PASSWORD,
    extra: PASSWORD,
  });
  await b.call('POST', '/api/auth/signup', { invite: `${token}x`, email: EMAIL, password: PASSWORD });
  await b.call('POST', '/api/auth/signup', { invite: token, email: EMAIL, password: PASSWORD });
  tokens.push(b.cookie!);
  await b.call('POST', '/api/auth/signup', { invite: token, email: 'again@example.com', password: PASSWORD });

  const e = await b.call<{ otpauth_uri: string }>('POST', '/api/auth/totp/enrolment');
  enrolmentAnswer = e.raw;
  const totp = URI.parse(e.body.otpauth_uri);
  seed = { base32: totp.secret.base32, hex: totp.secret.hex.toLowerCase() };
  const confirm = totp.generate({ timestamp: Date.now() - 30_000 });
  codes.push(confirm);
  await b.call('POST', '/api/auth/totp/enrolment/confirm', { code: confirm });
  const reg = await b.registerPasskey();
  expect(reg.status).toBe(201);

  // Sign-ins: wrong password, right password + code, the code replayed, passkey.
  const c = new Browser(cp);
  await c.call('POST', '/api/auth/login/password', { email: EMAIL, password: `${PASSWORD}-wrong` });
  await c.call('POST', '/api/auth/login/password', { email: PASSWORD, password: PASSWORD });
  const p = await c.call<{ login_challenge_id: string }>('POST', '/api/auth/login/password', {
    email: EMAIL,
    password: PASSWORD,
  });
  const code = totp.generate();
  codes.push(code);
  await c.call('POST', '/api/auth/login/second-factor', {
    login_challenge_id: p.body.login_challenge_id,
    totp_code: code,
  });
  tokens.push(c.cookie!);
  const p2 = await c.call<{ login_challenge_id: string }>('POST', '/api/auth/login/password', {
    email: EMAIL,
    password: PASSWORD,
  });
  await c.call('POST', '/api/auth/login/second-factor', {
    login_challenge_id: p2.body.login_challenge_id,
    totp_code: code,
  });
  const d = new Browser(cp);
  const o = await d.call<{ challenge_id: string; options: never }>('POST', '/api/auth/login/passkey/options');
  const assertion = b.authenticator.assert(o.body.options);
  blobs.push(
    assertion.response.signature,
    assertion.response.clientDataJSON,
    assertion.response.authenticatorData,
  );
  await d.call('POST', '/api/auth/login/passkey/verify', {
    challenge_id: o.body.challenge_id,
    response: assertion,
  });
  tokens.push(d.cookie!);
  const s = await d.call<{ nonce_id: string; options: never }>('POST', '/api/step-up/options', {
    intent_hash: 'c'.repeat(64),
  });
  const stepUp = b.authenticator.assert(s.body.options);
  blobs.push(stepUp.response.signature);
  // A session token and a code sent where they do not belong.
  await d.call('POST', '/api/auth/totp/enrolment/confirm', { code: tokens[0] });
  await d.call('DELETE', `/api/auth/sessions/${tokens[0]}`);
  await d.call('GET', `/api/auth/sessions?token=${tokens[0]}`);
  await d.call('POST', '/api/auth/sessions/revoke-all');
  for (const x of [b, c, d]) answers.push(...x.seen);
}, 120_000);
afterAll(async () => cp?.close());

async function everyTable(): Promise<string> {
  const tables = await cp.t.db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
  );
  const out: string[] = [];
  for (const { table_name } of tables.rows) {
    const r = await cp.t.db.query(`SELECT * FROM "${table_name}"`);
    out.push(
      JSON.stringify(r.rows, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)),
    );
  }
  return out.join('\n');
}

describe('planted secrets', () => {
  it('the run exercised what it should (sessions made, seed shown once)', () => {
    expect(tokens.filter(Boolean)).toHaveLength(3);
    expect(enrolmentAnswer).toContain(seed.base32);
  });

  it('appear in no log line', () => {
    const logs = cp.logs.text();
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of [PASSWORD, seed.base32, seed.hex, ...tokens, ...invites, ...blobs])
      expect(logs.includes(secret), secret.slice(0, 12)).toBe(false);
    for (const code of codes) expect(logs).not.toContain(`"${code}"`);
  });

  it('appear in no audit record and no table (the password only as its argon2id hash)', async () => {
    const stored = await everyTable();
    expect(stored).toContain('$argon2id$');
    for (const secret of [PASSWORD, seed.base32, seed.hex, ...tokens, ...invites, ...blobs])
      expect(stored.includes(secret), secret.slice(0, 12)).toBe(false);
    const audit = JSON.stringify((await cp.t.db.query('SELECT * FROM cp_audit')).rows);
    for (const code of codes) expect(audit).not.toContain(`"${code}"`);
  });

  it('appear in no answer: the seed only in its enrolment answer, a token only in its Set-Cookie', () => {
    const others = answers.filter((a) => a !== answers.find((x) => x.includes(enrolmentAnswer)));
    expect(others.length).toBeGreaterThan(15);
    for (const a of others) {
      const withoutCookies = a.replace(/"set-cookie":("[^"]*"|\[[^\]]*\])/g, '');
      for (const secret of [PASSWORD, seed.base32, seed.hex, ...tokens, ...invites, ...blobs])
        expect(withoutCookies.includes(secret), `${secret.slice(0, 12)} in ${a.slice(0, 200)}`).toBe(false);
    }
  });
});
