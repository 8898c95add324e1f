import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, type Stack, signIn, startStack } from './stack.ts';

let stack: Stack;
let ops: Session;
beforeAll(async () => {
  stack = await startStack();
  ops = await signIn(stack, 'operator');
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

async function customer(name: string): Promise<string> {
  const r = await ops.call<{ customer_id: string }>('POST', '/api/customers', { display_name: name });
  expect(r.status).toBe(201);
  return r.body.customer_id;
}

const store = (customerId: string, key: { apiKey: string; apiSecret: string }) =>
  ops.call<{ credential_ref: string; verified_permissions: string[]; key_last4: string; reason?: string }>(
    'POST',
    `/api/customers/${customerId}/credentials`,
    { api_key: key.apiKey, api_secret: key.apiSecret, label: 'Main', environment: 'paper' },
  );

/** Requests the paper exchange received from now on, as "METHOD path". */
function exchangeRequestsSince(from: number): string[] {
  return stack.logs.lines
    .slice(from)
    .map((l) => JSON.parse(l) as { service?: string; msg?: string; req?: { method: string; url: string } })
    .filter((l) => l.service === 'paper-exchange' && l.msg === 'incoming request' && l.req)
    .map((l) => `${l.req!.method} ${l.req!.url.split('?')[0]}`);
}

describe('a key belongs to exactly one customer and one exchange account', () => {
  it('the key check only reads (the old one cancelled a made-up client order id to probe trading)', async () => {
    const key = await stack.paper.createApiKey({ balance: 100_000 });
    const from = stack.logs.lines.length;
    const stored = await store(await customer('Read-only check'), key);
    expect(stored.status).toBe(201);
    expect(stored.body.verified_permissions).toEqual(['read_data', 'trading_unverified']);
    const seen = exchangeRequestsSince(from);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((r) => !r.startsWith('GET '))).toEqual([]);
  });

  it('the same exchange account cannot be connected for a second customer', async () => {
    const key = await stack.paper.createApiKey({ balance: 100_000 });
    expect((await store(await customer('First owner'), key)).status).toBe(201);
    const second = await store(await customer('Second customer'), key);
    expect(second.status).toBe(409);
    expect(second.body.reason).toBe('exchange_account_in_use');
    const rows = await stack.dbs.pp.db.query('SELECT credential_ref FROM exchange_credentials');
    expect(JSON.stringify(second.body)).not.toContain(key.apiKey);
    expect(rows.rows.length).toBeGreaterThan(0);
  });

  it('a rotation to keys of another exchange account is refused; to new keys of the same account it is not', async () => {
    const key = await stack.paper.createApiKey({ balance: 100_000 });
    const first = await store(await customer('Rotating'), key);
    expect(first.status).toBe(201);
    const ref = first.body.credential_ref;
    const other = await stack.paper.createApiKey({ balance: 100_000 });
    const moved = await ops.call<{ reason: string }>('POST', `/api/credentials/${ref}/rotate`, {
      api_key: other.apiKey,
      api_secret: other.apiSecret,
    });
    expect(moved.status).toBe(409);
    expect(moved.body.reason).toBe('exchange_account_changed');
    const after = await ops.call<{ key_last4: string }>('GET', `/api/credentials/${ref}/account`);
    expect(after.status).toBe(200);

    const again = await ops.call<{ key_last4: string }>('POST', `/api/credentials/${ref}/rotate`, {
      api_key: key.apiKey,
      api_secret: key.apiSecret,
    });
    expect(again.status).toBe(200);
  });
});
