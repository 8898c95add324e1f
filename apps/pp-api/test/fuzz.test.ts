/**
 * Fuzz of every operation of every service, driven by each one's OpenAPI document (GET /docs/json): PP as a
 * signed-in operator and anonymously, Plant directly (anonymous: 401s) and through the gateway with genuine
 * per-request service tokens, the gateway itself, the CP API, and the paper exchange (its /v2 routes with real HMAC
 * signatures, and its /_paper admin routes). Nothing may answer 5xx, and every error must be a problem
 * body with `reason` and `correlation_id` — except the paper exchange's /v2, which speaks Delta's error shape.
 * The seed is printed; `FUZZ_SEED=<n>` replays a run.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { buildApp as buildCp } from '@delta/cp-api/src/app.ts';
import { ZConfig as ZCpConfig } from '@delta/cp-api/src/config.ts';
import { cpMigrations } from '@delta/cp-api/src/migrations.ts';
import { createVault } from '@delta/portal';
import { createLogger, parseConfig } from '@delta/server-kit';
import { ephemeralServiceKeys, requestHash, signServiceToken } from '@delta/service-auth';
import {
  createRng,
  createTestDatabase,
  type FuzzCase,
  type FuzzReport,
  type FuzzTarget,
  fetchOpenApi,
  freePort,
  fuzzSeed,
  fuzzTarget,
  summarise,
  type TestDatabase,
} from '@delta/testing';
import { MasterKeyring } from '@delta/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, type Stack, startStack } from './stack.ts';

const seed = fuzzSeed();
// Printed up front so a failure (or a hang) can be replayed: FUZZ_SEED=<seed> npx vitest run <this file>.
console.log(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);

let stack: Stack;
let paper: Stack['paper'];
let paperKey: { apiKey: string; apiSecret: string };
let cpDb: TestDatabase;
let cp: Awaited<ReturnType<typeof buildCp>>;
let cpUrl: string;
let ppCookie: string;

beforeAll(async () => {
  stack = await startStack({ logLevel: 'warn' });
  const login = await fetch(`${stack.ppUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'operator', password: PASSWORD }),
  });
  expect(login.status).toBe(200);
  ppCookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;

  // The stack's own paper exchange, fuzzed last (its admin routes change faults, quotas and prices: Plant is done
  // with it by then, and every fault or quota a case sets is undone at once).
  paper = stack.paper;
  paperKey = await paper.createApiKey({});

  const cpSchema = cpMigrations(fileURLToPath(new URL('../../cp-api/migrations', import.meta.url)));
  cpDb = await createTestDatabase({ migrations: cpSchema });
  cp = await buildCp({
    logger: createLogger({ service: 'cp-api', level: 'warn', destination: stack.logs }),
    db: cpDb.db,
    migrations: cpSchema,
    config: parseConfig('cp-api', ZCpConfig, {}),
    keys: await ephemeralServiceKeys('cp'),
    vault: createVault(cpDb.db, 'cp', new MasterKeyring([{ version: 'v1', key: Buffer.alloc(32, 3) }])),
  });
  const port = await freePort();
  await cp.listen({ host: '127.0.0.1', port });
  cpUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await cp?.close();
  await cpDb?.drop();
  await stack?.close();
});

const reports: { name: string; report: FuzzReport }[] = [];

/** The distinct error lines the services logged (what a failing run needs to be diagnosed). */
function errorLines(): string {
  const seen = new Set<string>();
  for (const line of stack.logs.lines) {
    const l = JSON.parse(line) as {
      level?: string;
      service?: string;
      msg?: string;
      err?: { message?: string; stack?: string };
    };
    if (l.level !== 'error') continue;
    seen.add(
      `${l.service}: ${l.msg}: ${l.err?.message ?? ''} ${(l.err?.stack ?? '').split('\n').slice(1, 4).join(' ')}`,
    );
  }
  return [...seen].slice(0, 30).join('\n');
}

async function run(target: FuzzTarget, salt: number) {
  const report = await fuzzTarget(target, createRng(seed + salt));
  reports.push({ name: target.name, report });
  const msg = `seed ${seed} (FUZZ_SEED=${seed}), ${report.requests} requests to ${target.name}, statuses ${JSON.stringify(report.statuses)}\n${summarise(report.violations)}`;
  if (report.violations.length > 0) console.log(`${msg}\n${errorLines()}`);
  expect.soft(report.violations, msg).toEqual([]);
  // The fuzz must reach handlers, not only be refused at the door.
  return report;
}

