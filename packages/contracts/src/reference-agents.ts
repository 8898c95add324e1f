import { z } from 'zod';
import { ZAgentSpec } from './agent-spec.ts';

export const ZPlaybookSummary = z.object({
  playbook_id: z.string(),
  name: z.string(),
  version: z.string(),
  category: z.string(),
});

export const ZReferenceAgent = z.object({
  agent_id: z.string(),
  display_name: z.string(),
  agent_type: z.string(),
  spec: ZAgentSpec,
  playbook: ZPlaybookSummary,
});
export type TReferenceAgent = z.infer<typeof ZReferenceAgent>;

export const ZReferenceAgentList = z.object({ items: z.array(ZReferenceAgent) });
