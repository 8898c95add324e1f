import { createHmac } from 'node:crypto';
import { startPaperExchange } from '@delta/paper-exchange';
import { openDatabase } from '@delta/server-kit';
import type { BenchCase } from '../harness.ts';

/**
 * A 30-day candle query (`GET /v2/history/candles`, 1-hour candles = 720, aggregated from 43,200 one-minute
 * bars) next to an order-history page (`GET /v2/orders/history`, 50 orders, signed) on the same paper exchange:
 * the issue asks that the first answer in time comparable to the second. Also notes the cost of the 30-day
 * back-fill at start (it is regenerated from the seed every time the exchange starts).
 */
const bench: BenchCase = {
  name: 'paper-candles',
  description: '30-day candle query (720 × 1 h) vs an order-history page (50 orders), same paper exchange',
  async run(h) {
    const db = await openDatabase({});
    const t0 = performance.now();
    const px = await startPaperExchange({
      db,
      rateLimit: { unitsPerWindow: 100_000_000, windowMs: 300_000 },
    });
    h.note(
      `startPaperExchange on a fresh embedded database (migrations + 30-day back-fill of 2 products): ${(performance.now() - t0).toFixed(0)} ms`,
    );
    try {
      const t1 = performance.now();
      await px.close();
      const restarted = await startPaperExchange({
        db,
        rateLimit: { unitsPerWindow: 100_000_000, windowMs: 300_000 },
      });
      h.note(
        `restart on the same database (history regenerated, no rows read back but live bars): ${(performance.now() - t1).toFixed(0)} ms`,
      );
      const key = await restarted.createApiKey({ balance: 1_000_000_000 });
      const sign = (path: string) => {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = createHmac('sha256', key.apiSecret).update(`GET${timestamp}${path}`).digest('hex');
        return { 'api-key': key.apiKey, timestamp, signature, 'User-Agent': 'bench' };
      };
      for (let i = 0; i < 120; i++) {
        const body = JSON.stringify({
          product_id: 27,
          size: 1,
          side: i % 2 ? 'sell' : 'buy',
          order_type: 'market_order',
        });
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = createHmac('sha256', key.apiSecret)
          .update(`POST${timestamp}/v2/orders${body}`)
          .digest('hex');
        await fetch(`${restarted.url}/v2/orders`, {
          method: 'POST',
          headers: {
            'api-key': key.apiKey,
            timestamp,
            signature,
            'User-Agent': 'bench',
            'Content-Type': 'application/json',
          },
          body,
        });
      }
      const end = Math.floor(Date.now() / 1000);
      const candlesUrl = `${restarted.url}/v2/history/candles?resolution=1h&symbol=BTCUSD&start=${end - 30 * 86_400}&end=${end}`;
      const candles = async () => {
        const r = await fetch(candlesUrl, { headers: { 'User-Agent': 'bench' } });
        const j = (await r.json()) as { result: unknown[] };
        if (j.result.length < 720) throw new Error('short answer');
      };
      const historyPath = '/v2/orders/history?page_size=50';
      const history = async () => {
        const r = await fetch(`${restarted.url}${historyPath}`, { headers: sign(historyPath) });
        const j = (await r.json()) as { result: unknown[] };
        if (j.result.length !== 50) throw new Error('short page');
      };
      const options = { concurrency: 4, operations: 600 };
      const subject = await h.measure('30-day candles (720 × 1h)', options, candles);
      const baseline = await h.measure('order-history page (50)', options, history);
      h.compare(subject, baseline, {
        text: 'comparable: p50 within 2× of the order-history page',
        met: (c) => c.p50_ratio <= 2,
      });
      await restarted.close();
    } finally {
      await db.close();
    }
  },
};

export default bench;
