import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPaperExchange, startPaperExchange } from '../src/index.ts';
import { admin, eventually, type Key, rawCall } from './http.ts';

let testDb: TestDatabase;
let px: RunningPaperExchange;

beforeAll(async () => {
  testDb = await createTestDatabase();
  px = await startPaperExchange({ db: testDb.db });
});
afterAll(async () => {
  await px?.close();
  await testDb?.drop();
});

type Row = Record<string, unknown>;
const get = async (key: Key, path: string, query = '') => {
  const r = await rawCall(px.url, key, { method: 'GET', path, query });
  expect(r.status, r.text).toBe(200);
  return r.json as { result: Row[] & Row; meta: Row };
};
const order = async (key: Key, body: Row) => {
  const r = await rawCall(px.url, key, { method: 'POST', path: '/v2/orders', body: JSON.stringify(body) });
  expect(r.status, r.text).toBe(200);
  return (r.json as { result: Row }).result;
};
const leverage = (key: Key, product: number, value: number) =>
  rawCall(px.url, key, {
    method: 'POST',
    path: `/v2/products/${product}/orders/leverage`,
    body: JSON.stringify({ leverage: value }),
  });
const n = (v: unknown) => Number(v);
const sum = (rows: Row[], field: string) => rows.reduce((a, r) => a + n(r[field]), 0);

/**
 * Every unit of the wallet is accounted for: the balance is the sum of the ledger, each ledger row carries the
 * balance after it, and the fills' realized PnL and commission are exactly the cashflow and commission rows.
 */
async function reconcile(key: Key) {
  const wallet = (await get(key, '/v2/wallet/balances')).result[0]!;
  const txs = (await get(key, '/v2/wallet/transactions', '?page_size=50')).result as Row[];
  const fills = (await get(key, '/v2/fills', '?page_size=50')).result as Row[];
  expect(txs.length).toBeLessThan(50);
  expect(n(wallet.balance)).toBeCloseTo(sum(txs, 'amount'), 8);
  expect(n(txs[0]!.balance)).toBeCloseTo(n(wallet.balance), 8); // newest first
  const oldestFirst = [...txs].reverse();
  let running = 0;
  for (const t of oldestFirst) {
    running += n(t.amount);
    expect(n(t.balance)).toBeCloseTo(running, 8);
  }
  const of = (type: string) => txs.filter((t) => t.transaction_type === type);
  expect(sum(of('cashflow'), 'amount')).toBeCloseTo(sum(fills, 'realized_pnl'), 8);
  expect(-sum(of('commission'), 'amount')).toBeCloseTo(sum(fills, 'commission'), 8);
  expect(n(wallet.commission)).toBeCloseTo(sum(fills, 'commission'), 8);
  return { wallet, txs, fills, of };
}

describe('funding', () => {
  it('is exchanged between longs and shorts, booked to wallets, positions and the ledger — to the unit', async () => {
    const long = await px.createApiKey({ balance: 10_000 });
    const short = await px.createApiKey({ balance: 10_000 });
    await px.setMarkPrice('BTCUSD', 60_000, 59_990);
    await order(long, { product_id: 27, size: 10, side: 'buy', order_type: 'market_order' });
    await order(short, { product_id: 27, size: 4, side: 'sell', order_type: 'market_order' });

    const first = await admin(px.url, 'POST', '/funding', { product: 'BTCUSD', rate: '0.01' });
    expect(first.status).toBe(200);
    expect(first.json.exchanged).toEqual([{ product_id: 27, rate: 0.01, paid: 2 }]);
    // The premium jumps to 0.2 %: the rate becomes premium + clamp(0.01 % − premium, ±0.05 %).
    await px.setMarkPrice('BTCUSD', 60_000, 59_880.24);
    const second = await admin(px.url, 'POST', '/funding', { product: 'BTCUSD' });
    const rate = (second.json.exchanged as { rate: number }[])[0]!.rate;
    expect(rate).toBeGreaterThan(0.01);
    expect(rate).toBeLessThanOrEqual(0.2 - 0.05 + 1e-9);

    for (const [key, size] of [
      [long, 10],
      [short, -4],
    ] as const) {
      const { of } = await reconcile(key);
      const funding = of('funding');
      expect(funding.map((t) => n(t.amount))).toEqual([
        expect.closeTo((-size * 0.001 * 60_000 * rate) / 100, 7),
        expect.closeTo((-size * 0.001 * 60_000 * 0.01) / 100, 7),
      ]);
      expect(funding[1]!.meta_data).toMatchObject({
        funding_rate: '0.01',
        mark_price: '60000',
        position_size: size,
      });
      expect(funding[0]!.product_id).toBe(27);
      const [pos] = (await get(key, '/v2/positions/margined')).result as Row[];
      expect(n(pos!.realized_funding)).toBeCloseTo(sum(funding, 'amount'), 7);
      expect(n(pos!.realized_funding) * Math.sign(size)).toBeLessThan(0); // longs pay a positive rate
    }
    // Funding is not a fill: nothing new on the fills list.
    expect(((await get(long, '/v2/fills')).result as Row[]).every((f) => f.fill_type === 'normal')).toBe(
      true,
    );
  });

  it('runs on its schedule (every interval, here shortened) and the ticker shows the rate', async () => {
    const db = await createTestDatabase();
    const quick = await startPaperExchange({ db: db.db, fundingIntervalMs: 300 });
    try {
      const key = await quick.createApiKey({ balance: 5_000 });
      await quick.setMarkPrice('ETHUSD', 3_000, 2_999.7);
      const r = await rawCall(quick.url, key, {
        method: 'POST',
        path: '/v2/orders',
        body: JSON.stringify({ product_symbol: 'ETHUSD', size: 3, side: 'sell', order_type: 'market_order' }),
      });
      expect(r.status).toBe(200);
      const paid = await eventually(async () => {
        const t = await rawCall(quick.url, key, { method: 'GET', path: '/v2/wallet/transactions' });
        const rows = (t.json as { result: Row[] }).result.filter((x) => x.transaction_type === 'funding');
        return rows.length > 0 ? rows : undefined;
      });
      expect(n(paid[0]!.amount)).toBeGreaterThan(0); // a short receives a positive rate
      const market = await admin(quick.url, 'GET', '/market');
      expect(market.json.funding_interval_ms).toBe(300);
    } finally {
      await quick.close();
      await db.drop();
    }
  });
});

