import { createTestDatabase, type TestDatabase } from '@delta/testing';
import ccxt from 'ccxt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPaperExchange, startPaperExchange } from '../src/index.ts';

let testDb: TestDatabase;
let px: RunningPaperExchange;
let exchange: InstanceType<typeof ccxt.delta>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  px = await startPaperExchange({ db: testDb.db });
  await px.setMarkPrice('BTCUSD', 60_000);
  const key = await px.createApiKey({ balance: 10_000 });
  exchange = new ccxt.delta({ apiKey: key.apiKey, secret: key.apiSecret, enableRateLimit: false });
  exchange.urls.api = { public: px.url, private: px.url };
});
afterAll(async () => {
  await px?.close();
  await testDb?.drop();
});

describe("CCXT's delta class against the paper exchange", () => {
  it('loads markets, fetches balance, creates/fetches/cancels a limit order, market order, positions', async () => {
    const markets = await exchange.loadMarkets();
    const btc = markets['BTC/USD:USD'];
    expect(btc).toBeDefined();
    expect(btc).toMatchObject({ id: 'BTCUSD', swap: true, linear: true, contractSize: 0.001 });

    const balance = await exchange.fetchBalance();
    expect((balance.total as unknown as Record<string, number>).USD).toBe(10_000);

    const limit = await exchange.createOrder('BTC/USD:USD', 'limit', 'buy', 2, 55_000, {
      clientOrderId: 'ccxt-limit-1',
    });
    expect(limit.status).toBe('open');
    expect(limit.clientOrderId).toBe('ccxt-limit-1');
    const fetched = await exchange.fetchOrder(String(limit.id), 'BTC/USD:USD');
    expect(fetched).toMatchObject({ id: limit.id, status: 'open', price: 55_000, amount: 2 });
    const open = await exchange.fetchOpenOrders('BTC/USD:USD');
    expect(open.map((o) => o.id)).toContain(limit.id);
    const cancelled = await exchange.cancelOrder(String(limit.id), 'BTC/USD:USD');
    expect(cancelled.status).toBe('canceled');

    const market = await exchange.createOrder('BTC/USD:USD', 'market', 'buy', 3);
    expect(market.status).toBe('closed');
    expect(market.filled).toBe(3);

    const positions = await exchange.fetchPositions();
    const pos = positions.find((p) => p.symbol === 'BTC/USD:USD');
    expect(pos).toMatchObject({ contracts: 3, side: 'buy' });

    const reduce = await exchange.createOrder('BTC/USD:USD', 'market', 'sell', 3, undefined, {
      reduceOnly: true,
    });
    expect(reduce.status).toBe('closed');
    expect(await exchange.fetchPositions()).toEqual([]);
  });

  it('reads market data: OHLCV (traded and mark), tickers and the order book', async () => {
    await exchange.loadMarkets();
    const since = Date.now() - 3 * 86_400_000;
    const hours = await exchange.fetchOHLCV('BTC/USD:USD', '1h', since, 24);
    expect(hours).toHaveLength(24);
    expect(hours[0]![0]).toBeGreaterThanOrEqual(since - 3_600_000);
    for (const [t, o, h, l, c, v] of hours) {
      expect(t! % 3_600_000).toBe(0);
      expect(h!).toBeGreaterThanOrEqual(Math.max(o!, c!));
      expect(l!).toBeLessThanOrEqual(Math.min(o!, c!));
      expect(v!).toBeGreaterThan(0);
    }
    const marks = await exchange.fetchOHLCV('BTC/USD:USD', '5m', undefined, 12, { price: 'mark' });
    expect(marks.length).toBeGreaterThanOrEqual(12);
    const index = await exchange.fetchOHLCV('BTC/USD:USD', '1d', undefined, 30, { price: 'index' });
    expect(index.length).toBeGreaterThanOrEqual(30);

    const ticker = await exchange.fetchTicker('BTC/USD:USD');
    expect(ticker).toMatchObject({ symbol: 'BTC/USD:USD', markPrice: 60_000 });
    expect(ticker.bid).toBeLessThan(ticker.ask!);
    const tickers = await exchange.fetchTickers();
    expect(Object.keys(tickers).sort()).toEqual(['BTC/USD:USD', 'ETH/USD:USD']);
    const book = await exchange.fetchOrderBook('BTC/USD:USD', 5);
    expect(book.bids).toHaveLength(5);
    expect(book.asks[0]![0]).toBeGreaterThan(book.bids[0]![0]!);
  });

  it('edits and cancels orders, and reads open and closed orders, trades, positions, the ledger and funding', async () => {
    await px.setMarkPrice('BTCUSD', 60_000);
    const limit = await exchange.createOrder('BTC/USD:USD', 'limit', 'buy', 2, 59_000, {
      clientOrderId: 'ccxt-edit-1',
    });
    const edited = await exchange.editOrder(String(limit.id), 'BTC/USD:USD', 'limit', 'buy', 3, 59_500);
    expect(edited).toMatchObject({ id: limit.id, price: 59_500, amount: 3, status: 'open' });
    const stop = await exchange.createOrder('BTC/USD:USD', 'market', 'sell', 1, undefined, {
      stop_order_type: 'stop_loss_order',
      stop_price: '58000',
    });
    expect(stop.status).toBe('open'); // Delta's "pending" (untriggered) is an open order to CCXT
    const open = await exchange.fetchOpenOrders('BTC/USD:USD');
    expect(open.map((o) => o.id).sort()).toEqual([limit.id, stop.id].sort());
    await exchange.cancelOrder(String(stop.id), 'BTC/USD:USD');
    const filled = await exchange.editOrder(String(limit.id), 'BTC/USD:USD', 'limit', 'buy', 3, 60_010);
    expect(filled.status).toBe('closed');

    const closed = await exchange.fetchClosedOrders('BTC/USD:USD', undefined, 10);
    expect(closed.map((o) => o.id)).toEqual(expect.arrayContaining([limit.id, stop.id]));
    expect(closed.find((o) => o.id === stop.id)!.status).toBe('canceled');
    const trades = await exchange.fetchMyTrades('BTC/USD:USD', undefined, 5);
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.find((t) => t.order === limit.id)).toMatchObject({ side: 'buy', amount: 3 });
    const [position] = await exchange.fetchPositions(['BTC/USD:USD']);
    expect(position).toMatchObject({ symbol: 'BTC/USD:USD', contracts: 3 });
    expect(['buy', 'long']).toContain(position!.side);
    expect(position!.liquidationPrice).toBeGreaterThan(0);
    const ledger = await exchange.fetchLedger('USD', undefined, 20);
    expect(ledger.map((l) => l.type)).toEqual(expect.arrayContaining(['fee']));
    expect(ledger.length).toBeGreaterThan(3);
    const funding = await exchange.fetchFundingRate('BTC/USD:USD');
    expect(funding.fundingRate).toBeCloseTo(0.0001, 6);
    await exchange.createOrder('BTC/USD:USD', 'market', 'sell', 3, undefined, { reduceOnly: true });
  });

  it("maps the exchange's error codes to CCXT's exceptions", async () => {
    await expect(exchange.createOrder('BTC/USD:USD', 'market', 'buy', 100_000)).rejects.toBeInstanceOf(
      ccxt.InsufficientFunds,
    );
  });
});
