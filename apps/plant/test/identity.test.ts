import { randomUUID } from 'node:crypto';
import type { TPrincipal } from '@delta/contracts';
import { createLogger } from '@delta/server-kit';
import { ephemeralServiceKeys, signServiceToken } from '@delta/service-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Deps } from '../src/app.ts';
import {
  createGatewayIdentityVerifier,
  IDENTITY_ASSERTION_HEADER,
  requestHash,
} from '../src/auth/identity.ts';
import {
  call,
  MIGRATIONS,
  type PlantTestApp,
  signAssertion,
  startPlant,
  startPlantOn,
} from './plant-test-app.ts';

let p: PlantTestApp;
beforeAll(async () => {
  p = await startPlant();
});
afterAll(() => p.close());

const CUSTOMERS = '/api/v1/customers';

/** A request sent with exactly these headers and body bytes (no helper adds or fixes anything). */
function send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string) {
  return p.rawInject({
    method,
    url,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    payload: body,
  });
}

async function customerNames(): Promise<string[]> {
  const res = await p.app.inject(`${CUSTOMERS}?limit=200`);
  return (res.json().items as { display_name: string }[]).map((c) => c.display_name);
}

/** POSTs a customer with an assertion signed with `options`; returns the response and whether it was created. */
async function postCustomer(options: Parameters<typeof signAssertion>[4], body?: string) {
  const name = `Identity ${randomUUID()}`;
  const signed = JSON.stringify({ display_name: name });
  const cid = randomUUID();
  const assertion = await signAssertion('POST', CUSTOMERS, signed, cid, options);
  const res = await send(
    'POST',
    CUSTOMERS,
    { 'x-correlation-id': cid, [IDENTITY_ASSERTION_HEADER]: assertion },
    body ?? signed,
  );
  return { res, created: (await customerNames()).includes(name) };
}

