import { type TAgentSpec, type TFieldError, ZAgentSpec } from '@delta/contracts';
import { z } from 'zod';

export type SpecValidation = { ok: true; spec: TAgentSpec } | { ok: false; violations: TFieldError[] };

/** Validates an AgentSpec; each violation names its dotted path (e.g. "dimensions.skill.config.category"). */
export function validateAgentSpec(input: unknown): SpecValidation {
  const result = ZAgentSpec.safeParse(input);
  if (result.success) return { ok: true, spec: result.data };
  const violations: TFieldError[] = [];
  for (const issue of result.error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        violations.push({
          path: base ? `${base}.${key}` : key,
          code: 'unrecognized_key',
          message: base === 'dimensions' ? `Unknown dimension "${key}".` : `Unknown field "${key}".`,
        });
      }
    } else {
      violations.push({ path: base || '(root)', code: issue.code, message: issue.message });
    }
  }
  return { ok: false, violations };
}

export function presentDimensions(spec: TAgentSpec): string[] {
  return Object.entries(spec.dimensions)
    .filter(([, d]) => d.present)
    .map(([name]) => name);
}

/** The AgentSpec JSON Schema (draft 2020-12), generated from the same zod schema the validator uses. */
export function agentSpecJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ZAgentSpec, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
