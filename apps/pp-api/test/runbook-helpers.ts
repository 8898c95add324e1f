import type { Session, Stack } from './stack.ts';

export const AGENT = 'AGT-TRD-DELTA-001';

export interface Onboarded {
  customerId: string;
  credentialRef: string;
  hiredAgentId: string;
  apiKey: string;
  apiSecret: string;
  userId: number;
}

/** The runbook's set-up as ops do it: customer → exchange keys (checked, vaulted) → hire with an AgentSetup. */
export async function onboard(
  stack: Stack,
  ops: Session,
  opts: { name?: string; apiKey?: string; apiSecret?: string; maxUnits?: number; balance?: number } = {},
): Promise<Onboarded> {
  const customer = await ops.call<{ customer_id: string }>('POST', '/api/customers', {
    display_name: opts.name ?? 'Asha Traders',
  });
  if (customer.status !== 201)
    throw new Error(`create customer: ${customer.status} ${JSON.stringify(customer.body)}`);
  const key = await stack.paper.createApiKey({
    apiKey: opts.apiKey,
    apiSecret: opts.apiSecret,
    balance: opts.balance ?? 100_000,
  });
  const cred = await ops.call<{ credential_ref: string }>(
    'POST',
    `/api/customers/${customer.body.customer_id}/credentials`,
    {
      api_key: key.apiKey,
      api_secret: key.apiSecret,
      label: 'Main futures account',
      environment: 'paper',
    },
  );
  if (cred.status !== 201) throw new Error(`store credential: ${cred.status} ${JSON.stringify(cred.body)}`);
  const hire = await ops.call<{ hired_agent_id: string }>('POST', '/api/hired-agents', {
    customer_id: customer.body.customer_id,
    agent_id: AGENT,
    plan: 'paid',
    setup: {
      exchange_provider: 'delta_exchange_india',
      credential_ref: cred.body.credential_ref,
      exchange_account_id: cred.body.credential_ref,
      default_coin: 'BTC',
      allowed_coins: ['BTC', 'ETH'],
      risk_limits: { max_units_per_order: opts.maxUnits ?? 100, max_notional_inr: '50000000' },
      execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
    },
  });
  if (hire.status !== 201) throw new Error(`hire: ${hire.status} ${JSON.stringify(hire.body)}`);
  return {
    customerId: customer.body.customer_id,
    credentialRef: cred.body.credential_ref,
    hiredAgentId: hire.body.hired_agent_id,
    apiKey: key.apiKey,
    apiSecret: key.apiSecret,
    userId: key.userId,
  };
}

export type Trade = {
  coin?: 'BTC' | 'ETH';
  units?: number;
  side?: 'long' | 'short';
  action?: 'enter' | 'exit';
  limit_price?: string;
};

export function runBody(o: Onboarded, t: Trade = {}) {
  return {
    customer_id: o.customerId,
    exchange_account_id: o.credentialRef,
    coin: t.coin ?? 'BTC',
    units: t.units ?? 2,
    side: t.side ?? 'long',
    action: t.action ?? 'enter',
    ...(t.limit_price ? { limit_price: t.limit_price } : { market: true }),
  };
}

export function executeBody(o: Onboarded, t: Trade, approvalId?: string) {
  const body = runBody(o, t);
  return {
    ...body,
    intent_action: body.action === 'enter' ? 'place_order' : 'close_position',
    ...(approvalId ? { approval_id: approvalId } : {}),
  };
}

export const CONSENT = {
  channel: 'phone',
  reference: 'call 2026-11-29 10:42 IST',
  note: 'customer confirmed on a recorded line',
};

export async function approve(ops: Session, o: Onboarded, t: Trade = {}): Promise<string> {
  const r = await ops.call<{ approval: { approval_id: string } }>('POST', '/api/approvals', {
    agent_id: AGENT,
    run: runBody(o, t),
    consent: CONSENT,
  });
  if (r.status !== 201) throw new Error(`approve: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.approval.approval_id;
}

export async function execute(ops: Session, o: Onboarded, t: Trade, approvalId?: string) {
  return ops.call<
    Record<string, unknown> & {
      execution?: Record<string, unknown>;
      reason?: string;
      correlation_id?: string;
    }
  >('POST', `/api/reference-agents/${AGENT}/run`, executeBody(o, t, approvalId));
}

/** A cancel of one resting order, as the runner sends it (draft: without intent_action). */
export function cancelBody(o: Onboarded, orderId: string, coin: 'BTC' | 'ETH' = 'BTC') {
  return {
    customer_id: o.customerId,
    exchange_account_id: o.credentialRef,
    coin,
    action: 'cancel',
    order_id: orderId,
  };
}

/** Mints an approval for any run body (an ops-assisted approval with the customer's recorded consent). */
export async function approveRun(ops: Session, run: Record<string, unknown>): Promise<string> {
  const r = await ops.call<{ approval: { approval_id: string } }>('POST', '/api/approvals', {
    agent_id: AGENT,
    run,
    consent: CONSENT,
  });
  if (r.status !== 201) throw new Error(`approve: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.approval.approval_id;
}

const INTENT_ACTION = { enter: 'place_order', exit: 'close_position', cancel: 'cancel_order' } as const;

/** Executes any run body with an approval. */
export async function executeRun(ops: Session, run: Record<string, unknown>, approvalId?: string) {
  return ops.call<
    Record<string, unknown> & {
      execution?: Record<string, unknown>;
      plan?: Record<string, unknown>;
      reason?: string;
      correlation_id?: string;
    }
  >('POST', `/api/reference-agents/${AGENT}/run`, {
    ...run,
    intent_action: INTENT_ACTION[run.action as keyof typeof INTENT_ACTION],
    ...(approvalId ? { approval_id: approvalId } : {}),
  });
}