describe('gateway identity assertion', () => {
  it('accepts a correctly signed assertion and acts as its principal', async () => {
    const { res, created } = await postCustomer({});
    expect(res.statusCode).toBe(201);
    expect(res.json().created_by).toBe('ops:usr_test_admin(admin)');
    expect(created).toBe(true);
  });

  it('401 identity_required without an assertion, and nothing happens', async () => {
    const before = await customerNames();
    const res = await send('POST', CUSTOMERS, {}, JSON.stringify({ display_name: 'Anonymous' }));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'identity_required', failure: 'missing' });
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(await customerNames()).toEqual(before);
    expect((await send('GET', CUSTOMERS, {})).statusCode).toBe(401);
    expect((await send('GET', '/api/v1/reference-agents', {})).statusCode).toBe(401);
  });

  it.each<[string, () => Promise<Parameters<typeof signAssertion>[4]>, string]>([
    ['expired', async () => ({ issuedAt: Math.floor(Date.now() / 1000) - 120 }), 'expired'],
    [
      'forged (another key)',
      async () => ({ keys: await ephemeralServiceKeys('plant-gateway') }),
      'bad_signature',
    ],
    ['for another audience', async () => ({ audience: 'pp' }), 'wrong_audience'],
    [
      'for another correlation id',
      async () => ({ correlationId: '00000000-0000-4000-8000-000000000001' }),
      'correlation_mismatch',
    ],
    ['bound to another request', async () => ({ requestHash: 'ab'.repeat(32) }), 'request_hash_mismatch'],
  ])('401 identity_invalid for an assertion %s, and nothing happens', async (_label, options, failure) => {
    const { res, created } = await postCustomer(await options());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'identity_invalid', failure });
    expect(created).toBe(false);
  });

  it('refuses a token from any issuer but the gateway, even one signed for audience plant', async () => {
    const pp = await ephemeralServiceKeys('pp');
    const cid = randomUUID();
    const token = await signServiceToken(pp, {
      iss: 'pp',
      aud: 'plant',
      principal: { kind: 'ops', user_id: 'usr_x', role: 'admin' },
      correlation_id: cid,
      request_hash: requestHash('GET', CUSTOMERS, ''),
    });
    const res = await send('GET', CUSTOMERS, { 'x-correlation-id': cid, [IDENTITY_ASSERTION_HEADER]: token });
    expect(res.json()).toMatchObject({ status: 401, failure: 'untrusted_issuer' });
    const junk = await send('GET', CUSTOMERS, { [IDENTITY_ASSERTION_HEADER]: 'not-a-jwt' });
    expect(junk.json()).toMatchObject({ status: 401, reason: 'identity_invalid', failure: 'malformed' });
  });

  it('401 request_hash_mismatch when the body is altered after signing', async () => {
    const altered = JSON.stringify({ display_name: 'Mallory' });
    const { res, created } = await postCustomer({}, altered);
    expect(res.json()).toMatchObject({ status: 401, failure: 'request_hash_mismatch' });
    expect(created).toBe(false);
    expect(await customerNames()).not.toContain('Mallory');
    // Whitespace counts too: the hash is over bytes, not over the parsed JSON.
    const { res: spaced } = await postCustomer({}, JSON.stringify({ display_name: 'Mallory' }, null, 1));
    expect(spaced.statusCode).toBe(401);
  });

  it('401 request_hash_mismatch when the query or method is altered after signing', async () => {
    const cid = randomUUID();
    const assertion = await signAssertion('GET', `${CUSTOMERS}?limit=1`, '', cid);
    const headers = { 'x-correlation-id': cid, [IDENTITY_ASSERTION_HEADER]: assertion };
    expect((await send('GET', `${CUSTOMERS}?limit=1`, headers)).statusCode).toBe(200);
    const res = await send('GET', `${CUSTOMERS}?limit=2`, headers);
    expect(res.json()).toMatchObject({ status: 401, failure: 'request_hash_mismatch' });
  });

  it('401 token_replayed for an assertion used before, on this or another Plant instance on the database', async () => {
    const other = await startPlantOn(p.testDb);
    try {
      const name = `Replayed ${randomUUID()}`;
      const body = JSON.stringify({ display_name: name });
      const cid = randomUUID();
      const headers = {
        'content-type': 'application/json',
        'x-correlation-id': cid,
        [IDENTITY_ASSERTION_HEADER]: await signAssertion('POST', CUSTOMERS, body, cid),
      };
      const again = (plant: PlantTestApp) =>
        plant.rawInject({ method: 'POST', url: CUSTOMERS, headers, payload: body });
      expect((await again(p)).statusCode).toBe(201);
      for (const plant of [other, p]) {
        const res = await again(plant);
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ reason: 'identity_invalid', failure: 'token_replayed' });
      }
      expect((await customerNames()).filter((n) => n === name)).toHaveLength(1);
      // A read is bound and used once too.
      const getCid = randomUUID();
      const getHeaders = {
        'x-correlation-id': getCid,
        [IDENTITY_ASSERTION_HEADER]: await signAssertion('GET', CUSTOMERS, '', getCid),
      };
      expect((await other.rawInject({ method: 'GET', url: CUSTOMERS, headers: getHeaders })).statusCode).toBe(
        200,
      );
      const read = await p.rawInject({ method: 'GET', url: CUSTOMERS, headers: getHeaders });
      expect(read.json()).toMatchObject({ status: 401, failure: 'token_replayed' });
    } finally {
      await other.close();
    }
  });

  it('a malformed JSON body from an identified caller is a 400 malformed_json, not a 500', async () => {
    const res = await call(p.app, {
      method: 'POST',
      url: CUSTOMERS,
      headers: { 'content-type': 'application/json' },
      payload: '{"display_name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().reason).toBe('malformed_json');
    const poisoned = await call(p.app, {
      method: 'POST',
      url: CUSTOMERS,
      headers: { 'content-type': 'application/json' },
      payload: '{"display_name":"x","__proto__":{"admin":true}}',
    });
    expect(poisoned.statusCode).toBe(400);
  });

  it('keeps probes and docs open, and everything else closed', async () => {
    expect((await send('GET', '/healthz', {})).statusCode).toBe(200);
    expect((await send('GET', '/readyz', {})).statusCode).toBe(200);
    expect((await send('GET', '/docs/json', {})).statusCode).toBe(200);
    expect((await send('GET', '/nowhere', {})).statusCode).toBe(401);
    // A percent-encoded path that the router decodes to /api/… is still gated.
    expect((await send('GET', '/%61pi/v1/customers', {})).statusCode).toBe(401);
  });

  it('403 role_forbidden for a service principal', async () => {
    const service: TPrincipal = { kind: 'service', service: 'pp' };
    const res = await call(p.app, CUSTOMERS, service);
    expect(res.statusCode).toBe(403);
    expect(res.json().reason).toBe('role_forbidden');
  });

  it('503 identity_unavailable (not 401) when the gateway keys cannot be fetched', async () => {
    const q = await startPlantOn(p.testDb, {
      identityVerifier: createGatewayIdentityVerifier('http://127.0.0.1:1/.well-known/jwks.json'),
    });
    try {
      const res = await call(q.app, CUSTOMERS);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ reason: 'identity_unavailable', failure: 'keys_unavailable' });
    } finally {
      await q.close();
    }
  });

  it('will not build without an identity verifier', async () => {
    const deps = {
      logger: createLogger({ service: 'plant-test', level: 'silent' }),
      db: p.testDb.db,
      migrations: MIGRATIONS,
    } as unknown as Deps;
    await expect(buildApp(deps)).rejects.toThrow(/identityVerifier/);
  });
});
