import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultInput } from '@delta/paper-exchange';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DeltaOutcomeUnknownError, DeltaRateLimitedError, type DeltaTradingClient } from '../src/index.ts';
import { clientFor, clientOrderId, type Harness, startHarness } from './support.ts';

let h: Harness;
let client: DeltaTradingClient;
let userId: number;

beforeAll(async () => {
  h = await startHarness();
  const c = await clientFor(h.px, {
    balance: 1_000_000,
    timeoutMs: 400,
    orderLookup: { baseDelayMs: 50, maxResolveMs: 4_000, maxResends: 2 },
    retryBaseMs: 20,
  });
  client = c.client;
  userId = c.key.userId;
});
afterEach(() => h.px.clearFaults());
afterAll(() => h?.close());

const order = (cid: string) => ({
  product_id: 27,
  size: 1,
  side: 'buy' as const,
  order_type: 'market_order' as const,
  client_order_id: cid,
});

async function placeUnder(fault: FaultInput, settleMs = 0) {
  const cid = clientOrderId('fault');
  h.px.injectFault(fault);
  const placed = await client.placeOrder(order(cid));
  // A held-back original request may still land after the client returned: let it, then count.
  if (settleMs) await sleep(settleMs);
  const atExchange = await h.px.ordersByClientId(cid, userId);
  return { cid, placed, atExchange };
}

describe('exactly one order per client id under every fault mode', () => {
  // The exchange does NOT refuse a duplicate client id here: a second send would be a second order.
  beforeAll(() => {
    h.px.exchange.uniqueClientOrderIds = false;
  });
  afterAll(() => {
    h.px.exchange.uniqueClientOrderIds = true;
  });
  const cases: [string, FaultInput, number][] = [
    ['latency beyond the client timeout (found by lookup)', { mode: 'latency', latency_ms: 1_000 }, 1_200],
    [
      'a send held past the signature window is found when the exchange processes it, never sent twice',
      { mode: 'latency', latency_ms: 2_500 },
      2_700,
    ],
    ['5xx after processing (found by lookup)', { mode: '5xx', status: 500, after_accept: true }, 0],
    ['429 (waits for X-RATE-LIMIT-RESET, resent)', { mode: '429', reset_ms: 150 }, 0],
    ['accept then drop the connection (found by lookup)', { mode: 'drop' }, 0],
  ];
  for (const [name, fault, settle] of cases) {
    it(name, async () => {
      const { cid, placed, atExchange } = await placeUnder(fault, settle);
      expect(atExchange).toHaveLength(1);
      expect(placed.client_order_id).toBe(cid);
      expect(placed.id).toBe(atExchange[0]!.id);
      expect(placed.state).toBe('closed');
    });
  }

  it('keeps resolving when the look-ups themselves fail', async () => {
    h.px.injectFault({
      mode: '5xx',
      method: 'GET',
      path: '/v2/orders/client_order_id/:client_oid',
      count: 2,
    });
    const { placed, atExchange } = await placeUnder({ mode: 'drop' });
    expect(atExchange).toHaveLength(1);
    expect(placed.id).toBe(atExchange[0]!.id);
  });

  it('a 5xx before processing is an unknown outcome: looked up, never sent again', async () => {
    const cid = clientOrderId('once');
    h.px.injectFault({ mode: '5xx', status: 503 });
    const err = await client.placeOrder(order(cid)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeltaOutcomeUnknownError);
    // One POST reached the exchange (the fault took it) and nothing else was sent: no order, no fault left.
    expect(h.px.exchange.faults.list()).toHaveLength(0);
    expect(await h.px.ordersByClientId(cid, userId)).toHaveLength(0);
  });

  it('gives a typed error, and no order exists, when every attempt fails before processing', async () => {
    const cid = clientOrderId('down');
    h.px.injectFault({ mode: '5xx', count: 10 });
    const err = await client.placeOrder(order(cid)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeltaOutcomeUnknownError);
    expect((err as DeltaOutcomeUnknownError).clientOrderId).toBe(cid);
    expect(await h.px.ordersByClientId(cid, userId)).toHaveLength(0);
  });

  it('gives a rate-limit error, and no order exists, when 429 persists', async () => {
    const cid = clientOrderId('busy');
    h.px.injectFault({ mode: '429', count: 10, reset_ms: 50 });
    await expect(client.placeOrder(order(cid))).rejects.toBeInstanceOf(DeltaRateLimitedError);
    expect(await h.px.ordersByClientId(cid, userId)).toHaveLength(0);
  });

  it('waits out several 429 windows in a row (other users of the key take the window again) inside its budget', async () => {
    const { client: patient, key } = await clientFor(h.px, {
      balance: 1_000_000,
      orderLookup: { maxResends: 8, maxRateLimitTotalMs: 2_000 },
    });
    const cid = clientOrderId('patient');
    h.px.injectFault({ mode: '429', count: 5, reset_ms: 40 });
    const placed = await patient.placeOrder(order(cid));
    expect(placed.client_order_id).toBe(cid);
    expect(await h.px.ordersByClientId(cid, key.userId)).toHaveLength(1);
  });

  it('refuses at once, sending nothing more, when the window resets later than its budget', async () => {
    const { client: patient, key } = await clientFor(h.px, {
      balance: 1_000_000,
      orderLookup: { maxResends: 8, maxRateLimitTotalMs: 2_000 },
    });
    // Two long windows: each placement meets exactly one (had either been resent, the second would meet none).
    h.px.injectFault({ mode: '429', count: 2, reset_ms: 60_000 });
    const first = clientOrderId('late-a');
    const second = clientOrderId('late-b');
    const e1 = await patient.placeOrder(order(first)).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(DeltaRateLimitedError);
    expect((e1 as DeltaRateLimitedError).resetMs).toBe(60_000);
    await expect(patient.placeOrder(order(second))).rejects.toBeInstanceOf(DeltaRateLimitedError);
    const third = clientOrderId('late-c');
    await patient.placeOrder(order(third));
    expect(await h.px.ordersByClientId(first, key.userId)).toHaveLength(0);
    expect(await h.px.ordersByClientId(second, key.userId)).toHaveLength(0);
    expect(await h.px.ordersByClientId(third, key.userId)).toHaveLength(1);
  });

  it('concurrent duplicates of one placement make one order where the exchange refuses duplicate ids', async () => {
    // Plant never sends two (its execution row is unique per approval); this is the exchange's own guard.
    h.px.exchange.uniqueClientOrderIds = true;
    onTestFinished(() => {
      h.px.exchange.uniqueClientOrderIds = false;
    });
    const cid = clientOrderId('race');
    const results = await Promise.all([client.placeOrder(order(cid)), client.placeOrder(order(cid))]);
    expect(results[0].id).toBe(results[1].id);
    expect(await h.px.ordersByClientId(cid, userId)).toHaveLength(1);
  });
});
