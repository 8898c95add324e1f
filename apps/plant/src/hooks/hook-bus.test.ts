import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { failClosedApprovalVerifier } from '../integrations/approval-verifier.ts';
import { createHookBus, type Hook, type HookContext, type PolicyDecision } from './hook-bus.ts';
import { approvalRequiredHook, intentActionHook, TRADING_ALLOWLIST } from './trading-hooks.ts';

const ctx = (over: Partial<HookContext> = {}): HookContext => ({
  correlationId: 'corr-12345678',
  customerId: 'c1',
  agentId: 'AGT-TRD-DELTA-001',
  hiredAgentId: 'h1',
  declaredIntentAction: undefined,
  approvalId: undefined,
  plan: undefined,
  ...over,
});

function hook(name: string, evaluate: Hook['evaluate'], appliesTo: Hook['appliesTo'] = () => true): Hook {
  return { name, stages: ['pre_run', 'pre_tool_use'], appliesTo, evaluate };
}
const allow = hook('Allow', () => ({ allow: true }));

function bus(hooks: Hook[], recorded: PolicyDecision[] = [], timeoutMs = 50) {
  let n = 0;
  return createHookBus({
    hooks,
    allowlist: TRADING_ALLOWLIST,
    record: async (d) => {
      recorded.push(d);
    },
    newId: () => `d-${++n}`,
    hookTimeoutMs: timeoutMs,
  });
}

describe('hook bus: deny by default', () => {
  it('denies an action that is not allowlisted, even when every hook allows', async () => {
    const d = await bus([allow]).decide('pre_run', 'withdraw_funds', ctx());
    expect(d).toMatchObject({ outcome: 'deny', reason: 'action_not_allowlisted' });
  });

  it('denies an allowlisted action no hook covers, and a stage with no allowlist', async () => {
    expect((await bus([]).decide('pre_run', 'draft_plan', ctx())).reason).toBe('no_hook_covers_action');
    expect((await bus([allow]).decide('post_run', 'draft_plan', ctx())).reason).toBe(
      'action_not_allowlisted',
    );
  });

  it.each([
    ['throws', () => Promise.reject(new Error('boom')), 'threw'],
    ['times out', () => new Promise<never>(() => {}), 'timeout'],
    ['returns nothing', () => undefined, 'no_verdict'],
    ['returns a deny without reason', () => ({ allow: false }) as never, 'no_verdict'],
  ])('a hook that %s is a deny with hook_error', async (_label, evaluate, error) => {
    const d = await bus([allow, hook('Bad', evaluate as Hook['evaluate'])]).decide(
      'pre_run',
      'draft_plan',
      ctx(),
    );
    expect(d).toMatchObject({ outcome: 'deny', reason: 'hook_error', hook: 'Bad', details: { error } });
  });

  it('the first deny wins and later hooks do not run', async () => {
    let ran = false;
    const later = hook('Later', () => {
      ran = true;
      return { allow: true };
    });
    const d = await bus([hook('No', () => ({ allow: false, reason: 'nope' })), later]).decide(
      'pre_run',
      'draft_plan',
      ctx(),
    );
    expect(d).toMatchObject({ outcome: 'deny', reason: 'nope', hook: 'No', hooks_evaluated: ['No'] });
    expect(ran).toBe(false);
  });

  it('every decision gets its own decision_id and is recorded exactly once', async () => {
    const verdicts = fc.constantFrom('allow', 'deny', 'throw', 'undefined');
    await fc.assert(
      fc.asyncProperty(
        fc.array(verdicts, { maxLength: 4 }),
        fc.constantFrom('draft_plan', 'place_order', 'close_position', 'rm_rf', ''),
        fc.constantFrom('pre_run' as const, 'pre_tool_use' as const, 'post_run' as const),
        async (kinds, action, stage) => {
          const recorded: PolicyDecision[] = [];
          const hooks = kinds.map((k, i) =>
            hook(`H${i}`, () => {
              if (k === 'throw') throw new Error('x');
              if (k === 'undefined') return undefined;
              return k === 'allow' ? { allow: true } : { allow: false, reason: 'r' };
            }),
          );
          const d = await bus(hooks, recorded).decide(stage, action, ctx());
          expect(recorded).toEqual([d]);
          const allowed = (TRADING_ALLOWLIST as Record<string, readonly string[]>)[stage]?.includes(action);
          if (d.outcome === 'allow') {
            expect(allowed).toBe(true);
            expect(kinds.length > 0 && kinds.every((k) => k === 'allow')).toBe(true);
          }
        },
      ),
    );
  });
});

