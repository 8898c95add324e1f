import { createHmac } from 'node:crypto';
import { DeltaTradingClient } from '@delta/delta-client';
import { startPaperExchange } from '@delta/paper-exchange';
import { openDatabase } from '@delta/server-kit';
import ccxt from 'ccxt';
import type { BenchCase, Measurement } from '../harness.ts';

interface Subject {
  label: string;
  op: () => Promise<unknown>;
  latencies: number[];
  elapsedMs: number;
  errors: number;
}

async function runRound(s: Subject, operations: number, concurrency: number) {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < operations) {
      next++;
      const start = performance.now();
      try {
        await s.op();
      } catch {
        s.errors++;
      }
      s.latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  s.elapsedMs += performance.now() - t0;
}

function toMeasurement(s: Subject, concurrency: number): Measurement {
  const sorted = [...s.latencies].sort((a, b) => a - b);
  const pick = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return {
    label: s.label,
    concurrency,
    operations: sorted.length,
    errors: s.errors,
    p50_ms: pick(50),
    p99_ms: pick(99),
    throughput_per_s: sorted.length / (s.elapsedMs / 1000),
  };
}

/**
 * Place-order latency and throughput of our Delta client against the same in-process paper exchange (PGlite),
 * next to a bare signed fetch (the floor: no validation, no budget, no parsing) and CCXT's createOrder.
 * Orders alternate buy/sell so the position stays small; every request carries a fresh client_order_id.
 */
const bench: BenchCase = {
  name: 'delta-client',
  description:
    'DeltaTradingClient.placeOrder vs a bare signed fetch vs CCXT createOrder, same paper exchange',
  async run(h) {
    const db = await openDatabase({});
    const px = await startPaperExchange({
      db,
      rateLimit: { unitsPerWindow: 100_000_000, windowMs: 300_000 },
    });
    try {
      await px.setMarkPrice('BTCUSD', 60_000);
      const key = await px.createApiKey({ balance: 1_000_000_000 });
      let seq = 0;
      const nextId = (p: string) => `${p}-${(seq++).toString(36)}`;
      const side = () => (seq % 2 === 0 ? 'buy' : 'sell');

      const bare = async () => {
        const body = JSON.stringify({
          product_id: 27,
          size: 1,
          side: side(),
          order_type: 'market_order',
          client_order_id: nextId('bare'),
        });
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = createHmac('sha256', key.apiSecret)
          .update(`POST${timestamp}/v2/orders${body}`)
          .digest('hex');
        const res = await fetch(`${px.url}/v2/orders`, {
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
        const json = (await res.json()) as { success: boolean };
        if (!json.success) throw new Error('order refused');
      };

      const client = new DeltaTradingClient({
        preset: 'paper',
        baseUrl: px.url,
        credentials: { apiKey: key.apiKey, apiSecret: key.apiSecret },
        // The default budget (9,000 units / 5 min) would throttle a benchmark by design.
        rateBudget: { unitsPerWindow: 100_000_000, windowMs: 300_000 },
      });
      const ours = () =>
        client.placeOrder({
          product_id: 27,
          size: 1,
          side: side(),
          order_type: 'market_order',
          client_order_id: nextId('ours'),
        });

      const cx = new ccxt.delta({ apiKey: key.apiKey, secret: key.apiSecret, enableRateLimit: false });
      cx.urls.api = { public: px.url, private: px.url };
      await cx.loadMarkets();
      const viaCcxt = () =>
        cx.createOrder('BTC/USD:USD', 'market', side(), 1, undefined, { clientOrderId: nextId('ccxt') });

      // The exchange (PGlite) dominates each call and this machine is shared, so the three subjects run in short
      // interleaved rounds (rotating who goes first) and their latencies are pooled: drift hits all alike.
      for (const concurrency of [1, 8]) {
        const subjects: Subject[] = [
          { label: `bare signed fetch c=${concurrency}`, op: bare, latencies: [], elapsedMs: 0, errors: 0 },
          {
            label: `DeltaTradingClient.placeOrder c=${concurrency}`,
            op: ours,
            latencies: [],
            elapsedMs: 0,
            errors: 0,
          },
          { label: `ccxt createOrder c=${concurrency}`, op: viaCcxt, latencies: [], elapsedMs: 0, errors: 0 },
        ];
        for (const s of subjects) await runRound({ ...s, latencies: [] }, 30, concurrency); // warm-up
        const rounds = 8;
        const perRound = concurrency === 1 ? 40 : 80;
        for (let r = 0; r < rounds; r++) {
          for (let k = 0; k < subjects.length; k++)
            await runRound(subjects[(r + k) % subjects.length]!, perRound, concurrency);
        }
        const [b, o, c] = subjects.map((s) => toMeasurement(s, concurrency)) as [
          Measurement,
          Measurement,
          Measurement,
        ];
        for (const m of [b, o, c]) {
          h.note(
            `${m.label}: n=${m.operations}, p50 ${m.p50_ms.toFixed(2)} ms, p99 ${m.p99_ms.toFixed(2)} ms, ${m.throughput_per_s.toFixed(0)}/s${m.errors ? `, ${m.errors} errors` : ''}`,
          );
        }
        h.compare(o, b, { text: 'p50 ≤ 1.2× bare fetch', met: (x) => x.p50_ratio <= 1.2 });
        h.compare(o, c, { text: 'faster than CCXT (p50)', met: (x) => x.p50_ratio < 1 });
      }
      h.note('CCXT runs with enableRateLimit: false so its own throttle does not dominate the comparison.');
    } finally {
      await px.close();
      await db.close();
    }
  },
};

export default bench;
