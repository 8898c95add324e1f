import { z } from 'zod';

/** One invalid field in a 422 response: where it is, what rule it broke, in words. */
export const ZFieldError = z.object({
  path: z.string().describe('Dotted path of the field, e.g. "risk_limits.max_units_per_order"'),
  code: z.string().describe('Machine-readable rule, e.g. "invalid_type", "unrecognized_key"'),
  message: z.string(),
});
export type TFieldError = z.infer<typeof ZFieldError>;

/**
 * RFC 7807 problem document. Every error any service returns has this shape, always with `reason`
 * (machine-readable) and `correlation_id`. Extra members are allowed (e.g. `errors`, `retry_after_s`).
 */
export const ZProblem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  reason: z.string(),
  correlation_id: z.string(),
  errors: z.array(ZFieldError).optional(),
});
export type TProblem = z.infer<typeof ZProblem>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
