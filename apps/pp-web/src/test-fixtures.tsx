import type { TOpsRole } from '@delta/contracts';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { ApiError } from './api/http.ts';
import type { TCredentialView, TRunResult } from './api/schemas.ts';
import { SessionProvider } from './lib/session.tsx';

export const CUSTOMER_ID = 'cus_7hq2mw9x0a1b2c3d4e5f6g7h8j';
export const ACCOUNT_REF = 'cred_pp_jazxk4m2abcdefghijklmnopqr';

export const draftResult: TRunResult = {
  mode: 'draft',
  correlation_id: '5b1e0c7a-1d2e-4f3a-8b4c-5d6e7f8a9b0c',
  decision_id: 'dec_1',
  execution: null,
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
      mark_price: '65000.5',
      contract_value: '0.001',
      underlying_asset: 'BTC',
      underlying_quantity: '0.002',
      notional_usd: '130.001',
      inr_per_usd: '85',
      notional_inr: '11050.085',
      leverage: 10,
      estimated_margin_usd: '13.0001',
      estimated_margin_inr: '1105.0085',
    },
    risk_checks: [
      { check: 'coin_allowed', passed: true, reason: 'BTC is in allowed_coins' },
      { check: 'max_units_per_order', passed: true, reason: '2 ≤ 10' },
      { check: 'max_notional_inr', passed: false, reason: '₹11050.085 exceeds ₹10000' },
    ],
    requires_approval: true,
    approvable: false,
    intent_hash: 'a3f1c2d4e5b6978812aa34bc56de78f9a0b1c2d3e4f5061728394a5b6c7d8e9f',
  },
};

export const approvablePlan: TRunResult = {
  ...draftResult,
  plan: {
    ...draftResult.plan,
    risk_checks: draftResult.plan.risk_checks.map((c) => ({ ...c, passed: true })),
    approvable: true,
  },
};

export const executedResult: TRunResult = {
  ...approvablePlan,
  mode: 'executed',
  correlation_id: '9d8c7b6a-2e3f-4a5b-9c6d-7e8f9a0b1c2d',
  execution: {
    approval_id: 'apr_q3xzb6jtkd4mfwa2n7ptr5hyle',
    client_order_id: 'ap4c9e1b2a7f00d3e8c5b6a4f2e1d0c9',
    exchange_order_id: '1048576',
    state: 'closed',
    average_fill_price: '65012.5',
    fees: '0.0780075',
  },
};

export const credential: TCredentialView = {
  credential_ref: ACCOUNT_REF,
  exchange_account_id: ACCOUNT_REF,
  customer_id: CUSTOMER_ID,
  label: 'Main futures',
  environment: 'paper',
  key_masked: '••••9f3a',
  state: 'active',
  verified_permissions: ['read', 'trade'],
  created_at: '2025-01-10T09:30:00.000Z',
  rotated_at: null,
  revoked_at: null,
  last_verified_at: '2025-01-10T09:30:00.000Z',
};

export function denial(reason: string, status = 403): ApiError {
  return new ApiError({
    status,
    reason,
    detail: `Denied by policy (ApprovalRequiredHook): ${reason}.`,
    correlationId: `corr-${reason.replace(/_/g, '-')}-01`,
  });
}

export function user(role: TOpsRole) {
  return { user_id: `u-${role}`, username: role, display_name: `Demo ${role}`, role };
}

/** Render inside a fresh query client and a session with `role`. */
export function renderAs(role: TOpsRole, ui: ReactElement) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <SessionProvider user={user(role)}>{ui}</SessionProvider>
    </QueryClientProvider>,
  );
}

/** A `fetch` stub answering by "METHOD path" → [status, body]; records every call. Only the boundary is faked. */
export function stubFetch(routes: Record<string, (body: unknown) => [number, unknown]>) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://pp.test');
    const method = init?.method ?? 'GET';
    const body: unknown = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, path: url.pathname + url.search, body });
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) return new Response('{}', { status: 404 });
    const [status, payload] = handler(body);
    const problem = status >= 400;
    return new Response(status === 204 ? null : JSON.stringify(payload), {
      status,
      headers: { 'content-type': problem ? 'application/problem+json' : 'application/json' },
    });
  };
  return { fn, calls };
}

export function problem(status: number, reason: string, detail: string, correlation_id: string) {
  return {
    type: `https://errors.delta.local/${reason}`,
    title: reason,
    status,
    detail,
    reason,
    correlation_id,
  };
}
