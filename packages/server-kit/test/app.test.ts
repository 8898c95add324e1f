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

  it('keeps a UUID X-Correlation-ID (in lower case) and replaces anything else with a fresh UUID', async () => {
    const cid = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    for (const given of [cid, cid.toUpperCase()]) {
      const ok = await app.inject({
        method: 'POST',
        url: '/orders',
        payload: { coin: 'BTC', units: 1 },
        headers: { 'x-correlation-id': given },
      });
      expect(ok.headers['x-correlation-id']).toBe(cid);
      expect(ok.json()).toEqual({ ok: true, correlation_id: cid });
    }

    const secret = '7b6f39dcf660ec1c7c664f612c60410a2bd0c258416b498bf0311f94228f';
    for (const bad of [
      'short',
      'req-2026-abcdef',
      'has spaces in it',
      'x'.repeat(200),
      '<script>alert(1)</script>',
      secret,
      `${cid}x`,
      `{${cid}}`,
    ]) {
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

describe('input every service refuses before a handler or the database sees it', () => {
  let guarded: App;
  let baseUrl: string;
  const guardLogs = new LogCapture();
  const DB_SECRET = 'PAPER-KEY-5ec7e7-do-not-log';

  beforeAll(async () => {
    guarded = await createApp({
      service: 'guard-test',
      logger: createLogger({ service: 'guard-test', level: 'info', destination: guardLogs }),
      db: t.db,
      migrations: [],
    });
    await t.db.exec('CREATE TABLE IF NOT EXISTS guard_keys (api_key text PRIMARY KEY)');
    // Every string reaches PostgreSQL, as labels, notes and ids do in the services: without the guard a NUL is a 500.
    guarded.post(
      '/things/:thing_id',
      {
        schema: {
          params: z.strictObject({ thing_id: z.string() }),
          querystring: z.strictObject({ note: z.string().optional() }),
          body: z.strictObject({
            label: z.string(),
            tags: z.array(z.string()).optional(),
            meta: z.unknown().optional(),
          }),
        },
      },
      async (request) => {
        const r = await t.db.query<{ v: string }>(
          'SELECT $1::text || $2::text || $3::text || $4::jsonb::text AS v',
          [
            request.params.thing_id,
            request.query.note ?? '',
            request.body.label,
            JSON.stringify(request.body),
          ],
        );
        return { ok: r.rows.length === 1, echoed: encodeURIComponent(request.body.label) };
      },
    );
    guarded.get('/duplicate-key', async () => {
      await t.db.query('INSERT INTO guard_keys (api_key) VALUES ($1) ON CONFLICT DO NOTHING', [DB_SECRET]);
      await t.db.query('INSERT INTO guard_keys (api_key) VALUES ($1)', [DB_SECRET]);
      return { ok: true };
    });
    await guarded.listen({ host: '127.0.0.1', port: 0 });
    const addr = guarded.server.address();
    baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });

  afterAll(async () => {
    await guarded?.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    guarded.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  function expectFieldRefused(r: Awaited<ReturnType<typeof post>>, path: string, code: string) {
    expect(r.statusCode, r.body).toBe(422);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = r.json();
    expectProblem(body, 422, 'validation_failed');
    expect(body.correlation_id).toBe(r.headers['x-correlation-id']);
    expect(body.errors).toEqual([{ path, code, message: expect.any(String) }]);
  }

  it('accepts ordinary text, including astral characters (paired surrogates)', async () => {
    const r = await post('/things/t-1?note=fine', { label: 'plain 💩 text', tags: ['a'], meta: { a: [1] } });
    expect(r.statusCode, r.body).toBe(200);
  });

  it('refuses NUL in the body, the query, a path parameter and a header with a 422 naming the field', async () => {
    expectFieldRefused(await post('/things/t-1', { label: 'a\u0000b' }), 'body.label', 'nul_character');
    expectFieldRefused(
      await post('/things/t-1', { label: 'ok', tags: ['fine', 'x\u0000'] }),
      'body.tags.1',
      'nul_character',
    );
    expectFieldRefused(
      await post('/things/t-1', { label: 'ok', meta: { 'k\u0000': 1 } }),
      'body.meta.k\\u0000',
      'nul_character',
    );
    expectFieldRefused(await post('/things/t-1?note=a%00b', { label: 'ok' }), 'query.note', 'nul_character');
    expectFieldRefused(await post('/things/a%00b', { label: 'ok' }), 'params.thing_id', 'nul_character');
    expectFieldRefused(
      await post('/things/t-1', { label: 'ok' }, { 'x-foo': 'a\u0000b' }),
      'headers.x-foo',
      'nul_character',
    );
  });

  it('refuses a lone surrogate (as a JSON escape, or anywhere a string can be) with a 422', async () => {
    expectFieldRefused(await post('/things/t-1', '{"label":"x\\ud800y"}'), 'body.label', 'lone_surrogate');
    expectFieldRefused(await post('/things/t-1', '{"label":"\\udc00"}'), 'body.label', 'lone_surrogate');
    expectFieldRefused(
      await post('/things/t-1', { label: 'ok', meta: [{ deep: 'x\ud800' }] }),
      'body.meta.0.deep',
      'lone_surrogate',
    );
  });

  it('refuses a body nested deeper than 32 levels with 400 nesting_too_deep (and accepts 32)', async () => {
    const nested = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    for (const raw of [
      nested(5_000),
      `{"label":"x","meta":${nested(5_000)}}`,
      `{"label":"x","meta":${nested(32)}}`,
    ]) {
      const r = await post('/things/t-1', raw);
      expect(r.statusCode, r.body).toBe(400);
      expectProblem(r.json(), 400, 'nesting_too_deep');
    }
    // Brackets inside strings are text, not nesting.
    const ok = await post('/things/t-1', `{"label":"${'['.repeat(100)}","meta":${nested(30)}}`);
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('answers bad URL encoding and over-long path parameters with problem bodies', async () => {
    for (const path of ['/things/%ZZ', '/things/%C0%80', '/things/%ED%A0%80', '/things/%']) {
      const r = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(r.status, path).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await r.json()) as Record<string, unknown>;
      expectProblem(body, 400, 'bad_url_encoding');
      expect(body.correlation_id).toBe(r.headers.get('x-correlation-id'));
      expect(JSON.stringify(body)).not.toContain('%');
    }
    const long = await guarded.inject({ method: 'POST', url: `/things/${'p'.repeat(300)}`, payload: {} });
    expect(long.statusCode).toBe(414);
    expectProblem(long.json(), 414, 'path_parameter_too_long');
    const fits = await post(`/things/${'p'.repeat(256)}`, { label: 'ok' });
    expect(fits.statusCode, fits.body).toBe(200);
  });

  it('answers what Node cannot even parse (malformed request, oversized headers, no Host) with problem bodies', async () => {
    const { sendRaw } = await import('@delta/testing');
    const host = new URL(baseUrl).host;
    const cases: [string, number, string][] = [
      ['GARBAGE\r\n\r\n', 400, 'malformed_request'],
      [`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nBad Header: x\r\n\r\n`, 400, 'malformed_request'],
      [
        `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
        431,
        'headers_too_large',
      ],
      ['GET /healthz HTTP/1.1\r\n\r\n', 400, 'host_required'],
    ];
    for (const [bytes, status, reason] of cases) {
      const r = await sendRaw(baseUrl, bytes);
      expect(r.status, reason).toBe(status);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      const body = JSON.parse(r.body) as Record<string, unknown>;
      expectProblem(body, status, reason);
      expect(body.correlation_id).toBe(r.headers['x-correlation-id']);
    }
    const missing = await fetch(`${baseUrl}/no/such/route`);
    expect(missing.status).toBe(404);
    expectProblem((await missing.json()) as Record<string, unknown>, 404, 'not_found');
  });

  it('logs a database error without the statement, its parameters or the values in its detail', async () => {
    const r = await guarded.inject('/duplicate-key');
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain(DB_SECRET);
    const line = guardLogs.lines.find((l) => l.includes('"level":"error"') && l.includes('duplicate key'));
    expect(line).toBeDefined();
    expect(line).not.toContain(DB_SECRET);
    expect(line).not.toContain('"params"');
    expect(line).not.toContain('"query"');
    expect(line).not.toContain('INSERT INTO');
    // The same for a value PostgreSQL quotes in its message.
    const err = await t.db
      .query('SELECT $1::int', [DB_SECRET])
      .catch((e: unknown) => e as Error & Record<string, unknown>);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).not.toContain(DB_SECRET);
    expect(err.stack).not.toContain(DB_SECRET);
    expect(Object.keys(err)).not.toContain('params');
    expect(err.code).toBe('22P02'); // what callers switch on survives
  });
});
