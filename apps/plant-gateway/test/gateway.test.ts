import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TPrincipal } from '@delta/contracts';
import { createPlantClient } from '@delta/portal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listGatewayAudit, listGatewayAuditByCorrelationId } from '../src/db/gateway-audit-repository.ts';
import { type Echo, type Harness, RATE, startHarness } from './gateway-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const ops = (user_id: string): TPrincipal => ({ kind: 'ops', user_id, role: 'operator' });
const customer = (customer_id: string): TPrincipal => ({ kind: 'customer', user_id: 'u_1', customer_id });
// Correlation ids are UUIDs (a service mints its own for anything else).
const corr = () => randomUUID();

interface Sent {
  status: number;
  headers: Headers;
  text: string;
  json: () => Record<string, unknown>;
  correlationId: string;
}

async function send(
  path: string,
  opts: {
    token?: string;
    /** Mint a fresh token for this principal, bound to exactly this request (as the portals do). */
    as?: ['pp' | 'cp', TPrincipal];
    body?: string;
    method?: string;
    headers?: Record<string, string>;
    base?: string;
  } = {},
): Promise<Sent> {
  const correlationId = corr();
  const headers: Record<string, string> = { 'x-correlation-id': correlationId, ...opts.headers };
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  const token = opts.as
    ? await h.token(opts.as[0], opts.as[1], { bind: { method, path, body: opts.body } })
    : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${opts.base ?? h.gatewayUrl}${path}`, {
    method,
    headers,
    body: opts.body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text), correlationId };
}

function rawGet(path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // Options, not a URL string: a URL would be normalised on this side too.
    const { hostname, port } = new URL(h.gatewayUrl);
    const req = httpRequest(
      { hostname, port, path, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('forwarding to Plant', () => {
  it('forwards the exact bytes with a verified identity assertion, stripping caller credentials', async () => {
    const body = '{"coin":  "BTCUSD", "units": 2,\n "note": "é ✓"}';
    const path = '/api/v1/reference-agents/AGT-TRD-DELTA-001/run?dry=1&x=a%20b';
    const res = await send(path, {
      as: ['pp', ops('usr_fwd')],
      body,
      headers: {
        cookie: 'session=abc',
        'x-identity-assertion': 'forged',
        'content-type': 'application/json',
      },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-correlation-id')).toBe(res.correlationId);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const echo = res.json() as unknown as Echo;
    expect(echo.method).toBe('POST');
    expect(echo.url).toBe(path);
    expect(Buffer.from(echo.body_b64, 'base64').toString('utf8')).toBe(body);
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers.cookie).toBeUndefined();
    expect(echo.headers['x-correlation-id']).toBe(res.correlationId);
    const expectedHash = createHash('sha256').update(`POST\n${path}\n${body}`).digest('hex');
    expect(echo.assertion).toEqual({
      issuer: 'plant-gateway',
      principal: ops('usr_fwd'),
      correlationId: res.correlationId,
      requestHash: expectedHash,
    });
  });

  it('lets our own ids, refs and hashes through for a customer principal', async () => {
    const body = JSON.stringify({
      approval_id: 'apr_abcdefghijklmnopqrstuvwxyz',
      credential_ref: 'cred_cp_abcdefghijklmnopqrstuvwx23',
      intent_hash: randomBytes(32).toString('hex'),
      hired_agent_id: 'hag_3q7f2k9m4n5p6r7s8t9v2w3x4y',
    });
    const res = await send('/api/v1/approvals/check?customer_id=cus_42', {
      as: ['cp', customer('cus_42')],
      body,
    });
    expect(res.status).toBe(201);
    expect((res.json() as unknown as Echo).assertion.principal).toEqual(customer('cus_42'));
  });

  it('answers 502 when Plant is down and 504 when it does not answer in time', async () => {
    const as = ['pp', ops('usr_down')] as ['pp', TPrincipal];
    const down = await send('/api/v1/x', { as, base: await h.brokenGateway('down') });
    expect(down.status).toBe(502);
    expect(down.json()).toMatchObject({ reason: 'upstream_unavailable', correlation_id: down.correlationId });
    const silent = await send('/api/v1/x', { as, base: await h.brokenGateway('silent') });
    expect(silent.status).toBe(504);
    expect(silent.json().reason).toBe('upstream_timeout');
  });
});

describe('service authentication', () => {
  it('refuses missing, malformed, expired, wrong-audience, untrusted and tampered tokens with 401, audited', async () => {
    const good = await h.token('pp', ops('usr_auth'));
    const [hd, pl, sig] = good.split('.');
    const admin = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(pl!, 'base64url').toString()),
        principal: { ...ops('x'), role: 'admin' },
      }),
    ).toString('base64url');
    const cases: [string | undefined, string][] = [
      [undefined, 'missing'],
      ['garbage', 'malformed'],
      [await h.token('pp', ops('usr_auth'), { issuedAt: Math.floor(Date.now() / 1000) - 300 }), 'expired'],
      [await h.token('pp', ops('usr_auth'), { aud: 'plant' }), 'wrong_audience'],
      [await h.token('evil', ops('usr_auth')), 'untrusted_issuer'],
      [`${hd}.${admin}.${sig}`, 'bad_signature'],
    ];
    const before = h.upstreamCalls();
    for (const [token, failure] of cases) {
      const res = await send('/api/v1/hired-agents', { token });
      expect(res.status, failure).toBe(401);
      expect(res.json()).toMatchObject({ reason: 'service_auth_failed', failure });
      if (token) expect(res.text).not.toContain(token);
      const [row] = await listGatewayAuditByCorrelationId(h.db.db, res.correlationId);
      expect(row).toMatchObject({ reason: 'service_auth_failed', details: { failure }, issuer: null });
    }
    expect(h.upstreamCalls()).toBe(before);
  });

  it('refuses a principal the issuing portal may not act for (403), audited', async () => {
    for (const [issuer, principal] of [
      ['cp', ops('usr_x')],
      ['pp', customer('cus_1')],
    ] as const) {
      const res = await send('/api/v1/hired-agents', { token: await h.token(issuer, principal) });
      expect(res.status).toBe(403);
      expect(res.json().reason).toBe('principal_not_allowed');
      const [row] = await listGatewayAuditByCorrelationId(h.db.db, res.correlationId);
      expect(row).toMatchObject({ reason: 'principal_not_allowed', issuer });
    }
  });

  it('refuses a token bound to another request', async () => {
    const token = await h.token('pp', ops('usr_bind'), { requestHash: 'a'.repeat(64) });
    const res = await send('/api/v1/x', { token, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.json().failure).toBe('request_hash_mismatch');
  });

  it('rate-limits per principal with 429 and Retry-After, audited, other principals unaffected', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i <= RATE.burst; i++) {
      const res = await send('/api/v1/positions', { as: ['cp', customer('cus_flood')] });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(RATE.burst);
    expect(limited?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(limited?.json().reason).toBe('rate_limited');
    const [row] = await listGatewayAuditByCorrelationId(h.db.db, limited!.correlationId);
    expect(row).toMatchObject({ reason: 'rate_limited', principal: 'customer:cus_flood/u_1' });
    const other = await send('/api/v1/positions', { as: ['cp', customer('cus_other')] });
    expect(other.status).toBe(200);
  });
});

/** What PP's Plant client sends for one call, caught on its way (a stand-in gateway that records and answers). */
async function captureFromPp(
  path: string,
  body: unknown,
  query: Record<string, string>,
): Promise<{ token: string; pathWithQuery: string; body: string }> {
  let seen: { token: string; pathWithQuery: string; body: string } | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen = {
        token: String(req.headers.authorization).replace(/^Bearer /, ''),
        pathWithQuery: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as AddressInfo;
    const client = createPlantClient({
      gatewayUrl: `http://127.0.0.1:${port}`,
      keys: h.keys.pp,
      issuer: 'pp',
    });
    await client.call('POST', path, {
      principal: ops('usr_capture'),
      correlationId: corr(),
      body,
      query,
      answer: z.object({}),
    });
  } finally {
    server.close();
  }
  if (!seen) throw new Error('PP sent nothing');
  return seen;
}

