import { testCustomerId } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hire, type PlantTestApp, run, runBody, startPlant } from './plant-test-app.ts';

let p: PlantTestApp;
beforeAll(async () => {
  p = await startPlant();
  await hire(p.app, testCustomerId('cust-a'), {}, 'paid');
  await hire(p.app, testCustomerId('cust-b'), {}, 'paid');
  for (let i = 0; i < 5; i++) await run(p.app, runBody({ customer_id: testCustomerId('cust-a') }));
  await run(p.app, runBody({ customer_id: testCustomerId('cust-a'), intent_action: 'place_order' }));
  await run(p.app, runBody({ customer_id: testCustomerId('cust-b') }));
});
afterAll(() => p.close());

const get = async (qs: string) => (await p.app.inject(`/api/v1/usage-events?${qs}`)).json();

describe('usage events', () => {
  it('filters by customer and event type', async () => {
    expect((await get(`customer_id=${testCustomerId('cust-a')}`)).items).toHaveLength(6);
    expect((await get(`customer_id=${testCustomerId('cust-a')}&event_type=denied`)).items).toEqual([
      expect.objectContaining({ outcome: 'approval_required', action: 'place_order' }),
    ]);
    expect((await get(`customer_id=${testCustomerId('cust-b')}&event_type=draft_plan`)).items).toHaveLength(
      1,
    );
    expect((await get('agent_id=AGT-TRD-OTHER-001')).items).toHaveLength(0);
    // A filter is an id or a name in its own shape, never free text.
    const bad = await p.app.inject('/api/v1/usage-events?agent_id=AGT-OTHER');
    expect(bad.statusCode).toBe(422);
    expect((await p.app.inject('/api/v1/usage-events?correlation_id=not-a-uuid')).statusCode).toBe(422);
  });

  it('pages with a cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { event_id: string }[]; next_cursor: string | null } = await get(
        `customer_id=${testCustomerId('cust-a')}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.items.map((e) => e.event_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
  });

  it('filters by time range and rejects a forged cursor or unknown filter', async () => {
    expect((await get('from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).items).toHaveLength(0);
    expect((await get('from=2000-01-01T00:00:00Z')).items.length).toBeGreaterThanOrEqual(7);
    expect((await p.app.inject('/api/v1/usage-events?cursor=bogus')).statusCode).toBe(422);
    expect((await p.app.inject('/api/v1/usage-events?drop_table=1')).statusCode).toBe(422);
  });

  it('lists policy denials with filters', async () => {
    const res = await p.app.inject(
      `/api/v1/audit/policy-denials?customer_id=${testCustomerId('cust-a')}&reason=approval_required`,
    );
    expect(res.json().items).toEqual([
      expect.objectContaining({ customer_id: testCustomerId('cust-a'), action: 'place_order' }),
    ]);
    const none = await p.app.inject(`/api/v1/audit/policy-denials?customer_id=${testCustomerId('cust-b')}`);
    expect(none.json().items).toHaveLength(0);
  });
});
