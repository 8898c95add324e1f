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

describe('a setup and an approval name only the customer’s own active exchange account, kept by this portal', () => {
  const setup = (credentialRef: string) => ({
    exchange_provider: 'delta_exchange_india',
    credential_ref: credentialRef,
    default_coin: 'BTC',
    allowed_coins: ['BTC'],
    risk_limits: { max_units_per_order: 5 },
    execution_policy: { require_customer_approval: true, approval_scope: 'per_trade_action' },
  });
  const hire = (customerId: string, credentialRef: string) =>
    ops.call<{ reason?: string; errors?: { path: string; code: string }[]; hired_agent_id?: string }>(
      'POST',
      '/api/hired-agents',
      { customer_id: customerId, agent_id: 'AGT-TRD-DELTA-001', setup: setup(credentialRef) },
    );

  it('refuses another customer’s key, a CP key, an unknown one and a revoked one when the setup is saved', async () => {
    const owner = await customer('Key owner');
    const ownKey = await store(owner, await stack.paper.createApiKey({ balance: 100_000 }));
    const other = await customer('Someone else');
    const cases: [string, string][] = [
      [ownKey.body.credential_ref, 'credential_not_found'], // the owner's key, named in another customer's hire
      ['cred_cp_aaaaaaaaaaaaaaaaaaaaaaaaaa', 'credential_not_this_portal'],
      ['cred_pp_aaaaaaaaaaaaaaaaaaaaaaaaaa', 'credential_not_found'],
    ];
    for (const [ref, code] of cases) {
      const r = await hire(other, ref);
      expect(r.status, ref).toBe(422);
      expect(r.body.errors).toEqual([expect.objectContaining({ path: 'setup.credential_ref', code })]);
    }
    const revoked = await store(other, await stack.paper.createApiKey({ balance: 100_000 }));
    await ops.call('POST', `/api/credentials/${revoked.body.credential_ref}/revoke`);
    expect((await hire(other, revoked.body.credential_ref)).body.errors?.[0]?.code).toBe(
      'credential_revoked',
    );
    const hired = await hire(owner, ownKey.body.credential_ref);
    expect(hired.status).toBe(201);

    // Saving a setup later is checked the same way.
    const moved = await ops.call<{ errors?: { code: string }[] }>(
      'PUT',
      `/api/hired-agents/${hired.body.hired_agent_id}/setup`,
      { setup: setup(revoked.body.credential_ref) },
    );
    expect(moved.status).toBe(422);
    expect(moved.body.errors?.[0]?.code).toBe('credential_not_found');
  });

  it('refuses to mint an approval for a plan whose exchange account was revoked since the hire', async () => {
    const owner = await customer('Revoked later');
    const key = await store(owner, await stack.paper.createApiKey({ balance: 100_000 }));
    expect((await hire(owner, key.body.credential_ref)).status).toBe(201);
    await ops.call('POST', `/api/credentials/${key.body.credential_ref}/revoke`);
    const r = await ops.call<{ errors?: { path: string; code: string }[] }>('POST', '/api/approvals', {
      agent_id: 'AGT-TRD-DELTA-001',
      run: {
        customer_id: owner,
        exchange_account_id: key.body.credential_ref,
        coin: 'BTC',
        units: 1,
        side: 'long',
        action: 'enter',
        market: true,
      },
      consent: { channel: 'phone', reference: 'call 10:42', note: 'confirmed' },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([
      expect.objectContaining({ path: 'run.exchange_account_id', code: 'credential_revoked' }),
    ]);
    const minted = await stack.dbs.pp.db.query('SELECT 1 FROM approvals WHERE customer_id = $1', [owner]);
    expect(minted.rows).toHaveLength(0);
  });
});
