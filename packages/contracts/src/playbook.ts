import { z } from 'zod';
import { PLAYBOOK_ID_PATTERN } from './agent-spec.ts';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;

/** A JSON-Schema-shaped object schema, as a playbook declares its inputs and outputs. */
const ZObjectSchema = z.looseObject({
  type: z.literal('object'),
  required: z.array(z.string()).optional(),
  properties: z
    .record(z.string(), z.record(z.string(), z.unknown()))
    .refine((p) => Object.keys(p).length > 0, {
      message: 'must declare at least one property',
    }),
});

/** Front matter of a playbook Markdown file. */
export const ZPlaybookFrontMatter = z.strictObject({
  playbook_id: z.string().regex(PLAYBOOK_ID_PATTERN),
  name: z.string().min(1),
  version: z.string().regex(SEMVER, 'must be a semantic version such as 1.0.0'),
  category: z.string().min(1),
  inputs_schema: ZObjectSchema,
  output_schema: ZObjectSchema,
  qa_rubric: z.array(z.strictObject({ id: z.string().min(1), criterion: z.string().min(1) })).min(1),
  boundary_constraints: z.array(z.string().min(1)).min(1),
});
export type TPlaybookFrontMatter = z.infer<typeof ZPlaybookFrontMatter>;
