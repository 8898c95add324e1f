import { z } from 'zod';
import { ZCoin, ZPositiveDecimalString } from './common-fields.ts';
import { ZAgentId, ZCredentialRef, ZCustomerId, ZExchangeAccountId } from './ids.ts';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const ZActiveWindow = z
  .strictObject({
    start: z.string().regex(HHMM, 'must be HH:MM (24-hour)'),
    end: z.string().regex(HHMM, 'must be HH:MM (24-hour)'),
    timezone: z
      .string()
      .min(1)
      .max(64)
      .refine(isKnownTimeZone, 'must be an IANA time zone such as "Asia/Kolkata"'),
  })
  .refine((w) => w.start !== w.end, { path: ['end'], message: 'end must differ from start' });

export const ZRiskLimits = z.strictObject({
  max_units_per_order: z.number().int().min(1).max(1_000_000),
  max_notional_inr: ZPositiveDecimalString.optional(),
});

/** The MVP allows exactly one policy: every trade action needs the customer's approval. */
export const ZExecutionPolicy = z.strictObject({
  require_customer_approval: z.literal(true, { error: 'must be true: every trade action needs an approval' }),
  approval_scope: z.literal('per_trade_action', { error: 'must be "per_trade_action"' }),
});

/**
 * How the customer's approvals work: how long one lives before it is used, and the price band — the most the mark
 * may move between the approval and the execution (basis points; never wider than the exchange's own band).
 */
export const ZApprovalPolicy = z.strictObject({
  ttl_minutes: z
    .number({ error: 'give the number of minutes an approval lives' })
    .int('must be a whole number of minutes')
    .min(1, 'an approval lives at least 1 minute')
    .max(1_440, 'an approval lives at most 24 hours (1,440 minutes)'),
  price_band_bps: z
    .number({ error: 'give the band in basis points (100 bps = 1 %)' })
    .int('must be a whole number of basis points (100 bps = 1 %)')
    .min(1, 'the band is at least 1 basis point (0.01 %)')
    .max(10_000, 'the band is at most 10,000 basis points (100 %)'),
});
export type TApprovalPolicy = z.infer<typeof ZApprovalPolicy>;

/**
 * Non-secret configuration of one hired agent. `credential_ref` is an opaque vault id, never key material; it is
 * also the exchange account's id (`exchange_account_id`, optional here, equal to it when given).
 */
export const ZAgentSetup = z
  .strictObject({
    exchange_provider: z.literal('delta_exchange_india'),
    credential_ref: ZCredentialRef,
    exchange_account_id: ZExchangeAccountId.optional(),
    default_coin: ZCoin,
    allowed_coins: z
      .array(ZCoin)
      .min(1)
      .max(20)
      .refine((c) => new Set(c).size === c.length, 'must not repeat a coin'),
    risk_limits: ZRiskLimits,
    execution_policy: ZExecutionPolicy,
    leverage: z.number().int().min(1).max(200).optional(),
    interval_seconds: z.number().int().min(60).max(86_400).optional(),
    active_window: ZActiveWindow.optional(),
    approval_policy: ZApprovalPolicy.optional(),
  })
  .refine((s) => s.allowed_coins.includes(s.default_coin), {
    path: ['default_coin'],
    message: 'default_coin must be one of allowed_coins',
  })
  // The spec names the account twice (credential_ref, exchange_account_id); it is one thing, so they agree.
  .refine((s) => s.exchange_account_id === undefined || s.exchange_account_id === s.credential_ref, {
    path: ['exchange_account_id'],
    message: 'exchange_account_id must be the credential_ref (they name the same exchange account)',
  });
export type TAgentSetup = z.infer<typeof ZAgentSetup>;

export const HIRE_PLANS = ['trial', 'paid'] as const;

export const ZHireRequest = z.strictObject({
  customer_id: ZCustomerId,
  agent_id: ZAgentId,
  plan: z.enum(HIRE_PLANS).default('trial'),
  setup: ZAgentSetup,
});
export type THireRequest = z.infer<typeof ZHireRequest>;

export const ZHiredAgentUpdate = z.strictObject({
  plan: z.enum(HIRE_PLANS).optional(),
  setup: ZAgentSetup,
});
export type THiredAgentUpdate = z.infer<typeof ZHiredAgentUpdate>;

export const ZHiredAgent = z.object({
  hired_agent_id: z.string(),
  customer_id: z.string(),
  agent_id: z.string(),
  plan: z.enum(HIRE_PLANS),
  setup: ZAgentSetup,
  setup_version: z.number().int(),
  runs_used: z.number().int(),
  /**
   * What the plan allows and what is used, as the quota counts it: only executions of entries take a run; drafts
   * and exits never do. Null members: that limit does not apply (no trial on a paid plan, no daily budget).
   */
  usage: z.object({
    trial: z
      .object({
        ends_at: z.string().nullable(),
        max_runs: z.number().int().nullable(),
        runs_used: z.number().int(),
      })
      .nullable(),
    daily_budget: z.object({ max_runs_per_day: z.number().int(), runs_today: z.number().int() }).nullable(),
  }),
  /** The brake: while set, no new entry is approvable or executed (exits and cancels still are). */
  paused: z.object({ at: z.string(), reason: z.string(), by: z.string() }).nullable(),
  hired_at: z.string(),
  updated_at: z.string(),
});
export type THiredAgent = z.infer<typeof ZHiredAgent>;

export const ZHiredAgentList = z.object({ items: z.array(ZHiredAgent) });

/** Body of POST /api/v1/hired-agents/{id}/pause: why (kept with the pause and in the audit log). */
export const ZPauseRequest = z.strictObject({
  reason: z.string().trim().min(1, 'say why the agent is paused').max(200, 'at most 200 characters'),
});
export type TPauseRequest = z.infer<typeof ZPauseRequest>;
