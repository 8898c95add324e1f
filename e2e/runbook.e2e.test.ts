import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type RunningPlatform, SCREENSHOTS, startPlatform } from './stack.ts';

let platform: RunningPlatform;
let browser: Browser;
let page: Page;
const errors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
const login = (role: string) => platform.logins.find((l) => l.role === role)!;

async function signIn(p: Page, role: string) {
  await p.goto(platform.ppUrl);
  await p.getByLabel('User name').fill(login(role).username);
  await p.getByLabel('Password').fill(login(role).password);
  await p.getByRole('button', { name: /sign in/i }).click();
  await p.getByRole('button', { name: /sign out/i }).waitFor();
}

/** Records the customer's consent for the plan on the page, mints the approval and executes with it. */
async function approveAndExecute(reference: string) {
  const consent = page.getByRole('form', { name: 'Customer consent' });
  await consent.getByLabel('Consent channel').selectOption('phone');
  await consent.getByLabel('Consent reference').fill(reference);
  await consent.getByRole('button').click();
  await page.getByText(/minted; it expires in/).waitFor();
  await page
    .getByRole('form', { name: 'Execute' })
    .getByRole('button', { name: /execute/i })
    .click();
}

async function fillTrade(p: Page, t: { units: number; action: 'enter (open)' | 'exit (close)' }) {
  const form = p.getByRole('form', { name: 'Trade intent' });
  await form.getByLabel('Exchange account (exchange_account_id)').selectOption({ index: 1 });
  await form.getByLabel('Coin').selectOption('BTC');
  await form.getByLabel('Units (contracts)').fill(String(t.units));
  await form.getByLabel('long').check();
  await form.getByLabel(t.action).check();
  await form.getByLabel('market').check();
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  platform = await startPlatform();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => errors.push(e.message));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('the runbook in a browser, as an ops user', () => {
  it('signs in and shows the role', async () => {
    await page.goto(platform.ppUrl);
    await shot('01-login');
    await signIn(page, 'operator');
    expect(await page.locator('header').innerText()).toContain('operator');
  });

  it('creates a customer', async () => {
    await page.getByRole('link', { name: 'Customers', exact: true }).click();
    await page.getByLabel('Name').fill('Asha Traders');
    await page.getByRole('button', { name: /create customer/i }).click();
    await page.getByText(/Created Asha Traders/).waitFor();
    await shot('02-customers');
  });

  it('stores exchange keys (never shown again) and hires the agent with a setup', async () => {
    await page.getByRole('link', { name: /add exchange keys and hire/i }).click();
    const creds = page.getByRole('form', { name: 'Add exchange account' });
    await creds.getByLabel('Label').fill('Main futures');
    await creds.getByLabel('API key').fill(platform.paperKey.api_key);
    await creds.getByLabel('API secret').fill(platform.paperKey.api_secret);
    await creds.getByRole('button', { name: /save keys/i }).click();
    await page.getByText(/will not be shown again/).waitFor();
    expect(await creds.getByLabel('API secret').inputValue()).toBe('');
    const html = await page.content();
    expect(html).not.toContain(platform.paperKey.api_secret);
    expect(html).not.toContain(platform.paperKey.api_key);
    await expect(page.getByText(`••••${platform.paperKey.api_key.slice(-4)}`).first()).toBeTruthy();

    const setup = page.getByRole('form', { name: 'Agent setup' });
    await setup.getByLabel('Exchange account').selectOption({ index: 1 });
    await setup.getByLabel('Allowed coins').fill('BTC, ETH');
    await setup.getByLabel('Default coin').fill('BTC');
    await setup.getByLabel('Max units per order').fill('10');
    await setup.getByLabel('Max notional (INR, optional)').fill('5000000');
    await expect(page.getByText(/customer approval required for every trade action/).first()).toBeTruthy();
    await setup.getByRole('button', { name: /hire/i }).click();
    await page.getByText(/Hired\./).waitFor();
    await shot('03-agent-setup');
  });

  let deniedCorrelationId = '';

  it('drafts a plan, and executing without an approval is denied with approval_required and a correlation id', async () => {
    await page.getByRole('link', { name: /draft a trade/i }).click();
    await page.getByText('Delta Futures Trading Agent (AGT-TRD-DELTA-001)').first().click();
    await fillTrade(page, { units: 2, action: 'enter (open)' });
    await page.getByRole('button', { name: /draft plan/i }).click();
    const plan = page.getByRole('region', { name: /plan/i }).first();
    await plan.waitFor();
    await expect(plan).toBeTruthy();
    const planText = await page.locator('main').innerText();
    expect(planText).toMatch(/BTCUSD/);
    expect(planText).toMatch(/[0-9a-f]{64}/); // the intent hash
    expect(planText).toMatch(/₹|INR/);

    await page
      .getByRole('form', { name: 'Execute' })
      .getByRole('button', { name: /execute/i })
      .click();
    const denial = page.getByRole('alert').filter({ hasText: 'Denied' });
    await denial.waitFor();
    expect(await denial.getByTestId('denial-reason').innerText()).toBe('approval_required');
    deniedCorrelationId = (await denial.getByRole('link').first().innerText()).trim();
    expect(deniedCorrelationId).toMatch(/^[0-9a-f-]{36}$/);
    await shot('04-denied');
  });

  it('records the customer consent, mints the approval, and executes: the order is filled', async () => {
    const consent = page.getByRole('form', { name: 'Customer consent' });
    await consent.getByLabel('Consent channel').selectOption('phone');
    await consent.getByLabel('Consent reference').fill('Recorded call 29 Nov 10:42 IST');
    await consent.getByRole('button').click();
    await page.getByText(/minted; it expires in/).waitFor();
    const approvalId = await page
      .getByRole('form', { name: 'Execute' })
      .getByLabel('Approval id')
      .inputValue();
    expect(approvalId).toMatch(/^apr_/);
    await page
      .getByRole('form', { name: 'Execute' })
      .getByRole('button', { name: /execute/i })
      .click();
    await page.getByRole('heading', { name: 'Order filled' }).waitFor();
    await shot('05-executed');
  });

  it('the denial tells its whole story on the Audit page', async () => {
    await page.goto(`${platform.ppUrl}/#/audit?correlation_id=${deniedCorrelationId}`);
    await page.getByText('approval_required').first().waitFor();
    await shot('06-audit');
  });

  it('shows the position, then closes it through draft → approval → execute, and ends flat', async () => {
    await page.getByRole('link', { name: 'Positions', exact: true }).click();
    // Wait for the page itself: the Audit page before it has a "Customer id" field.
    await page.getByRole('heading', { name: 'Positions' }).waitFor();
    await page.getByLabel('Customer', { exact: true }).selectOption({ index: 1 });
    await page.getByText('BTCUSD').first().waitFor();
    await page.getByRole('link', { name: /close…/i }).waitFor();
    await page.waitForTimeout(1500); // let the chart draw for the screenshot
    await shot('07-positions');
    await page.getByRole('link', { name: /close…/i }).click();
    await page.getByRole('button', { name: /draft plan/i }).click();
    await page.getByRole('form', { name: 'Customer consent' }).waitFor();
    const consent = page.getByRole('form', { name: 'Customer consent' });
    await consent.getByLabel('Consent channel').selectOption('phone');
    await consent.getByLabel('Consent reference').fill('Recorded call 29 Nov 11:05 IST');
    await consent.getByRole('button').click();
    await page.getByText(/minted; it expires in/).waitFor();
    await page
      .getByRole('form', { name: 'Execute' })
      .getByRole('button', { name: /execute/i })
      .click();
    await page.getByRole('heading', { name: 'Order filled' }).waitFor();
    await shot('08-closed');
    await page
      .getByRole('link', { name: /positions/i })
      .last()
      .click();
    await page.getByText(/no open positions/i).waitFor();
    await shot('09-flat');
  });

  it('places a resting limit order and cancels it through draft → approval → execute', async () => {
    // A buy 2 % under the mark, on the tick: inside the exchange's band, too far down to fill.
    const ticker = await fetch(`${platform.paperUrl}/v2/tickers/BTCUSD`).then((r) => r.json());
    const limit = (Math.floor((Number(ticker.result.mark_price) * 0.98) / 0.5) * 0.5).toString();
    await page.getByRole('link', { name: 'Reference Agents', exact: true }).click();
    await page.getByLabel('Customer', { exact: true }).selectOption({ index: 1 });
    const form = page.getByRole('form', { name: 'Trade intent' });
    await form.getByLabel('Exchange account (exchange_account_id)').selectOption({ index: 1 });
    await form.getByLabel('Units (contracts)').fill('1');
    await form.getByLabel('long').check();
    await form.getByLabel('enter (open)').check();
    await form.getByLabel('limit').check();
    await form.getByLabel('Limit price (USD)').fill(limit);
    await form.getByRole('button', { name: /draft plan/i }).click();
    await approveAndExecute('Recorded call 29 Nov 11:20 IST');
    await page.getByRole('heading', { name: 'Order open' }).waitFor();

    await page.getByRole('link', { name: 'Positions', exact: true }).click();
    await page.getByRole('heading', { name: 'Positions' }).waitFor();
    await page.getByLabel('Customer', { exact: true }).selectOption({ index: 1 });
    await page.getByRole('link', { name: /cancel…/i }).waitFor();
    await shot('10-open-order');
    await page.getByRole('link', { name: /cancel…/i }).click();
    await page.getByRole('button', { name: /draft plan/i }).click();
    await page.getByRole('heading', { name: /Draft plan: cancel order/ }).waitFor();
    await shot('11-cancel-plan');
    await approveAndExecute('Recorded call 29 Nov 11:22 IST');
    await page.getByRole('heading', { name: 'Order cancelled' }).waitFor();
    await page
      .getByRole('link', { name: /positions/i })
      .last()
      .click();
    await page.getByText(/no open orders/i).waitFor();
  });

  it('lists the approvals with their state', async () => {
    await page.getByRole('link', { name: 'Approvals', exact: true }).click();
    const rows = page.locator('table tbody tr');
    await rows.filter({ hasText: 'consumed' }).first().waitFor();
    expect(await rows.filter({ hasText: 'consumed' }).count()).toBe(4);
    await shot('12-approvals');
  });

  it('a viewer sees but cannot execute', async () => {
    const viewer = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(viewer, 'viewer');
    await viewer.goto(`${platform.ppUrl}/#/reference-agents`);
    await viewer.getByText('Delta Futures Trading Agent (AGT-TRD-DELTA-001)').first().click();
    await viewer.getByRole('heading', { name: 'Trade intent' }).waitFor();
    expect(await viewer.getByRole('note').first().innerText()).toMatch(/viewer/);
    await viewer.getByLabel('Customer').selectOption({ index: 1 });
    await viewer.getByRole('button', { name: /draft plan/i }).waitFor();
    await viewer.screenshot({ path: join(SCREENSHOTS, '13-viewer-phone.png'), fullPage: true });
    expect(await viewer.getByRole('form', { name: 'Execute' }).count()).toBe(0);
    const draft = viewer.getByRole('button', { name: /draft plan/i });
    expect(await draft.isDisabled()).toBe(true);
    expect(await draft.getAttribute('title')).toMatch(/operator/i);
    await viewer.close();
  });

  it('raised no uncaught errors in the page', () => {
    expect(errors).toEqual([]);
  });
});
