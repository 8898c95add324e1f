/**
 * `npm start` only: a demo customer who can sign in to CP on a machine without passkeys. Made the way a real one
 * is, through the public APIs: the demo operator creates a customer in PP (Plant's directory) and an invitation,
 * the customer signs up in CP with it and sets up an authenticator app. The login (e-mail, password and the
 * authenticator secret, to type into an app or to make codes with `otpauth`) is kept in .data/demo-logins/cp.json.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { URI } from 'otpauth';

export interface DemoCpLogin {
  portal: 'CP';
  email: string;
  password: string;
  customer_id: string;
  totp_secret: string;
  otpauth_uri: string;
}

async function call(url: string, init: { method: string; headers?: Record<string, string>; body?: unknown }) {
  const r = await fetch(url, {
    method: init.method,
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${init.method} ${new URL(url).pathname}: ${r.status} ${text.slice(0, 300)}`);
  return {
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
    cookie: r.headers.get('set-cookie'),
  };
}

const cookieOf = (setCookie: string | null) => (setCookie ?? '').split(';')[0] ?? '';

export async function createDemoCpLogin(o: {
  ppUrl: string;
  cpUrl: string;
  /** The paper exchange (its admin routes make the demo customer's funded keys). */
  paperUrl: string;
  operator: { username: string; password: string };
  file: string;
}): Promise<DemoCpLogin> {
  if (existsSync(o.file)) return (JSON.parse(readFileSync(o.file, 'utf8')) as DemoCpLogin[])[0]!;
  const login = await call(`${o.ppUrl}/api/auth/login`, { method: 'POST', body: o.operator });
  const ops = { cookie: cookieOf(login.cookie) };
  const email = 'demo.customer@example.com';
  const customer = await call(`${o.ppUrl}/api/customers`, {
    method: 'POST',
    headers: ops,
    body: { display_name: 'Demo customer', email },
  });
  const customerId = String(customer.body.customer_id);
  const invite = await call(`${o.ppUrl}/api/customers/${customerId}/cp-invites`, {
    method: 'POST',
    headers: ops,
    body: {},
  });
  const token = String(invite.body.invite_url).split('#/invite/')[1]!;
  const password = `demo-${randomBytes(12).toString('base64url')}`;
  const signup = await call(`${o.cpUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'x-cp-csrf': '1' },
    body: { invite: token, email, password },
  });
  const customerSession = { cookie: cookieOf(signup.cookie), 'x-cp-csrf': String(signup.body.csrf_token) };
  const enrol = await call(`${o.cpUrl}/api/auth/totp/enrolment`, {
    method: 'POST',
    headers: customerSession,
    body: {},
  });
  const uri = String(enrol.body.otpauth_uri);
  const totp = URI.parse(uri);
  // The previous step's code (still inside the accepted window), so the code shown now stays usable to sign in.
  await call(`${o.cpUrl}/api/auth/totp/enrolment/confirm`, {
    method: 'POST',
    headers: customerSession,
    body: { code: totp.generate({ timestamp: Date.now() - 30_000 }) },
  });
  // Ops hire the agent for the customer (PP keeps a key for it); the customer then trades on its own key in CP,
  // with an approval policy — so the demo customer can propose and approve right away.
  const paperKey = async () =>
    (await call(`${o.paperUrl}/_paper/api-keys`, { method: 'POST', body: { balance: '10000' } })).body;
  const opsKey = await paperKey();
  const opsCred = await call(`${o.ppUrl}/api/customers/${customerId}/credentials`, {
    method: 'POST',
    headers: ops,
    body: {
      api_key: opsKey.api_key,
      api_secret: opsKey.api_secret,
      label: 'Onboarded by ops',
      environment: 'paper',
    },
  });
  const setup = {
    exchange_provider: 'delta_exchange_india',
    credential_ref: String(opsCred.body.credential_ref),
    default_coin: 'BTC',
    allowed_coins: ['BTC', 'ETH'],
    risk_limits: { max_units_per_order: 10, max_notional_inr: '2000000' },
    execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
  };
  const hire = await call(`${o.ppUrl}/api/hired-agents`, {
    method: 'POST',
    headers: ops,
    body: { customer_id: customerId, agent_id: 'AGT-TRD-DELTA-001', plan: 'trial', setup },
  });
  const ownKey = await paperKey();
  const ownCred = await call(`${o.cpUrl}/api/credentials`, {
    method: 'POST',
    headers: customerSession,
    body: {
      api_key: ownKey.api_key,
      api_secret: ownKey.api_secret,
      label: 'My Delta account',
      environment: 'paper',
    },
  });
  const ref = String(ownCred.body.credential_ref);
  await call(`${o.cpUrl}/api/agents/${String(hire.body.hired_agent_id)}/setup`, {
    method: 'PUT',
    headers: customerSession,
    body: {
      setup: {
        ...setup,
        credential_ref: ref,
        exchange_account_id: ref,
        approval_policy: { ttl_minutes: 10, price_band_bps: 50 },
      },
    },
  });
  await call(`${o.cpUrl}/api/auth/logout`, { method: 'POST', headers: customerSession, body: {} });
  const entry: DemoCpLogin = {
    portal: 'CP',
    email,
    password,
    customer_id: customerId,
    totp_secret: totp.secret.base32,
    otpauth_uri: uri,
  };
  mkdirSync(dirname(o.file), { recursive: true });
  writeFileSync(o.file, JSON.stringify([entry], null, 2), { mode: 0o600 });
  return entry;
}
