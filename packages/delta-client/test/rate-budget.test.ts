import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaRateLimitedError, DeltaTradingClient } from '../src/index.ts';
import { clientFor, type Harness, startHarness } from './support.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('a 429 from the exchange blocks the key', () => {
  it('every client on that key refuses locally until the reset, then sends again', async () => {
    // A budget far above what the test spends: only the exchange's 429 can stop these calls.
    const budget = { unitsPerWindow: 1_000_000, windowMs: 60_000 };
    const { client: first, key } = await clientFor(h.px, { rateBudget: budget, maxRateLimitWaitMs: 100 });
    const second = (await clientFor(h.px, { rateBudget: budget, maxRateLimitWaitMs: 100 })).client;
    const sameKey = new DeltaTradingClient({
      preset: 'paper',
      baseUrl: h.px.url,
      credentials: { apiKey: key.apiKey, apiSecret: key.apiSecret },
      rateBudget: budget,
      maxRateLimitWaitMs: 100,
    });

    // One 429 only: a request that reaches the exchange after it succeeds.
    h.px.injectFault({ mode: '429', count: 1, reset_ms: 1_500, method: 'GET', path: '/v2/wallet/balances' });
    const hit = await first.balances().catch((e: unknown) => e);
    expect(hit).toBeInstanceOf(DeltaRateLimitedError);

    // Another client on the same key: refused before it sends (the fault is spent, so a sent request would pass).
    const blocked = await sameKey.balances().catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(DeltaRateLimitedError);
    expect((blocked as Error).message).toMatch(/local rate budget/);
    expect((blocked as DeltaRateLimitedError).resetMs).toBeGreaterThan(100);

    // A different key is not blocked.
    await expect(second.balances()).resolves.toBeDefined();

    // After the reset the key sends again.
    await new Promise((r) => setTimeout(r, 1_600));
    await expect(sameKey.balances()).resolves.toBeDefined();
  });
});
