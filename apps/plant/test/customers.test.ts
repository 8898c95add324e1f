import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRowsAfter } from '../src/db/audit-log-repository.ts';
import { CUSTOMER_ID_PATTERN, newCustomerId } from '../src/routes/customer-routes.ts';
import { AGENT, createCustomer, type PlantTestApp, setup, startPlant } from './plant-test-app.ts';

let p: PlantTestApp;
beforeAll(async () => {
  p = await startPlant();
});
afterAll(() => p.close());

const post = (payload: unknown) =>
  p.app.inject({ method: 'POST', url: '/api/v1/customers', payload: payload as object });

describe('customer ids', () => {
  it("are 'cus_' + 26 base32 characters, and do not repeat", () => {
    const ids = Array.from({ length: 2000 }, newCustomerId);
    for (const id of ids) expect(id).toMatch(CUSTOMER_ID_PATTERN);
    expect(new Set(ids).size).toBe(ids.length);
    // 128 bits spread over every position: each character position takes many values.
    expect(new Set(ids.map((id) => id[10])).size).toBeGreaterThan(20);
  });
});

describe('customer directory', () => {
  it('creates a customer (201), reads it back, and audits the creation', async () => {
    const res = await post({ display_name: 'Asha Traders', email: 'Asha@Example.COM' });
    expect(res.statusCode).toBe(201);
    const customer = res.json();
    expect(customer).toMatchObject({
      display_name: 'Asha Traders',
      email: 'asha@example.com',
      created_by: 'ops:usr_test_admin(admin)',
    });
    expect(customer.customer_id).toMatch(CUSTOMER_ID_PATTERN);
    const read = await p.app.inject(`/api/v1/customers/${customer.customer_id}`);
    expect(read.json()).toEqual(customer);
    const cid = res.headers['x-correlation-id'];
    const records = (await auditRowsAfter(p.testDb.db, '0', 100_000)).filter(
      (r) => r.kind === 'customer.created' && r.correlation_id === cid,
    );
    expect(records).toEqual([expect.objectContaining({ customer_id: customer.customer_id })]);
    // The email is personal data and the chain is immutable: it stays out of the audit record.
    expect(JSON.stringify(records)).not.toContain('asha@');
  });

  it('creates a customer without an email', async () => {
    const res = await post({ display_name: 'No Mail Ltd' });
    expect(res.statusCode).toBe(201);
    expect(res.json().email).toBeNull();
    expect((await post({ display_name: 'No Mail Ltd' })).statusCode).toBe(201);
  });

  it('409 email_taken for an email already used, whatever its case', async () => {
    expect((await post({ display_name: 'First', email: 'dup@example.com' })).statusCode).toBe(201);
    const res = await post({ display_name: 'Second', email: 'DUP@example.com' });
    expect(res.statusCode).toBe(409);
    expect(res.json().reason).toBe('email_taken');
  });

  it.each([
    ['no display_name', {}, 'display_name'],
    ['an empty display_name', { display_name: '' }, 'display_name'],
    ['a blank display_name', { display_name: '   ' }, 'display_name'],
    ['a display_name over 200 characters', { display_name: 'x'.repeat(201) }, 'display_name'],
    ['a display_name that is not a string', { display_name: 42 }, 'display_name'],
    ['an invalid email', { display_name: 'X', email: 'not-an-email' }, 'email'],
    ['a client-chosen customer_id', { display_name: 'X', customer_id: 'cus_mine' }, 'customer_id'],
    ['an unknown field', { display_name: 'X', api_key: 'k' }, 'api_key'],
  ])('422 for %s', async (_label, body, path) => {
    const res = await post(body);
    expect(res.statusCode).toBe(422);
    expect((res.json().errors as { path: string }[]).map((e) => e.path)).toContain(path);
  });

  it('404 customer_not_found for an unknown id', async () => {
    const res = await p.app.inject(`/api/v1/customers/${newCustomerId()}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().reason).toBe('customer_not_found');
  });

  it('lists every customer oldest first, page by page', async () => {
    for (let i = 0; i < 5; i++) await createCustomer(p.app, `Paged ${i}`);
    const all = (await p.app.inject('/api/v1/customers?limit=200')).json();
    expect(all.next_cursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (
        await p.app.inject(`/api/v1/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json() as { items: { customer_id: string }[]; next_cursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.customer_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((c: { customer_id: string }) => c.customer_id));
    expect((await p.app.inject('/api/v1/customers?cursor=bogus')).statusCode).toBe(422);
    expect((await p.app.inject('/api/v1/customers?limit=0')).statusCode).toBe(422);
  });
});

describe('hiring needs a customer from the directory', () => {
  const hireFor = (customerId: string) =>
    p.app.inject({
      method: 'POST',
      url: '/api/v1/hired-agents',
      payload: { customer_id: customerId, agent_id: AGENT, setup: setup() },
    });

  it('404 customer_not_found for an id Plant never issued; 201 for one it did', async () => {
    const unknown = await hireFor(newCustomerId());
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().reason).toBe('customer_not_found');
    const id = await createCustomer(p.app, 'Hirer');
    expect((await hireFor(id)).statusCode).toBe(201);
  });
});
