/**
 * The customer portal in a phone-sized browser: ops invite the customer from PP's API, the customer signs up in CP
 * with a passkey (Chromium's virtual authenticator over CDP), connects paper keys, sets the agent's parameters,
 * drafts a trade, reviews it, approves it with the passkey and sees it filled, and rejects another. Every page is
 * photographed at 390×844 and at 1280×800 into e2e/screenshots/cp-*.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type RunningPlatform, SCREENSHOTS, startPlatform } from './stack.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

let platform: RunningPlatform;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cpUrl = '';
let inviteUrl = '';
let approvedId = '';
const errors: string[] = [];

const shot = async (name: string) => {
  // From the top: the bar and the tabs stay where a person sees them.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: join(SCREENSHOTS, `cp-${name}-${page.viewportSize()!.width}.png`),
    fullPage: true,
    // The whole page as one picture: the bar and the tabs in their place, not stuck over the middle of it.
    style: '.top, .tabs { position: static !important; }',
  });
};

async function json(url: string, init: { method?: string; cookie?: string; body?: unknown } = {}) {
  const r = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.cookie ? { cookie: init.cookie } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${r.status} ${text.slice(0, 300)}`);
  return {
    body: JSON.parse(text || '{}') as Record<string, unknown>,
    setCookie: r.headers.get('set-cookie'),
  };
}

/** A funded paper-exchange key with trading rights, made by the exchange's admin API. */
async function paperKey() {
  const k = await json(`${platform.paperUrl}/_paper/api-keys`, {
    method: 'POST',
    body: { balance: '5000000' },
  });
  return { apiKey: String(k.body.api_key), apiSecret: String(k.body.api_secret) };
}

/** Ops' side, through PP's API: a customer, the agent hired on PP-held keys, and a CP invitation. */
async function opsInvite(): Promise<string> {
  const operator = platform.logins.find((l) => l.role === 'operator')!;
  const login = await json(`${platform.ppUrl}/api/auth/login`, {
    method: 'POST',
    body: { username: operator.username, password: operator.password },
  });
  const cookie = (login.setCookie ?? '').split(';')[0]!;
  const customer = await json(`${platform.ppUrl}/api/customers`, {
    method: 'POST',
    cookie,
    body: { display_name: 'Asha Traders' },
  });
  const customerId = String(customer.body.customer_id);
  const key = await paperKey();
  const cred = await json(`${platform.ppUrl}/api/customers/${customerId}/credentials`, {
    method: 'POST',
    cookie,
    body: { api_key: key.apiKey, api_secret: key.apiSecret, label: 'Ops-held keys', environment: 'paper' },
  });
  const ref = String(cred.body.credential_ref);
  await json(`${platform.ppUrl}/api/hired-agents`, {
    method: 'POST',
    cookie,
    body: {
      customer_id: customerId,
      agent_id: 'AGT-TRD-DELTA-001',
      plan: 'paid',
      setup: {
        exchange_provider: 'delta_exchange_india',
        credential_ref: ref,
        exchange_account_id: ref,
        default_coin: 'BTC',
        allowed_coins: ['BTC'],
        risk_limits: { max_units_per_order: 5 },
        execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
      },
    },
  });
  const invite = await json(`${platform.ppUrl}/api/customers/${customerId}/cp-invites`, {
    method: 'POST',
    cookie,
    body: {},
  });
  return String(invite.body.invite_url);
}

async function draftTrade(units: number) {
  await page.goto(`${cpUrl}/#/new`);
  const form = page.getByRole('form', { name: 'New trade' });
  await form.getByLabel('Coin').selectOption('BTC');
  await form.getByLabel('Contracts').fill(String(units));
  await form.getByText('Long (price up)').click();
  await form.getByText('Open / add').click();
  await form.getByText('Market', { exact: true }).click();
  await form.getByRole('button', { name: 'Review trade' }).click();
  await page.getByRole('button', { name: 'Approve with passkey' }).waitFor();
  return page.url().split('#/proposal/')[1]!;
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  platform = await startPlatform();
  // Passkeys are bound to a host name: CP is opened at localhost (its CP_PUBLIC_URL), never 127.0.0.1.
  cpUrl = `http://localhost:${platform.ports['cp-api']}`;
  inviteUrl = await opsInvite();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.setDefaultTimeout(20_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
}, 240_000);