describe('request binding and one-time use of portal tokens', () => {
  it('refuses a captured PP token with another body or path (binding) and verbatim again (replay), on every instance, audited', async () => {
    const captured = await captureFromPp('/api/v1/customers', { display_name: 'Bound' }, { dry: 'no' });
    expect(captured.pathWithQuery).toBe('/api/v1/customers?dry=no');
    const replay = (pathWithQuery: string, body: string, base?: string) =>
      send(pathWithQuery, { token: captured.token, body, base });
    const refusedAs = async (res: Sent, failure: string) => {
      expect(res.status, failure).toBe(401);
      expect(res.json()).toMatchObject({ reason: 'service_auth_failed', failure });
      const [row] = await listGatewayAuditByCorrelationId(h.db.db, res.correlationId);
      expect(row).toMatchObject({
        reason: 'service_auth_failed',
        issuer: 'pp',
        principal: 'ops:usr_capture(operator)',
        details: { failure },
      });
    };
    const before = h.upstreamCalls();

    // Bound to the request: another body or another path or query is refused, and does not use the token up.
    await refusedAs(
      await replay(captured.pathWithQuery, '{"display_name":"Mallory"}'),
      'request_hash_mismatch',
    );
    await refusedAs(await replay('/api/v1/customers?dry=yes', captured.body), 'request_hash_mismatch');
    await refusedAs(await replay('/api/v1/hired-agents?dry=no', captured.body), 'request_hash_mismatch');
    expect(h.upstreamCalls()).toBe(before);

    // The genuine request goes through once; the same bytes again are a replay, here and on another instance.
    expect((await replay(captured.pathWithQuery, captured.body)).status).toBe(201);
    await refusedAs(await replay(captured.pathWithQuery, captured.body), 'token_replayed');
    await refusedAs(
      await replay(captured.pathWithQuery, captured.body, await h.secondGateway()),
      'token_replayed',
    );
    expect(h.upstreamCalls()).toBe(before + 1);
  });

  it('refuses a portal token that is not bound to a request (request_hash_missing), audited', async () => {
    const res = await send('/api/v1/customers', { token: await h.token('cp', customer('cus_unbound')) });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'service_auth_failed', failure: 'request_hash_missing' });
    const [row] = await listGatewayAuditByCorrelationId(h.db.db, res.correlationId);
    expect(row).toMatchObject({
      reason: 'service_auth_failed',
      issuer: 'cp',
      details: { failure: 'request_hash_missing' },
    });
  });
});