describe('liquidation (isolated margin)', () => {
  it('shows liquidation and bankruptcy prices, and liquidates at the bankruptcy price when the mark crosses', async () => {
    const key = await px.createApiKey({ balance: 1_000 });
    await px.setMarkPrice('BTCUSD', 60_000, 59_990);
    expect((await leverage(key, 27, 20)).status).toBe(200);
    const entry = await order(key, { product_id: 27, size: 10, side: 'buy', order_type: 'market_order' });
    const e = n(entry.average_fill_price);
    const tp = await order(key, {
      product_id: 27,
      size: 10,
      side: 'sell',
      order_type: 'limit_order',
      limit_price: '61000',
      reduce_only: true,
    });
    const [pos] = (await get(key, '/v2/positions/margined')).result as Row[];
    const margin = (10 * 0.001 * e) / 20;
    expect(n(pos!.margin)).toBeCloseTo(margin, 8);
    expect(n(pos!.liquidation_price)).toBeCloseTo(e * (1 - 0.05 + 0.0025), 6);
    expect(n(pos!.bankruptcy_price)).toBeCloseTo(e * 0.95, 6);

    await px.setMarkPrice('BTCUSD', Math.ceil(n(pos!.liquidation_price)) + 50);
    expect(((await get(key, '/v2/positions', '?product_id=27')).result as Row).size).toBe(10);
    await px.setMarkPrice('BTCUSD', Math.floor(n(pos!.liquidation_price)) - 50);
    expect(((await get(key, '/v2/positions', '?product_id=27')).result as Row).size).toBe(0);
    expect((await get(key, '/v2/positions/margined')).result).toEqual([]);

    const { wallet, fills, of } = await reconcile(key);
    const liq = fills.find((f) => f.fill_type === 'liquidation')!;
    expect(liq).toMatchObject({ side: 'sell', size: 10, role: 'taker', commission: '0' });
    expect(n(liq.price)).toBeCloseTo(e * 0.95, 6);
    expect(n(liq.realized_pnl)).toBeCloseTo(-margin, 6); // the loss is the margin, no more
    const entryCommission = 10 * 0.001 * e * 0.0005;
    expect(n(wallet.balance)).toBeCloseTo(1_000 - entryCommission - margin, 6);
    expect(of('deposit').map((t) => t.amount)).toEqual(['1000']);
    const history = (await get(key, '/v2/orders/history')).result as Row[];
    expect(history.find((o) => o.id === tp.id)).toMatchObject({
      state: 'cancelled',
      cancellation_reason: 'liquidation',
    });
    expect(history.find((o) => (o.meta_data as Row).source === 'liquidation')).toMatchObject({
      state: 'closed',
      side: 'sell',
      size: 10,
      reduce_only: true,
    });
  });

  it('liquidates a short when the mark rises through its liquidation price (a scripted path)', async () => {
    const key = await px.createApiKey({ balance: 1_000 });
    await px.setMarkPrice('ETHUSD', 3_000);
    expect((await leverage(key, 3136, 50)).status).toBe(200);
    await order(key, { product_id: 3136, size: 100, side: 'sell', order_type: 'market_order' });
    const [pos] = (await get(key, '/v2/positions/margined')).result as Row[];
    const liq = n(pos!.liquidation_price);
    expect(liq).toBeGreaterThan(3_000);
    const r = await admin(px.url, 'POST', '/market/path', { product: 'ETHUSD', to: liq * 1.01, over_s: 0.3 });
    expect(r.status).toBe(202);
    await eventually(async () => {
      const p = (await get(key, '/v2/positions', '?product_id=3136')).result as Row;
      return p.size === 0 ? true : undefined;
    });
    const { wallet, fills } = await reconcile(key);
    const margin = n(pos!.margin);
    expect(n(fills.find((f) => f.fill_type === 'liquidation')!.realized_pnl)).toBeCloseTo(-margin, 6);
    expect(n(wallet.balance)).toBeCloseTo(1_000 - sum(fills, 'commission') - margin, 6);
  });
});
