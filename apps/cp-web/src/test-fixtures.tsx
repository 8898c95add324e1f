import {
  type TProposal,
  ZCustomerMe,
  ZPasswordLoginAnswer,
  ZProposal,
  ZProposalExecuted,
} from '@delta/contracts';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { vi } from 'vitest';

/**
 * Fixtures parsed with the contracts' own schemas (ZProposal, ZCustomerMe…): what CP's API answers, so a change of
 * the contract breaks these tests rather than leaving them testing a shape nobody sends.
 */
export const CUSTOMER_ID = 'cus_7hq2mw9x0a1b2c3d4e5f6g7h8j';
export const ACCOUNT_REF = 'cred_cp_jazxk4m2abcdefghijklmnopqr';
export const PROPOSAL_ID = '3f2b8c1e-6a7d-4e5f-9a0b-1c2d3e4f5a6b';
export const INTENT_HASH = 'a3f1c2d4e5b6978812aa34bc56de78f9a0b1c2d3e4f5061728394a5b6c7d8e9f';

export function proposalFixture(overrides: Partial<TProposal> = {}, now = Date.now()): TProposal {
  return ZProposal.parse({
    proposal_id: PROPOSAL_ID,
    customer_id: CUSTOMER_ID,
    hired_agent_id: '1f0e6f8e-7a43-4c1b-9d3c-2a7f3f9b8c11',
    agent_id: 'AGT-TRD-DELTA-001',
    source: 'customer',
    state: 'open',
    run: {
      customer_id: CUSTOMER_ID,
      exchange_account_id: ACCOUNT_REF,
      coin: 'BTC',
      units: 2,
      side: 'long',
      action: 'enter',
      market: true,
      price_band: { max_move_bps: 50 },
    },
    plan: {
      plan_version: 1,
      playbook_id: 'TRADING.DELTA.FUTURES.MANUAL.V1',
      agent_id: 'AGT-TRD-DELTA-001',
      hired_agent_id: '1f0e6f8e-7a43-4c1b-9d3c-2a7f3f9b8c11',
      customer_id: CUSTOMER_ID,
      exchange_account_id: ACCOUNT_REF,
      intent: {
        coin: 'BTC',
        side: 'long',
        action: 'enter',
        intent_action: 'place_order',
        units: 2,
        order_type: 'market',
        limit_price: null,
        price_band: { reference_price: '65000', max_move_bps: 50 },
      },
      order: {
        product_id: 27,
        product_symbol: 'BTCUSD',
        size: 2,
        side: 'buy',
        order_type: 'market_order',
        limit_price: null,
        reduce_only: false,
        post_only: false,
        time_in_force: 'ioc',
      },
      pricing: {
        mark_price: '65000',
        contract_value: '0.001',
        underlying_asset: 'BTC',
        underlying_quantity: '0.002',
        notional_usd: '130',
        inr_per_usd: '85.25',
        notional_inr: '11082.5',
        leverage: 10,
        estimated_margin_usd: '13',
        estimated_margin_inr: '1108.25',
      },
      risk_checks: [
        { check: 'coin_allowed', passed: true, reason: 'BTC is in allowed_coins' },
        { check: 'max_units_per_order', passed: true, reason: '2 ≤ 10' },
        { check: 'max_notional_inr', passed: true, reason: '₹11082.5 ≤ ₹50000' },
      ],
      requires_approval: true,
      approvable: true,
      intent_hash: INTENT_HASH,
    },
    note: null,
    created_by: `customer:${CUSTOMER_ID}/cpu_0123456789abcdef01234567`,
    created_at: new Date(now - 60_000).toISOString(),
    quoted_at: new Date(now - 60_000).toISOString(),
    expires_at: new Date(now + 5 * 60_000 + 7_000).toISOString(),
    decided_at: null,
    decided_by: null,
    reject_reason: null,
    approval_id: null,
    execution: null,
    ...overrides,
  });
}

/** A proposal whose notional is over the customer's limit: the plan is not approvable. */
export function failedCheckProposal(): TProposal {
  const p = proposalFixture();
  return ZProposal.parse({
    ...p,
    plan: {
      ...p.plan,
      approvable: false,
      risk_checks: [
        ...p.plan.risk_checks.slice(0, 2),
        { check: 'max_notional_inr', passed: false, reason: '₹11082.5 exceeds your limit of ₹10000' },
      ],
    },
  });
}

export function executedFixture(p: TProposal) {
  const approvalId = 'apr_01hzz0000000000000000000000';
  return ZProposalExecuted.parse({
    proposal: { ...p, state: 'approved', approval_id: approvalId, decided_at: new Date().toISOString() },
    run: {
      mode: 'executed',
      correlation_id: '9d8c7b6a-2e3f-4a5b-9c6d-7e8f9a0b1c2d',
      decision_id: 'dec_2',
      plan: p.plan,
      execution: {
        approval_id: approvalId,
        client_order_id: 'apr01hzz0000',
        exchange_order_id: '771',
        state: 'filled',
        size: 2,
        filled_size: 2,
        average_fill_price: '65010.5',
        fees: '0.08',
      },
    },
  });
}

export const meFixture = ZCustomerMe.parse({
  user_id: 'cpu_0123456789abcdef01234567',
  customer_id: CUSTOMER_ID,
  email: 'asha@example.com',
  factors: { passkeys: 1, totp: true },
  session_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  csrf_token: 'csrf-token-of-this-session',
});

export const passwordAnswerFixture = ZPasswordLoginAnswer.parse({
  login_challenge_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  factors: ['totp'],
  passkey_options: null,
  expires_at: new Date(Date.now() + 300_000).toISOString(),
});

export function problem(status: number, reason: string, detail = 'refused', extra: object = {}) {
  return {
    type: `https://errors.delta-agent.example/${reason}`,
    title: reason,
    status,
    detail,
    reason,
    correlation_id: '5b1e0c7a-1d2e-4f3a-8b4c-5d6e7f8a9b0c',
    ...extra,
  };
}

export interface Call {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

/** fetch answered by `route` (method + path → status and body), recording every call. */
export function mockFetch(
  route: (c: Call) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>,
) {
  const calls: Call[] = [];
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const call: Call = {
      method: init?.method ?? 'GET',
      path: String(input),
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
      headers: (init?.headers ?? {}) as Record<string, string>,
    };
    calls.push(call);
    const r = await route(call);
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), {
      status: r.status,
      headers: { 'content-type': r.status >= 400 ? 'application/problem+json' : 'application/json' },
    });
  });
  return { calls, spy };
}

export function renderWithClient(ui: ReactElement) {
  const qc = new QueryClient({
    defaultOptions: {
      queries: { retry: false, staleTime: Number.POSITIVE_INFINITY },
      mutations: { retry: false },
    },
  });
  return { qc, ...render(<QueryClientProvider client={qc}>{ui}</QueryClientProvider>) };
}
