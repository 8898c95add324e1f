import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELTA_TRADING_AGENT } from '../src/agent-mold/reference-agents.ts';
import { type PlantTestApp, startPlant, startPlantOn } from './plant-test-app.ts';

let p: PlantTestApp;
beforeAll(async () => {
  p = await startPlant();
});
afterAll(() => p.close());

const validate = (payload: unknown) =>
  p.app.inject({ method: 'POST', url: '/api/v1/agent-mold/spec/validate', payload: payload as object });
const withDim = (name: string, value: unknown) => ({
  ...DELTA_TRADING_AGENT,
  dimensions: { ...DELTA_TRADING_AGENT.dimensions, [name]: value },
});

describe('AgentSpec', () => {
  it('serves its JSON Schema', async () => {
    const res = await p.app.inject('/api/v1/agent-mold/schema/agent-spec');
    expect(res.statusCode).toBe(200);
    const schema = res.json();
    expect(schema.properties.dimensions.required).toEqual(
      expect.arrayContaining([
        'skill',
        'industry',
        'team',
        'integrations',
        'ui',
        'localization',
        'trial',
        'budget',
      ]),
    );
    expect(schema.properties.dimensions.additionalProperties).toBe(false);
  });

  it('validates the reference agent', async () => {
    const res = await validate(DELTA_TRADING_AGENT);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ valid: true, agent_id: 'AGT-TRD-DELTA-001' });
  });

  it.each([
    [
      'skill present without primary_playbook_id',
      withDim('skill', { present: true, config: { category: 'trading' } }),
      'dimensions.skill.config.primary_playbook_id',
    ],
    [
      'skill present without category',
      withDim('skill', { present: true, config: { primary_playbook_id: 'A.B' } }),
      'dimensions.skill.config.category',
    ],
    [
      'integrations with no providers',
      withDim('integrations', { present: true, config: { providers: [] } }),
      'dimensions.integrations.config.providers',
    ],
    [
      'an unknown provider',
      withDim('integrations', { present: true, config: { providers: ['binance'] } }),
      'dimensions.integrations.config.providers.0',
    ],
    [
      'industry without industry',
      withDim('industry', { present: true, config: {} }),
      'dimensions.industry.config.industry',
    ],
    [
      'trial with neither days nor runs',
      withDim('trial', { present: true, config: {} }),
      'dimensions.trial.config',
    ],
    [
      'budget without limits',
      withDim('budget', { present: true, config: {} }),
      'dimensions.budget.config.max_runs_per_day',
    ],
    [
      'an absent dimension carrying config',
      withDim('team', { present: false, config: { roles: ['x'] } }),
      'dimensions.team.config',
    ],
    [
      'a missing dimension',
      { ...DELTA_TRADING_AGENT, dimensions: { ...DELTA_TRADING_AGENT.dimensions, ui: undefined } },
      'dimensions.ui',
    ],
    ['an unknown dimension', withDim('telepathy', { present: true, config: {} }), 'dimensions.telepathy'],
    ['an unknown top-level field', { ...DELTA_TRADING_AGENT, auto_execute: true }, 'auto_execute'],
    ['a bad agent_id', { ...DELTA_TRADING_AGENT, agent_id: 'delta' }, 'agent_id'],
  ])('422 for %s, naming the path', async (_label, spec, path) => {
    const res = await validate(spec);
    expect(res.statusCode).toBe(422);
    expect((res.json().errors as { path: string }[]).map((e) => e.path)).toContain(path);
  });

  it('lists the reference agent with its compiled spec and playbook', async () => {
    const res = await p.app.inject('/api/v1/reference-agents');
    expect(res.json().items).toEqual([
      expect.objectContaining({
        agent_id: 'AGT-TRD-DELTA-001',
        display_name: 'Delta Futures Trading Agent',
        agent_type: 'trading',
        spec: DELTA_TRADING_AGENT,
        playbook: expect.objectContaining({
          playbook_id: 'TRADING.DELTA.FUTURES.MANUAL.V1',
          version: '1.0.0',
        }),
      }),
    ]);
  });

  it.each([
    [
      'an invalid spec',
      withDim('skill', { present: true, config: { category: 'trading' } }),
      /primary_playbook_id/,
    ],
    [
      'a spec whose playbook is not loaded',
      withDim('skill', { present: true, config: { category: 'trading', primary_playbook_id: 'NO.SUCH.V1' } }),
      /not loaded/,
    ],
    [
      'a spec whose category differs from its playbook',
      withDim('skill', {
        present: true,
        config: { category: 'tutoring', primary_playbook_id: 'TRADING.DELTA.FUTURES.MANUAL.V1' },
      }),
      /category/,
    ],
  ])('the service refuses to start with %s', async (_label, spec, message) => {
    await expect(startPlantOn(p.testDb, { referenceAgentSpecs: [spec] })).rejects.toThrow(message);
  });
});