describe('credential firewall', () => {
  const canaryKey = `CANARYKEY${randomBytes(8).toString('hex')}`;
  const canarySecret = randomBytes(30).toString('hex');

  it('refuses key material in nested bodies, arrays, query names and secret-shaped values', async () => {
    const token = await h.token('pp', ops('usr_fw'));
    const before = h.upstreamCalls();
    const cases: [string, string | undefined, string, string][] = [
      [
        '/api/v1/setup',
        JSON.stringify({ a: { accounts: [{ label: 'x' }, { api_key: canaryKey }] } }),
        'a.accounts[1].api_key',
        'body',
      ],
      [
        '/api/v1/setup',
        JSON.stringify([{ nested: { apiSecret: canarySecret } }]),
        '[0].nested.apiSecret',
        'body',
      ],
      ['/api/v1/setup', JSON.stringify({ note: canarySecret }), 'note', 'body'],
      [`/api/v1/setup?coin=BTC&api_key=${canaryKey}`, undefined, 'api_key', 'query'],
      [`/api/v1/setup?client_secret=${canarySecret}`, undefined, 'client_secret', 'query'],
    ];
    for (const [path, body, field, location] of cases) {
      const res = await send(path, { token, body });
      expect(res.status, field).toBe(400);
      expect(res.json()).toMatchObject({ reason: 'credential_material_forbidden', field, location });
      const [row] = await listGatewayAuditByCorrelationId(h.db.db, res.correlationId);
      expect(row).toMatchObject({
        reason: 'credential_material_forbidden',
        principal: 'ops:usr_fw(operator)',
      });
      for (const secret of [canaryKey, canarySecret]) expect(res.text).not.toContain(secret);
    }
    expect(h.upstreamCalls()).toBe(before);
  });

  it('refuses non-JSON bodies with 415 and non-canonical paths with 400', async () => {
    const token = await h.token('pp', ops('usr_ct'));
    const plain = await send('/api/v1/setup', {
      token,
      body: 'api_key=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
    const form = await send('/api/v1/setup', {
      token,
      body: 'a=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    // fetch would normalise these before sending; a raw request shows what an attacker can send.
    for (const path of ['/api/%2e%2e/internal/x', '/api/v1/../../internal/x']) {
      expect(await rawGet(path, token), path).toBe(400);
    }
  });

  it('never lets a refused secret reach a log line or the audit table', async () => {
    const everything = `${h.logs.text()}\n${JSON.stringify(await listGatewayAudit(h.db.db))}`;
    expect(everything).toContain('credential_material_forbidden');
    expect(everything).not.toContain(canaryKey);
    expect(everything).not.toContain(canarySecret);
    expect(everything).not.toContain('Bearer ey');
  });
});
