import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaAuthenticationError, DeltaReadClient } from '../src/index.ts';
import { startPathHidingProxy } from './proxies.ts';
import { type Harness, startHarness } from './support.ts';

let h: Harness;
let hiding: Awaited<ReturnType<typeof startPathHidingProxy>>;
beforeAll(async () => {
  h = await startHarness({ historyDays: 1 });
  hiding = await startPathHidingProxy(h.px.url, ['/v2/users/trading_preferences']);
});
afterAll(async () => {
  await hiding?.close();
  await h?.close();
});

const reader = (baseUrl: string, apiKey: string, apiSecret: string) =>
  new DeltaReadClient({ preset: 'paper', baseUrl, credentials: { apiKey, apiSecret }, rateBudget: false });

describe('identifying the account behind a key', () => {
  it("prefers Delta's trading preferences (user_id), with a read-only key", async () => {
    const key = await h.px.createApiKey({ permissions: ['read'] });
    const identity = await reader(h.px.url, key.apiKey, key.apiSecret).accountIdentity();
    expect(identity).toEqual({ userId: String(key.userId), via: 'trading_preferences' });
  });

  it('falls back to the profile where the exchange does not serve trading preferences (404)', async () => {
    const key = await h.px.createApiKey();
    hiding.seen.length = 0;
    const identity = await reader(hiding.url, key.apiKey, key.apiSecret).accountIdentity();
    expect(identity).toEqual({ userId: String(key.userId), via: 'profile' });
    expect(hiding.seen).toEqual(['GET /v2/users/trading_preferences', 'GET /v2/profile']);
  });

  it('does not fall back on a refusal: a wrong secret or an unknown key is the answer', async () => {
    const key = await h.px.createApiKey();
    const wrong = await reader(h.px.url, key.apiKey, `${key.apiSecret}x`)
      .accountIdentity()
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(DeltaAuthenticationError);
    hiding.seen.length = 0;
    const unknown = await reader(hiding.url, 'no-such-key-000', 'secret-000000000000')
      .accountIdentity()
      .catch((e: unknown) => e);
    // Through the proxy the first call is a 404 (hidden), so the profile is asked — and refuses the key.
    expect(unknown).toBeInstanceOf(DeltaAuthenticationError);
    expect((unknown as DeltaAuthenticationError).code).toBe('invalid_api_key');
    const direct = await reader(h.px.url, 'no-such-key-000', 'secret-000000000000')
      .accountIdentity()
      .catch((e: unknown) => e);
    expect((direct as DeltaAuthenticationError).code).toBe('invalid_api_key');
  });
});
