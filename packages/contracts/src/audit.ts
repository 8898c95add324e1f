import { z } from 'zod';
import { ZMachineName, ZPageQuery, ZTimeRange } from './common-fields.ts';
import { ZCorrelationId } from './correlation.ts';
import { ZAgentId, ZCustomerId } from './ids.ts';

export const USAGE_EVENT_TYPES = [
  'draft_plan',
  'execution',
  'execution_replayed',
  'execution_settled',
  // The reconciler found at the exchange an order the platform had recorded as unknown: the customer holds it.
  'execution_discovered_late',
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
  customer_id: ZCustomerId.optional(),
  agent_id: ZAgentId.optional(),
  correlation_id: ZCorrelationId.optional(),
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
  correlation_id: ZCorrelationId.optional(),
  customer_id: ZCustomerId.optional(),
  agent_id: ZAgentId.optional(),
  action: ZMachineName.optional(),
  stage: z.enum(HOOK_STAGES).optional(),
  reason: ZMachineName.optional(),
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

// ---- the cross-service audit view (PP's Audit page): PP's records, the gateway's refusals, Plant's records ----

/** Plant's audit records of every kind (policy decisions, refusals, access denials, changes), newest first. */
export const ZPlantAuditRecord = z.object({
  seq: z.string(),
  record_id: z.string(),
  kind: z.string(),
  correlation_id: z.string(),
  decision_id: z.string().nullable(),
  customer_id: z.string().nullable(),
  agent_id: z.string().nullable(),
  hired_agent_id: z.string().nullable(),
  stage: z.string().nullable(),
  action: z.string().nullable(),
  outcome: z.string().nullable(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  recorded_at: z.string(),
});
export type TPlantAuditRecord = z.infer<typeof ZPlantAuditRecord>;

/** Who acted, as every service labels a principal (ops:usr_…(role), customer:…, anonymous@ip, service:…). */
export const ZActorFilter = z
  .string()
  .regex(
    /^[A-Za-z0-9_.:@()/-]{1,160}$/,
    'must be an actor label such as ops:usr_0123456789abcdef01234567(admin)',
  );
/** An action as recorded: a name (credential.store, place_order) or a refused route (POST /api/v1/…/run). */
export const ZActionFilter = z
  .string()
  .regex(/^[A-Za-z0-9_.:/ -]{1,160}$/, 'must be an action such as credential.store or place_order');

/** A keyset position for newest-first lists: records before this seq (PP's merged view walks each source so). */
export const ZBeforeSeq = z.string().regex(/^[1-9]\d{0,17}$/, 'must be a record seq');

export const ZPlantAuditRecordQuery = z.strictObject({
  correlation_id: ZCorrelationId.optional(),
  customer_id: ZCustomerId.optional(),
  actor: ZActorFilter.optional(),
  action: ZActionFilter.optional(),
  reason: ZMachineName.optional(),
  kind: ZMachineName.optional(),
  before_seq: ZBeforeSeq.optional(),
  ...ZTimeRange,
  ...ZPageQuery,
});
export type TPlantAuditRecordQuery = z.infer<typeof ZPlantAuditRecordQuery>;
export const ZPlantAuditRecordPage = z.object({
  items: z.array(ZPlantAuditRecord),
  next_cursor: z.string().nullable(),
});

/** One refusal of the plant gateway (bad service token, principal not allowed, key material, rate limit, …). */
export const ZGatewayRefusal = z.object({
  seq: z.string(),
  correlation_id: z.string(),
  issuer: z.string().nullable(),
  principal: z.string().nullable(),
  method: z.string(),
  path: z.string(),
  reason: z.string(),
  details: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
export type TGatewayRefusal = z.infer<typeof ZGatewayRefusal>;
export const ZGatewayRefusalQuery = z.strictObject({
  correlation_id: ZCorrelationId.optional(),
  actor: ZActorFilter.optional(),
  action: ZActionFilter.optional(),
  reason: ZMachineName.optional(),
  before_seq: ZBeforeSeq.optional(),
  ...ZTimeRange,
  ...ZPageQuery,
});
export type TGatewayRefusalQuery = z.infer<typeof ZGatewayRefusalQuery>;
export const ZGatewayRefusalPage = z.object({
  items: z.array(ZGatewayRefusal),
  next_cursor: z.string().nullable(),
});

export const AUDIT_SOURCES = ['pp', 'gateway', 'plant'] as const;
export type TAuditSource = (typeof AUDIT_SOURCES)[number];

/** One record of any service, in the Audit view's common shape (`details` as the service recorded it). */
export const ZAuditViewRecord = z.object({
  source: z.enum(AUDIT_SOURCES),
  /** Unique within its source: PP's and Plant's chain seq, the gateway's row seq. */
  id: z.string(),
  correlation_id: z.string(),
  recorded_at: z.string(),
  kind: z.string(),
  actor: z.string().nullable(),
  action: z.string().nullable(),
  /** allow | deny | fail | ok, as the source recorded it (PP's allowed/denied/failed are shortened). */
  outcome: z.string().nullable(),
  reason: z.string().nullable(),
  customer_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type TAuditViewRecord = z.infer<typeof ZAuditViewRecord>;

export const ZAuditViewQuery = z.strictObject({
  correlation_id: ZCorrelationId.optional(),
  customer_id: ZCustomerId.optional(),
  actor: ZActorFilter.optional(),
  action: ZActionFilter.optional(),
  reason: ZMachineName.optional(),
  source: z.enum(AUDIT_SOURCES).optional(),
  ...ZTimeRange,
  ...ZPageQuery,
});
export type TAuditViewQuery = z.infer<typeof ZAuditViewQuery>;

/** Whether each source answered: a page is still served when one is down, and says so. */
export const ZAuditSourceStatus = z.record(z.enum(AUDIT_SOURCES), z.enum(['ok', 'unavailable', 'skipped']));
export const ZAuditViewPage = z.object({
  items: z.array(ZAuditViewRecord),
  next_cursor: z.string().nullable(),
  sources: ZAuditSourceStatus,
});
export type TAuditViewPage = z.infer<typeof ZAuditViewPage>;

/** Both chains PP can check: its own pp_audit and Plant's audit_log (through the gateway). */
export const ZAuditChainsVerifyResult = z.object({
  ok: z.boolean(),
  chains: z.object({ pp: ZAuditVerifyResult, plant: ZAuditVerifyResult.nullable() }),
  /** Set when Plant's chain could not be checked (Plant or the gateway unreachable). */
  plant_error: z.string().nullable(),
});
export type TAuditChainsVerifyResult = z.infer<typeof ZAuditChainsVerifyResult>;

/** GET /api/v1/audit/story: one customer's own story (a customer gets its own; ops name the customer). */
export const ZCustomerStoryQuery = z.strictObject({
  customer_id: ZCustomerId.optional(),
  ...ZPageQuery,
});
