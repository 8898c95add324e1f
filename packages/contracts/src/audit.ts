import { z } from 'zod';
import { ZOpaqueId, ZPageQuery, ZTimeRange } from './common-fields.ts';

export const USAGE_EVENT_TYPES = [
  'draft_plan',
  'execution',
  'execution_replayed',
  'execution_settled',
  'denied',
] as const;
export const HOOK_STAGES = ['pre_run', 'pre_tool_use', 'post_tool_use', 'post_run'] as const;

export const ZUsageEvent = z.object({
  event_id: z.string(),
  event_type: z.enum(USAGE_EVENT_TYPES),
  correlation_id: z.string(),
  customer_id: z.string(),
  agent_id: z.string(),
  hired_agent_id: z.string().nullable(),
  action: z.string().nullable(),
  outcome: z.string(),
  details: z.record(z.string(), z.unknown()),
  occurred_at: z.string(),
});
export type TUsageEvent = z.infer<typeof ZUsageEvent>;

export const ZUsageEventQuery = z.strictObject({
  customer_id: ZOpaqueId.optional(),
  agent_id: z.string().max(64).optional(),
  correlation_id: z.string().max(128).optional(),
  event_type: z.enum(USAGE_EVENT_TYPES).optional(),
  ...ZTimeRange,
  ...ZPageQuery,
});
export type TUsageEventQuery = z.infer<typeof ZUsageEventQuery>;

export const ZUsageEventPage = z.object({ items: z.array(ZUsageEvent), next_cursor: z.string().nullable() });

export const ZPolicyDecisionRecord = z.object({
  seq: z.string(),
  record_id: z.string(),
  decision_id: z.string(),
  correlation_id: z.string(),
  customer_id: z.string().nullable(),
  agent_id: z.string().nullable(),
  hired_agent_id: z.string().nullable(),
  stage: z.string(),
  action: z.string(),
  outcome: z.enum(['allow', 'deny']),
  reason: z.string(),
  details: z.record(z.string(), z.unknown()),
  recorded_at: z.string(),
});
export type TPolicyDecisionRecord = z.infer<typeof ZPolicyDecisionRecord>;

export const ZPolicyDenialQuery = z.strictObject({
  correlation_id: z.string().max(128).optional(),
  customer_id: ZOpaqueId.optional(),
  agent_id: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  stage: z.enum(HOOK_STAGES).optional(),
  reason: z.string().max(64).optional(),
  ...ZTimeRange,
  ...ZPageQuery,
});
export type TPolicyDenialQuery = z.infer<typeof ZPolicyDenialQuery>;

export const ZPolicyDenialPage = z.object({
  items: z.array(ZPolicyDecisionRecord),
  next_cursor: z.string().nullable(),
});

export const ZAuditVerifyResult = z.object({
  ok: z.boolean(),
  records_checked: z.number().int(),
  head_seq: z.string().nullable(),
  head_hash: z.string().nullable(),
  first_broken: z
    .object({
      seq: z.string(),
      record_id: z.string(),
      problem: z.enum(['hash_mismatch', 'prev_hash_mismatch', 'sequence_gap']),
      detail: z.string(),
    })
    .nullable(),
});
export type TAuditVerifyResult = z.infer<typeof ZAuditVerifyResult>;