describe('trading hooks', () => {
  const trading = (hooks: Hook[]) => bus(hooks);
  it('IntentActionHook fails closed on a side effect without declared intent or with another intent', async () => {
    const b = trading([intentActionHook]);
    expect((await b.decide('pre_tool_use', 'place_order', ctx())).reason).toBe('intent_action_required');
    const mismatch = await b.decide(
      'pre_tool_use',
      'close_position',
      ctx({ declaredIntentAction: 'place_order' }),
    );
    expect(mismatch.reason).toBe('intent_action_mismatch');
    expect((await b.decide('pre_run', 'draft_plan', ctx())).outcome).toBe('allow');
  });

  it('ApprovalRequiredHook: no approval → approval_required; any approval with the default verifier → approval_invalid', async () => {
    const b = trading([intentActionHook, approvalRequiredHook(failClosedApprovalVerifier)]);
    const declared = { declaredIntentAction: 'place_order' };
    expect((await b.decide('pre_tool_use', 'place_order', ctx(declared))).reason).toBe('approval_required');
    const plan = { intent_hash: 'a'.repeat(64) } as HookContext['plan'];
    const d = await b.decide('pre_tool_use', 'place_order', ctx({ ...declared, approvalId: 'apr-1', plan }));
    expect(d).toMatchObject({ outcome: 'deny', reason: 'approval_invalid' });
  });
});

describe('hook bus: recording', () => {
  function gatedBus(gate: Promise<void>, recorded: PolicyDecision[], plans: unknown[] = []) {
    return createHookBus({
      hooks: [allow],
      allowlist: TRADING_ALLOWLIST,
      record: async (d, c) => {
        plans.push(c.plan);
        await gate;
        recorded.push(d);
      },
      newId: () => 'd-1',
    });
  }

  it('decide answers only once the decision is recorded; decideThenRecord answers first and leaves the write', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const recorded: PolicyDecision[] = [];
    const plans: unknown[] = [];
    const b = gatedBus(gate, recorded, plans);
    let decided = false;
    const waiting = b.decide('pre_run', 'draft_plan', ctx()).then(() => {
      decided = true;
    });
    const c = ctx();
    const pending = await b.decideThenRecord('pre_run', 'draft_plan', c);
    expect(pending.decision.outcome).toBe('allow');
    // The caller goes on: what it fills in later is not what this decision was made on.
    c.plan = { intent_hash: 'later' } as never;
    await new Promise((r) => setTimeout(r, 20));
    expect(decided).toBe(false);
    const write = pending.record();
    expect(pending.record()).toBe(write); // one write, however often asked
    open();
    await Promise.all([write, waiting]);
    expect(decided).toBe(true);
    expect(recorded).toHaveLength(2);
    expect(plans).toEqual([undefined, undefined]);
  });

  it('a write that fails, even synchronously, is the rejection of `recorded` and of decide', async () => {
    for (const record of [
      async () => {
        throw new Error('disk full');
      },
      () => {
        throw new Error('disk full');
      },
    ]) {
      const b = createHookBus({
        hooks: [allow],
        allowlist: TRADING_ALLOWLIST,
        record: record as () => Promise<void>,
        newId: () => 'd-1',
      });
      const pending = await b.decideThenRecord('pre_run', 'draft_plan', ctx());
      await expect(pending.record()).rejects.toThrow('disk full');
      await expect(b.decide('pre_run', 'draft_plan', ctx())).rejects.toThrow('disk full');
    }
  });
});
