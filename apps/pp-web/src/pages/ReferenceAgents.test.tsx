import type { TTradeRunRequest } from '@delta/contracts';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseHash } from '../lib/hash-route.ts';
import { approval, customer, hiredAgent, referenceAgent } from '../page-fixtures.ts';
import {
  approvablePlan,
  CUSTOMER_ID,
  credential,
  executedResult,
  problem,
  renderAs,
  stubFetch,
} from '../test-fixtures.tsx';
import { ReferenceAgentsPage } from './ReferenceAgents.tsx';

const route = parseHash(`#/reference-agents?customer_id=${CUSTOMER_ID}`);

function backend() {
  return stubFetch({
    'GET /api/reference-agents': () => [200, { items: [referenceAgent] }],
    'GET /api/customers': () => [200, { items: [customer] }],
    'GET /api/hired-agents': () => [200, { items: [hiredAgent] }],
    [`GET /api/customers/${CUSTOMER_ID}/credentials`]: () => [200, { items: [credential] }],
    'POST /api/reference-agents/AGT-TRD-DELTA-001/run': (body) => {
      const run = body as TTradeRunRequest;
      if (!run.intent_action) return [200, approvablePlan];
      if (!run.approval_id)
        return [
          403,
          problem(
            403,
            'approval_required',
            'Denied by policy (ApprovalRequiredHook): no approval_id was given.',
            'corr-deny-7f3a9c21',
          ),
        ];
      return [200, executedResult];
    },
    'POST /api/approvals': () => [201, { approval, plan: approvablePlan.plan }],
  });
}

describe('Reference Agents page', () => {
  let stub: ReturnType<typeof backend>;
  beforeEach(() => {
    stub = backend();
    vi.stubGlobal('fetch', stub.fn);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('walks the runbook: draft → execute without approval (denied) → consent → execute (filled)', async () => {
    renderAs('operator', <ReferenceAgentsPage route={route} />);
    const u = userEvent.setup();
    expect(await screen.findByLabelText(/Delta Futures Trading Agent \(AGT-TRD-DELTA-001\)/)).toBeTruthy();
    await screen.findByLabelText('Units (contracts)');
    await u.clear(screen.getByLabelText('Units (contracts)'));
    await u.type(screen.getByLabelText('Units (contracts)'), '2');
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));

    expect(await screen.findByText('BUY 2 contracts of BTCUSD (product 27)')).toBeTruthy();
    const draftCall = stub.calls.find((c) => c.method === 'POST');
    expect(draftCall?.body).toEqual({
      customer_id: CUSTOMER_ID,
      exchange_account_id: credential.exchange_account_id,
      coin: 'BTC',
      units: 2,
      side: 'long',
      action: 'enter',
      market: true,
    });

    await u.click(screen.getByRole('button', { name: 'Execute' }));
    expect(await screen.findByText(/Denied: This trade needs the customer’s approval first/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'corr-deny-7f3a9c21' }).getAttribute('href')).toBe(
      '#/audit?correlation_id=corr-deny-7f3a9c21',
    );

    await u.selectOptions(screen.getByLabelText('Consent channel'), 'phone');
    await u.type(screen.getByLabelText('Consent reference'), 'call-1432');
    await u.click(screen.getByRole('button', { name: 'Record consent and approve this plan' }));
    await waitFor(() =>
      expect((screen.getByLabelText('Approval id') as HTMLInputElement).value).toBe(
        'apr_q3xzb6jtkd4mfwa2n7ptr5hyle',
      ),
    );
    const mint = stub.calls.find((c) => c.path === '/api/approvals');
    expect(mint?.body).toMatchObject({
      agent_id: 'AGT-TRD-DELTA-001',
      run: { customer_id: CUSTOMER_ID, units: 2, market: true },
      consent: { channel: 'phone', reference: 'call-1432' },
    });

    await u.click(screen.getByRole('button', { name: 'Execute' }));
    expect(await screen.findByRole('heading', { name: 'Order filled' })).toBeTruthy();
    expect(screen.getByTestId('order-id').textContent).toBe('1048576');
    const exec = stub.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/run')).at(-1);
    expect(exec?.body).toMatchObject({
      intent_action: 'place_order',
      approval_id: 'apr_q3xzb6jtkd4mfwa2n7ptr5hyle',
    });
  });

  it('a viewer sees the runner but cannot draft and cannot see Execute', async () => {
    renderAs('viewer', <ReferenceAgentsPage route={route} />);
    const draft = (await screen.findByRole('button', { name: 'Draft plan' })) as HTMLButtonElement;
    expect(draft.disabled).toBe(true);
    expect(screen.getAllByText(/viewer\) can view but not act/).length).toBeGreaterThan(0);
    expect(screen.queryByRole('button', { name: 'Execute' })).toBeNull();
    expect(stub.calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('prefills an exit from the Positions page link', async () => {
    const exit = parseHash(
      `#/reference-agents?customer_id=${CUSTOMER_ID}&account=${credential.credential_ref}&coin=ETH&side=short&action=exit&units=4`,
    );
    renderAs('operator', <ReferenceAgentsPage route={exit} />);
    const units = (await screen.findByLabelText('Units (contracts)')) as HTMLInputElement;
    expect(units.value).toBe('4');
    expect((screen.getByLabelText('Coin') as HTMLSelectElement).value).toBe('ETH');
    expect((screen.getByLabelText('short') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('exit (close)') as HTMLInputElement).checked).toBe(true);
  });
});