/** A portal's service token to the gateway, bound to exactly this request. */
async function gatewayToken(c: FuzzCase): Promise<Record<string, string>> {
  const correlationId = randomUUID();
  const token = await signServiceToken(stack.keys.pp, {
    iss: 'pp',
    aud: 'plant-gateway',
    principal: { kind: 'ops', user_id: 'fuzz-operator', role: 'operator' },
    correlation_id: correlationId,
    request_hash: requestHash(c.method, c.url, c.body),
  });
  return { authorization: `Bearer ${token}`, 'x-correlation-id': correlationId };
}

/** Delta's HMAC headers for exactly this request. */
function paperSignature(c: FuzzCase): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = c.body === undefined ? '' : c.body.toString();
  const signature = createHmac('sha256', paperKey.apiSecret)
    .update(`${c.method}${timestamp}${c.url}${body}`)
    .digest('hex');
  return { 'api-key': paperKey.apiKey, timestamp, signature, 'user-agent': 'fuzz/1.0' };
}

describe(`fuzz every operation of every service (seed ${seed})`, () => {
  it('PP, signed in as an operator and anonymously', { timeout: 120_000 }, async () => {
    await run(
      {
        name: 'pp-api (operator)',
        baseUrl: stack.ppUrl,
        auth: () => ({ cookie: ppCookie }),
        // Logging out would end the session being fuzzed; it is fuzzed anonymously below.
        skip: (op) => op.path === '/api/auth/logout',
        budget: 14,
      },
      1,
    );
    await run({ name: 'pp-api (anonymous)', baseUrl: stack.ppUrl, budget: 5, raw: false }, 2);
  });

  it('Plant directly (no identity: 401s) and through the gateway with genuine tokens', {
    timeout: 120_000,
  }, async () => {
    const plantDoc = await fetchOpenApi(stack.plantUrl);
    await run({ name: 'plant (direct)', baseUrl: stack.plantUrl, doc: plantDoc, budget: 5 }, 3);
    await run(
      {
        name: 'gateway → plant (pp token)',
        baseUrl: stack.gatewayUrl,
        doc: plantDoc,
        auth: gatewayToken,
        // Plant's own probes and key documents are not behind the gateway.
        skip: (op) => !op.path.startsWith('/api/'),
        budget: 10,
      },
      4,
    );
    await run({ name: 'plant-gateway', baseUrl: stack.gatewayUrl, budget: 6 }, 5);
  });

  it('CP API', async () => {
    await run({ name: 'cp-api', baseUrl: cpUrl, budget: 8 }, 6);
  });

  it('paper exchange: /v2 with real signatures (Delta error shape) and the /_paper admin routes', {
    timeout: 120_000,
  }, async () => {
    const reset = async () => {
      await fetch(`${paper.url}/_paper/faults`, { method: 'DELETE' });
      await fetch(`${paper.url}/_paper/rate-limit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ units_per_window: 1_000_000, window_ms: 1_000 }),
      });
      await fetch(`${paper.url}/_paper/system-status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'maintenance_finished' }),
      });
    };
    await reset();
    await run(
      {
        name: 'paper-exchange',
        baseUrl: paper.url,
        auth: (c) => (c.url.startsWith('/v2/') ? paperSignature(c) : { 'user-agent': 'fuzz/1.0' }),
        shapeOf: (path) => (path.startsWith('/v2/') ? 'delta' : 'problem'),
        // An injected fault, quota or maintenance (the exchange answers 503 while in it, as Delta does) is the admin
        // API doing its job; undo it so it does not pass for a bug.
        afterCase: async (op) => {
          if (['/_paper/faults', '/_paper/rate-limit', '/_paper/system-status'].includes(op.path))
            await reset();
        },
        concurrency: 1,
        budget: 12,
      },
      7,
    );
    // Whatever the fuzz set, the exchange still quotes and accepts a sane mark price.
    const r = await fetch(`${paper.url}/_paper/mark-price`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ product: 'BTCUSD', price: '60000' }),
    });
    expect(r.status).toBe(200);
  });

  it('leaves no statement parameter or stack of a refused input in any log line', () => {
    const text = stack.logs.text();
    expect(text).not.toContain('"params"');
    expect(text).not.toMatch(/invalid byte sequence|unsupported Unicode escape/);
    const total = reports.reduce((n, r) => n + r.report.requests, 0);
    console.log(
      `fuzz seed ${seed}: ${total} requests, ${reports.map((r) => `${r.name}=${r.report.requests}`).join(', ')}`,
    );
  });
});
