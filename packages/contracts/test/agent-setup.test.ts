import { describe, expect, it } from 'vitest';
import { ZAgentSetup } from '../src/agent-setup.ts';

const setup = {
  exchange_provider: 'delta_exchange_india',
  credential_ref: 'cred_pp_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  default_coin: 'BTC',
  allowed_coins: ['BTC'],
  risk_limits: { max_units_per_order: 5 },
  execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
};

describe('AgentSetup', () => {
  it('names the exchange account once: exchange_account_id, when given, is the credential_ref', () => {
    expect(ZAgentSetup.safeParse(setup).success).toBe(true);
    expect(ZAgentSetup.safeParse({ ...setup, exchange_account_id: setup.credential_ref }).success).toBe(true);
    const other = ZAgentSetup.safeParse({
      ...setup,
      exchange_account_id: 'cred_pp_bbbbbbbbbbbbbbbbbbbbbbbbbb',
    });
    expect(other.success).toBe(false);
    expect(other.error?.issues.map((i) => i.path.join('.'))).toEqual(['exchange_account_id']);
  });

  it('keeps require_customer_approval true: no field turns the gate off', () => {
    const off = {
      ...setup,
      execution_policy: { require_customer_approval: false, approval_scope: 'per_trade_action' },
    };
    expect(ZAgentSetup.safeParse(off).success).toBe(false);
  });
});
