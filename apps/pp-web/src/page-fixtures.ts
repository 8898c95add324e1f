import type { THiredAgent, TReferenceAgent } from '@delta/contracts';
import { ACCOUNT_REF, CUSTOMER_ID } from './test-fixtures.tsx';

/** API payloads for page-level tests, shaped as PP's routes answer. */
export const referenceAgent: TReferenceAgent = {
  agent_id: 'AGT-TRD-DELTA-001',
  display_name: 'Delta Futures Trading Agent',
  agent_type: 'trading',
  playbook: {
    playbook_id: 'TRADING.DELTA.FUTURES.MANUAL.V1',
    name: 'Delta futures — manual',
    version: '1',
    category: 'trading',
  },
  spec: {
    spec_version: '1.0',
    agent_id: 'AGT-TRD-DELTA-001',
    agent_type: 'trading',
    display_name: 'Delta Futures Trading Agent',
    dimensions: {
      skill: {
        present: true,
        config: { category: 'trading', primary_playbook_id: 'TRADING.DELTA.FUTURES.MANUAL.V1' },
      },
      industry: { present: true, config: { industry: 'trading' } },
      team: { present: false },
      integrations: { present: true, config: { providers: ['delta_exchange_india'] } },
      ui: { present: true, config: { surfaces: ['pp_reference_agents'] } },
      localization: { present: true, config: { default_locale: 'en-IN', locales: ['en-IN'] } },
      trial: { present: true, config: { duration_days: 7, max_runs: 50 } },
      budget: { present: true, config: { max_runs_per_day: 200 } },
    },
  },
};

export const hiredAgent: THiredAgent = {
  hired_agent_id: '1f0e6f8e-7a43-4c1b-9d3c-2a7f3f9b8c11',
  customer_id: CUSTOMER_ID,
  agent_id: 'AGT-TRD-DELTA-001',
  plan: 'trial',
  setup: {
    exchange_provider: 'delta_exchange_india',
    credential_ref: ACCOUNT_REF,
    exchange_account_id: ACCOUNT_REF,
    default_coin: 'BTC',
    allowed_coins: ['BTC', 'ETH'],
    risk_limits: { max_units_per_order: 10, max_notional_inr: '500000' },
    execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
  },
  setup_version: 1,
  runs_used: 0,
  usage: {
    trial: { ends_at: '2025-01-17T09:31:00.000Z', max_runs: 50, runs_used: 0 },
    daily_budget: { max_runs_per_day: 200, runs_today: 0 },
  },
  hired_at: '2025-01-10T09:31:00.000Z',
  updated_at: '2025-01-10T09:31:00.000Z',
  paused: null,
};

export const customer = {
  customer_id: CUSTOMER_ID,
  display_name: 'Asha Traders',
  email: 'asha@example.com',
  created_at: '2025-01-10T09:00:00.000Z',
};

export const approval = {
  approval_id: 'apr_q3xzb6jtkd4mfwa2n7ptr5hyle',
  issuer: 'pp',
  customer_id: CUSTOMER_ID,
  hired_agent_id: hiredAgent.hired_agent_id,
  agent_id: 'AGT-TRD-DELTA-001',
  credential_ref: ACCOUNT_REF,
  intent_hash: 'a3f1c2d4e5b6978812aa34bc56de78f9a0b1c2d3e4f5061728394a5b6c7d8e9f',
  intent_summary: {
    coin: 'BTC',
    side: 'long',
    action: 'enter',
    units: 2,
    order_type: 'market',
    limit_price: null,
  },
  approver: { id: 'u-operator', kind: 'ops' },
  evidence: { channel: 'phone', reference: 'call-1432' },
  state: 'pending',
  created_at: '2025-01-10T09:40:00.000Z',
  expires_at: new Date(Date.now() + 600_000).toISOString(),
  expires_in_s: 600,
  consumed_at: null,
  consumed_by: null,
  revoked_at: null,
  revoked_by: null,
};
