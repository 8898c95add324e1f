import type { TAgentSpec, TReferenceAgent } from '@delta/contracts';
import type { PlaybookCatalogue } from '../playbooks/playbook-loader.ts';
import { validateAgentSpec } from './agent-spec.ts';

export const DELTA_TRADING_AGENT_ID = 'AGT-TRD-DELTA-001';

/** The Delta Exchange India futures trading agent (spec story TR-PLANT-1.1). */
export const DELTA_TRADING_AGENT: TAgentSpec = {
  spec_version: '1.0',
  agent_id: DELTA_TRADING_AGENT_ID,
  agent_type: 'trading',
  display_name: 'Delta Futures Trading Agent',
  dimensions: {
    skill: {
      present: true,
      config: { category: 'trading', primary_playbook_id: 'TRADING.DELTA.FUTURES.MANUAL.V1' },
    },
    industry: { present: true, config: { industry: 'trading' } },
    team: { present: false },
    integrations: { present: true, config: { providers: ['delta_exchange_india'] } },
    ui: { present: true, config: { surfaces: ['pp_reference_agents', 'cp_trade_proposals'] } },
    localization: { present: true, config: { default_locale: 'en-IN', locales: ['en-IN'] } },
    trial: { present: true, config: { duration_days: 7, max_runs: 50 } },
    budget: { present: true, config: { max_runs_per_day: 200 } },
  },
};

export const REFERENCE_AGENT_SPECS: readonly unknown[] = [DELTA_TRADING_AGENT];

export interface ReferenceAgentRegistry {
  list(): TReferenceAgent[];
  get(agentId: string): TReferenceAgent | undefined;
}

export class InvalidReferenceAgentError extends Error {
  constructor(problems: string[]) {
    super(`invalid reference agent spec(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidReferenceAgentError';
  }
}

/**
 * Validates every registered spec and resolves its playbook. Called at start-up: any problem throws, and the
 * service does not start with an agent it cannot vouch for.
 */
export function compileReferenceAgents(
  specs: readonly unknown[],
  playbooks: PlaybookCatalogue,
): ReferenceAgentRegistry {
  const problems: string[] = [];
  const agents: TReferenceAgent[] = [];
  const seen = new Set<string>();
  specs.forEach((input, index) => {
    const label = (input as { agent_id?: unknown })?.agent_id ?? `#${index}`;
    const result = validateAgentSpec(input);
    if (!result.ok) {
      for (const v of result.violations) problems.push(`${String(label)}: ${v.path}: ${v.message}`);
      return;
    }
    const spec = result.spec;
    if (seen.has(spec.agent_id)) problems.push(`${spec.agent_id}: registered twice`);
    seen.add(spec.agent_id);
    const skill = spec.dimensions.skill;
    if (!skill.present) {
      problems.push(`${spec.agent_id}: a reference agent needs the skill dimension`);
      return;
    }
    const playbook = playbooks.get(skill.config.primary_playbook_id);
    if (!playbook) {
      problems.push(`${spec.agent_id}: playbook ${skill.config.primary_playbook_id} is not loaded`);
      return;
    }
    if (playbook.front_matter.category !== skill.config.category) {
      problems.push(
        `${spec.agent_id}: skill category "${skill.config.category}" differs from the playbook's "${playbook.front_matter.category}"`,
      );
      return;
    }
    const fm = playbook.front_matter;
    agents.push({
      agent_id: spec.agent_id,
      display_name: spec.display_name,
      agent_type: spec.agent_type,
      spec,
      playbook: { playbook_id: fm.playbook_id, name: fm.name, version: fm.version, category: fm.category },
    });
  });
  if (problems.length) throw new InvalidReferenceAgentError(problems);
  const byId = new Map(agents.map((a) => [a.agent_id, a]));
  return { list: () => [...agents], get: (id) => byId.get(id) };
}
