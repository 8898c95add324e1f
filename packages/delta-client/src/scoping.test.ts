import { describe, expect, it } from 'vitest';
import {
  DeltaNotAllowedError,
  DeltaReadClient,
  DeltaTradingClient,
  READ_ONLY_ALLOWLIST,
  READ_ONLY_ENDPOINTS,
  TRADING_ALLOWLIST,
  TRADING_ENDPOINTS,
  WRITE_ENDPOINTS,
} from './index.ts';
import type { RequestSpec } from './transport.ts';

/** A fetch that counts calls: proof that a refusal happened before any network I/O. */
function countingFetch() {
  const state = { calls: 0 };
  const fetch: typeof globalThis.fetch = async () => {
    state.calls++;
    return new Response('{"success":true,"result":{"user_id":7}}', { status: 200 });
  };
  return { state, fetch };
}

const creds = { apiKey: 'k-123456', apiSecret: 's' };

/** The raw transport under a client: what a caller could reach by going around the typed methods. */
const rawSend = (client: object, spec: RequestSpec) =>
  (
    client as unknown as { requester: { transport: { send(s: RequestSpec): Promise<unknown> } } }
  ).requester.transport.send(spec);

describe('allowlists', () => {
  it('the read-only list holds reads only; the trading list adds exactly place and cancel', () => {
    expect(READ_ONLY_ENDPOINTS.every((e) => e.method === 'GET')).toBe(true);
    expect(WRITE_ENDPOINTS.map((e) => `${e.method} ${e.template}`)).toEqual([
      'POST /v2/orders',
      'DELETE /v2/orders',
    ]);
    expect(TRADING_ENDPOINTS.filter((e) => e.method !== 'GET')).toEqual(WRITE_ENDPOINTS);
    for (const list of [READ_ONLY_ENDPOINTS, TRADING_ENDPOINTS]) {
      expect(list.some((e) => /close_all|withdraw|leverage/.test(e.template) && e.method !== 'GET')).toBe(
        false,
      );
    }
  });

  it('resolves allowed paths and refuses everything else', () => {
    expect(TRADING_ALLOWLIST.resolve('GET', '/v2/orders/history').weight).toBe(10);
    expect(TRADING_ALLOWLIST.resolve('GET', '/v2/orders/123').template).toBe('/v2/orders/{id}');
    expect(TRADING_ALLOWLIST.resolve('POST', '/v2/orders').weight).toBe(5);
    expect(READ_ONLY_ALLOWLIST.resolve('GET', '/v2/users/trading_preferences').private).toBe(true);
    expect(() => READ_ONLY_ALLOWLIST.resolve('POST', '/v2/orders')).toThrow(DeltaNotAllowedError);
    expect(() => READ_ONLY_ALLOWLIST.resolve('DELETE', '/v2/orders')).toThrow(/read-only allowlist/);
    expect(() => TRADING_ALLOWLIST.resolve('POST', '/v2/positions/close_all')).toThrow(DeltaNotAllowedError);
    expect(() => TRADING_ALLOWLIST.resolve('POST', '/v2/products/27/orders/leverage')).toThrow(
      DeltaNotAllowedError,
    );
    expect(() => TRADING_ALLOWLIST.resolve('POST', '/v2/wallet/withdrawals')).toThrow(DeltaNotAllowedError);
    expect(() => TRADING_ALLOWLIST.resolve('PUT', '/v2/orders')).toThrow(DeltaNotAllowedError);
    expect(() => TRADING_ALLOWLIST.resolve('GET', '/v2/orders/../wallet/balances')).toThrow(
      DeltaNotAllowedError,
    );
    expect(() => TRADING_ALLOWLIST.resolve('GET', '/v2/orders/a/b')).toThrow(DeltaNotAllowedError);
  });
});

describe('a read-only client', () => {
  it('has no write method on its type', () => {
    const client = new DeltaReadClient({
      preset: 'paper',
      baseUrl: 'http://127.0.0.1:9',
      credentials: creds,
    });
    // Each line fails to compile if the method exists (tsc checks this file): the type has no writes.
    // @ts-expect-error no placeOrder on a read-only client
    expect(client.placeOrder).toBeUndefined();
    // @ts-expect-error no cancelOrder on a read-only client
    expect(client.cancelOrder).toBeUndefined();
    // @ts-expect-error no raw send on a read-only client
    expect(client.sendOnce).toBeUndefined();
    // @ts-expect-error the whole-position close is gone from every client
    expect(client.closePosition).toBeUndefined();
  });

  it('refuses a write even when the typed surface is bypassed, before any network I/O', async () => {
    const { state, fetch } = countingFetch();
    const client = new DeltaReadClient({
      preset: 'paper',
      baseUrl: 'http://127.0.0.1:9',
      credentials: creds,
      fetch,
      rateBudget: false,
    });
    for (const spec of [
      { method: 'POST', path: '/v2/orders', body: { product_id: 27, size: 1, side: 'buy' } },
      { method: 'DELETE', path: '/v2/orders', body: { id: 1, product_id: 27 } },
      { method: 'POST', path: '/v2/positions/close_all', body: {} },
    ] as RequestSpec[]) {
      await expect(rawSend(client, spec)).rejects.toThrow(DeltaNotAllowedError);
    }
    await expect(client.product('../wallet')).rejects.toThrow(DeltaNotAllowedError);
    await expect(client.getOrderByClientId('a/b')).rejects.toThrow(DeltaNotAllowedError);
    expect(state.calls).toBe(0);
    expect(client.allowlist).toBe(READ_ONLY_ALLOWLIST);
    await client.accountIdentity();
    expect(state.calls).toBe(1); // the spy is wired: an allowed read does reach it
  });
});

describe('the trading client', () => {
  it('places and cancels, and nothing else writes', async () => {
    const { state, fetch } = countingFetch();
    const client = new DeltaTradingClient({
      preset: 'paper',
      baseUrl: 'http://127.0.0.1:9',
      credentials: creds,
      fetch,
      rateBudget: false,
    });
    expect(typeof client.placeOrder).toBe('function');
    expect(typeof client.cancelOrder).toBe('function');
    // @ts-expect-error closeAll (POST /v2/positions/close_all) was removed: no app called it
    expect(client.closeAll).toBeUndefined();
    // @ts-expect-error setLeverage was removed: no app writes leverage
    expect(client.setLeverage).toBeUndefined();
    await expect(
      client.sendOnce({ method: 'POST', path: '/v2/positions/close_all', body: {} }),
    ).rejects.toThrow(DeltaNotAllowedError);
    await expect(
      client.sendOnce({ method: 'POST', path: '/v2/products/27/orders/leverage', body: { leverage: '5' } }),
    ).rejects.toThrow(DeltaNotAllowedError);
    expect(state.calls).toBe(0);
    // A trading client can stand in wherever a read-only one is expected (it reads the same way).
    const reader: DeltaReadClient = client;
    expect(reader.allowlist).toBe(TRADING_ALLOWLIST);
  });
});
