import { z } from 'zod';

/** Integration providers an agent may declare; anything else is an invalid spec. */
export const KNOWN_PROVIDERS = ['delta_exchange_india'] as const;
export const ZProvider = z.enum(KNOWN_PROVIDERS);

export const PLAYBOOK_ID_PATTERN = /^[A-Z][A-Z0-9]*(\.[A-Z0-9]+)+$/;

const ZSkillConfig = z.strictObject({
  category: z.string().min(1),
  primary_playbook_id: z
    .string()
    .regex(PLAYBOOK_ID_PATTERN, 'must look like "TRADING.DELTA.FUTURES.MANUAL.V1"'),
});
const ZIndustryConfig = z.strictObject({ industry: z.string().min(1) });
const ZTeamConfig = z.strictObject({ roles: z.array(z.string().min(1)).min(1) });
const ZIntegrationsConfig = z.strictObject({ providers: z.array(ZProvider).min(1) });
const ZUiConfig = z.strictObject({ surfaces: z.array(z.string().min(1)).min(1) });
const ZLocalizationConfig = z.strictObject({
  default_locale: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/),
  locales: z.array(z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/)).min(1),
});
const ZTrialConfig = z
  .strictObject({
    duration_days: z.number().int().min(1).max(365).optional(),
    max_runs: z.number().int().min(1).optional(),
  })
  .refine((c) => c.duration_days !== undefined || c.max_runs !== undefined, {
    message: 'a trial needs duration_days and/or max_runs',
  });
const ZBudgetConfig = z.strictObject({
  // Runs per UTC day per hired agent; the run route answers 429 budget_exceeded beyond it.
  max_runs_per_day: z.number().int().min(1),
});

/** A dimension is either present with its required config, or absent with none. */
function dimension<C extends z.ZodType>(config: C) {
  return z.discriminatedUnion('present', [
    z.strictObject({ present: z.literal(true), config }),
    z.strictObject({ present: z.literal(false), config: z.null().optional() }),
  ]);
}

export const ZAgentDimensions = z.strictObject({
  skill: dimension(ZSkillConfig),
  industry: dimension(ZIndustryConfig),
  team: dimension(ZTeamConfig),
  integrations: dimension(ZIntegrationsConfig),
  ui: dimension(ZUiConfig),
  localization: dimension(ZLocalizationConfig),
  trial: dimension(ZTrialConfig),
  budget: dimension(ZBudgetConfig),
});
export type TAgentDimensions = z.infer<typeof ZAgentDimensions>;

export const AGENT_TYPES = ['trading', 'marketing', 'tutor'] as const;

export const ZAgentSpec = z.strictObject({
  spec_version: z.literal('1.0'),
  agent_id: z.string().regex(/^AGT-[A-Z]{3}-[A-Z0-9]+-\d{3}$/, 'must look like "AGT-TRD-DELTA-001"'),
  agent_type: z.enum(AGENT_TYPES),
  display_name: z.string().min(1).max(120),
  dimensions: ZAgentDimensions,
});
export type TAgentSpec = z.infer<typeof ZAgentSpec>;

export const ZSpecViolation = z.object({ path: z.string(), code: z.string(), message: z.string() });
export const ZSpecValidationResult = z.object({
  valid: z.literal(true),
  agent_id: z.string(),
  dimensions_present: z.array(z.string()),
});
export type TSpecValidationResult = z.infer<typeof ZSpecValidationResult>;
