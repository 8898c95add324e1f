import { createLogger } from '@delta/server-kit';
import { LogCapture } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaError, DeltaTradingClient } from '../src/index.ts';
import { clientOrderId, type Harness, startHarness } from './support.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const CANARY_SECRET = 'CANARY-SECRET-7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c1e';
const CANARY_KEY = 'CANARYKEY-0123456789abcdef';

describe('no secret in logs or errors', () => {
  it('logs every request at debug with a correlation id and a masked key, and leaks nothing', async () => {
    await h.px.createApiKey({ apiKey: CANARY_KEY, apiSecret: CANARY_SECRET, balance: 20 });
    const capture = new LogCapture();
    const logger = createLogger({ service: 'delta-client-test', level: 'debug', destination: capture });
    const sentSignatures: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      const sig = headers.get('signature');
      if (sig) sentSignatures.push(sig);
      return fetch(input, init);
    };
    const client = new DeltaTradingClient({
      preset: 'paper',
      baseUrl: h.px.url,
      credentials: { apiKey: CANARY_KEY, apiSecret: CANARY_SECRET },
      logger,
      fetch: recordingFetch,
      rateBudget: false,
      timeoutMs: 300,
      orderLookup: { maxResolveMs: 600, baseDelayMs: 20, maxResends: 0 },
    });
    const errors: unknown[] = [];
    await client.profile({ correlationId: 'corr-canary-1' });
    // insufficient margin, a 5xx with an unknown outcome, and a wrong secret
    await client
      .placeOrder({
        product_id: 27,
        size: 5000,
        side: 'buy',
        order_type: 'market_order',
        client_order_id: clientOrderId(),
      })
      .catch((e: unknown) => errors.push(e));
    h.px.injectFault({ mode: '5xx', count: 5 });
    await client
      .placeOrder({
        product_id: 27,
        size: 1,
        side: 'buy',
        order_type: 'market_order',
        client_order_id: clientOrderId(),
      })
      .catch((e: unknown) => errors.push(e));
    h.px.clearFaults();
    const wrong = new DeltaTradingClient({
      preset: 'paper',
      baseUrl: h.px.url,
      credentials: { apiKey: CANARY_KEY, apiSecret: `${CANARY_SECRET}-wrong` },
      logger,
      rateBudget: false,
    });
    await wrong.balances().catch((e: unknown) => errors.push(e));

    expect(errors).toHaveLength(3);
    expect(errors.every((e) => e instanceof DeltaError)).toBe(true);
    expect(sentSignatures.length).toBeGreaterThan(2);

    const logs = capture.text();
    const lines = capture.parsed();
    expect(lines.some((l) => l.correlation_id === 'corr-canary-1' && l.api_key_masked === 'CANA****')).toBe(
      true,
    );
    const errorText = errors
      .map((e) => {
        const err = e as DeltaError;
        return `${err.message}\n${err.stack}\n${JSON.stringify(err)}\n${JSON.stringify(err.context)}\n${String(err.cause)}`;
      })
      .join('\n');
    for (const text of [logs, errorText]) {
      expect(text).not.toContain(CANARY_SECRET);
      expect(text).not.toContain(CANARY_KEY);
      for (const sig of sentSignatures) expect(text).not.toContain(sig);
    }
  });
});