// What the page showed when a step failed.
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page)
    await shot(`failed-${ctx.task.name.slice(0, 24).replace(/\W+/g, '-')}`);
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('CP on a phone: invited, signed up with a passkey, trading on its own keys', () => {
  it('signs up from the invitation link and adds a passkey', async () => {
    expect(inviteUrl.startsWith(`${cpUrl}/#/invite/`)).toBe(true);
    await page.goto(inviteUrl);
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await shot('01-invite');
    await page.getByLabel('E-mail').fill('asha@example.com');
    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Secure your account' }).waitFor();
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey added.').waitFor();
    await shot('02-secure');
  });

  it('connects paper keys: stored, masked, never shown again', async () => {
    const key = await paperKey();
    await page.getByRole('link', { name: /connect your exchange keys/i }).click();
    const form = page.getByRole('form', { name: 'Connect exchange keys' });
    await form.getByLabel('Name').fill('My Delta paper account');
    await form.getByText('Paper (practice)').click();
    await form.getByLabel('API key').fill(key.apiKey);
    await form.getByLabel('API secret').fill(key.apiSecret);
    await form.getByRole('button', { name: 'Connect key' }).click();
    await page.getByText(/will not be shown again/).waitFor();
    const html = await page.content();
    expect(html).not.toContain(key.apiSecret);
    await page
      .getByText(`••••${key.apiKey.slice(-4)}`)
      .first()
      .waitFor();
    await shot('03-keys');
  });

  it('sets the parameters, with a field-level message a customer understands', async () => {
    await page.getByRole('link', { name: 'Agent', exact: true }).click();
    const form = page.getByRole('form', { name: 'Agent settings' });
    await form.getByLabel('Coins the agent may trade').fill('BTC, ETH');
    await form.getByLabel('Most contracts in one order').fill('0');
    await form.getByLabel('Approval lifetime (minutes)').fill('10');
    await form.getByLabel('Price band (basis points)').fill('50');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByText('A whole number of contracts, at least 1.').waitFor();
    await form.getByLabel('Most contracts in one order').fill('10');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByText('Saved.').waitFor();
    await shot('04-settings');
  });

  it('drafts a trade and reviews the exact order, the band and the countdown', async () => {
    approvedId = await draftTrade(2);
    const main = await page.locator('main').innerText();
    expect(main).toContain('Open long: Buy 2 BTCUSD');
    expect(main).toMatch(/Delta’s INR rate of ₹[\d,.]+ per USD/);
    expect(main).toContain('(50 bps)');
    expect(main).toMatch(/Expires in \d+ min/);
    await shot('05-review');
  });

  it('approves with the passkey and sees the order filled', async () => {
    await page.getByRole('button', { name: 'Approve with passkey' }).click();
    await page.getByText('Filled on Delta.').waitFor({ timeout: 60_000 });
    await shot('06-filled');
    // After a reload the outcome is the server's.
    await page.reload();
    await page.getByText('Filled on Delta.').waitFor();
  });

  it('rejects another with a reason', async () => {
    await draftTrade(1);
    await page.getByRole('button', { name: 'Reject', exact: true }).click();
    await page.getByLabel('Why are you rejecting it?').fill('Waiting for the US open');
    await page.getByRole('button', { name: 'Reject this trade' }).click();
    await page.getByText(/You rejected this trade: “Waiting for the US open”/).waitFor();
  });

  it('lists the trades, the history and the account', async () => {
    await page.getByRole('link', { name: 'Trades', exact: true }).click();
    await page.getByText('Rejected', { exact: true }).first().waitFor();
    await shot('07-inbox');
    await page.getByRole('link', { name: 'History', exact: true }).click();
    await page.getByText('filled', { exact: true }).first().waitFor();
    await shot('08-history');
    await page.getByRole('link', { name: 'Account', exact: true }).click();
    await page.getByText('This device', { exact: true }).waitFor();
    await shot('09-account');
  });

  it('every page at 1280×800', async () => {
    await page.setViewportSize(DESKTOP);
    for (const [name, hash, ready] of [
      ['05-review', `#/proposal/${approvedId}`, 'Filled on Delta.'],
      ['07-inbox', '#/inbox', 'Proposed trades'],
      ['10-new-trade', '#/new', 'Review trade'],
      ['03-keys', '#/keys', 'Your keys'],
      ['04-settings', '#/settings', 'Save settings'],
      ['08-history', '#/history', 'Approvals'],
      ['09-account', '#/account', 'This device'],
    ] as const) {
      await page.goto(`${cpUrl}/${hash}`);
      await page.getByText(ready, { exact: true }).first().waitFor();
      await shot(name);
    }
    await page.setViewportSize(PHONE);
    await page.goto(`${cpUrl}/#/new`);
    await page.getByText('Review trade').waitFor();
    await shot('10-new-trade');
  });

  it('signs out, and signs in again with the passkey', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
    await shot('00-sign-in');
    await page.setViewportSize(DESKTOP);
    await shot('00-sign-in');
    await page.setViewportSize(PHONE);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  });

  it('raised no uncaught errors in the page', () => {
    expect(errors).toEqual([]);
  });
});
