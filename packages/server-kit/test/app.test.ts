import { createTestDatabase, LogCapture, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type App, AppError, createApp, createLogger, loadMigrations, migrate } from '../src/index.ts';

const CANARY_SECRET = 'CANARY-S3CRET-7f3a9c1e5b';

let t: TestDatabase;
let app: App;
const logs = new LogCapture();

beforeAll(async () => {
  t = await createTestDatabase();
  app = await createApp({
    service: 'kit-test',
    logger: createLogger({ service: 'kit-test', level: 'debug', destination: logs }),
    db: t.db,
    migrations: [],
    bodyLimit: 1024,
  });
  app.post(
    '/orders',
    {
      schema: {
        body: z.strictObject({ coin: z.enum(['BTC', 'ETH']), units: z.number().int().min(1) }),
        response: { 200: z.object({ ok: z.boolean(), correlation_id: z.string() }) },
      },
    },
    async (request) => {
      request.log.info({ body: request.body }, 'order received');
      return { ok: true, correlation_id: request.correlationId };
    },
  );
  app.post('/login', async (request) => {
    request.log.info({ body: request.body, headers: request.headers }, 'login attempt');
    throw new AppError(401, 'invalid_credentials', 'Wrong user name or password.');
  });
  app.get('/boom', async () => {
    throw new Error(
      `connect failed: postgres://app:${CANARY_SECRET}@db:5432/x (api_secret=${CANARY_SECRET})`,
    );
  });
  app.get('/leaky', { schema: { response: { 200: z.strictObject({ id: z.string() }) } } }, async () => {
    return { id: 'x', api_secret: CANARY_SECRET } as unknown as { id: string };
  });
  app.get('/limited', async () => {
    throw AppError.tooManyRequests('rate_limited', 'Slow down.', 2.2);
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await t.drop();
});

function expectProblem(body: Record<string, unknown>, status: number, reason: string) {
  expect(body).toMatchObject({ status, reason, type: `urn:delta-agent:problem:${reason}` });
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(typeof body.correlation_id).toBe('string');
}

describe('kit-built app', () => {
  it('answers /healthz and /readyz, and serves OpenAPI at /docs', async () => {
    expect((await app.inject('/healthz')).json()).toMatchObject({ status: 'ok', service: 'kit-test' });
    expect((await app.inject('/readyz')).json()).toMatchObject({
      status: 'ready',
      checks: { database: 'ok' },
    });
    const spec = (await app.inject('/docs/json')).json() as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toContain('/orders');
    expect((await app.inject('/docs')).statusCode).toBeLessThan(400);
  });

  it('is not ready while migrations are pending', async () => {
    const t2 = await createTestDatabase();
    const migrations = loadMigrations(
      new URL('./fixtures/migrations-a', import.meta.url).pathname,
      'fixture',
    );
    const app2 = await createApp({
      service: 'pending',
      logger: createLogger({ service: 'p', level: 'silent' }),
      db: t2.db,
      migrations,
    });
    try {
      const before = await app2.inject('/readyz');
      expect(before.statusCode).toBe(503);
      expect(before.json()).toMatchObject({ status: 'not_ready', checks: { migrations: 'pending' } });
      await migrate(t2.db, migrations);
      expect((await app2.inject('/readyz')).statusCode).toBe(200);
      await t2.db.close();
      const down = await app2.inject('/readyz');
      expect(down.statusCode).toBe(503);
      expect(down.json()).toMatchObject({ checks: { database: 'unreachable' } });
    } finally {
      await app2.close();
      await t2.drop().catch(() => {});
    }
  });

  it('echoes a well-formed X-Correlation-ID and replaces a malformed one', async () => {
    const ok = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { coin: 'BTC', units: 1 },
      headers: { 'x-correlation-id': 'req-2026-abcdef' },
    });
    expect(ok.headers['x-correlation-id']).toBe('req-2026-abcdef');
    expect(ok.json()).toEqual({ ok: true, correlation_id: 'req-2026-abcdef' });

    for (const bad of ['short', 'has spaces in it', 'x'.repeat(200), '<script>alert(1)</script>']) {
      const r = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-correlation-id': bad } });
      const id = r.headers['x-correlation-id'] as string;
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.json().correlation_id).toBe(id);
    }
  });

  it('turns validation failures into 422 problem+json listing each bad and unknown field', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { coin: 'DOGE', units: 0, api_key: 'k', skip_approval: true },
    });
    expect(r.statusCode).toBe(422);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = r.json();
    expectProblem(body, 422, 'validation_failed');
    expect(body.correlation_id).toBe(r.headers['x-correlation-id']);
    const paths = (body.errors as { path: string; code: string }[]).map((e) => `${e.path}:${e.code}`).sort();
    expect(paths).toEqual([
      'api_key:unrecognized_key',
      'coin:invalid_value',
      'skip_approval:unrecognized_key',
      'units:too_small',
    ]);
  });

  it('maps malformed JSON, oversized bodies, wrong media types and unknown routes to 4xx problems', async () => {
    const cases: [Parameters<App['inject']>[0], number, string][] = [
      [
        {
          method: 'POST',
          url: '/orders',
          payload: '{"coin":',
          headers: { 'content-type': 'application/json' },
        },
        400,
        'malformed_json',
      ],
      [
        {
          method: 'POST',
          url: '/orders',
          payload: JSON.stringify({ coin: 'BTC', units: 1, pad: 'x'.repeat(4096) }),
          headers: { 'content-type': 'application/json' },
        },
        413,
        'body_too_large',
      ],
      [
        { method: 'POST', url: '/orders', payload: 'coin=BTC', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported_media_type',
      ],
      [{ method: 'GET', url: '/no/such/route' }, 404, 'not_found'],
    ];
    for (const [req, status, reason] of cases) {
      const r = await app.inject(req);
      expect(r.statusCode, reason).toBe(status);
      expectProblem(r.json(), status, reason);
    }
  });

  it('hides internals of unexpected errors behind a 500 and logs them', async () => {
    const r = await app.inject('/boom');
    expect(r.statusCode).toBe(500);
    const text = r.body;
    expectProblem(r.json(), 500, 'internal_error');
    expect(text).not.toContain(CANARY_SECRET);
    expect(text).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('never sends a response that breaks its schema (it could carry more than it should)', async () => {
    const r = await app.inject('/leaky');
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain(CANARY_SECRET);
  });

  it('sets Retry-After on 429 and security headers on every response', async () => {
    const r = await app.inject('/limited');
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBe('3');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('redacts planted secrets from every log line (bodies, headers, query strings)', async () => {
    await app.inject({
      method: 'POST',
      url: `/login?api_key=${CANARY_SECRET}&page=2`,
      payload: {
        user: 'ops',
        password: CANARY_SECRET,
        nested: { deeper: { api_secret: CANARY_SECRET, Signature: CANARY_SECRET } },
      },
      headers: {
        authorization: `Bearer ${CANARY_SECRET}`,
        cookie: `sid=${CANARY_SECRET}`,
        'api-key': CANARY_SECRET,
      },
    });
    await app.inject('/boom');
    const all = logs.text();
    expect(all).toContain('login attempt'); // the lines we search were written
    expect(all).toContain('[REDACTED]');
    expect(all).not.toContain(CANARY_SECRET);
    // Request logs carry the correlation id under its own name.
    const completed = logs.parsed().filter((l) => l.msg === 'request completed');
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.every((l) => typeof l.correlation_id === 'string')).toBe(true);
  });
});
