import { createTestDatabase, type TestDatabase } from '@delta/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPaperExchange, startPaperExchange } from '../src/index.ts';
import { admin, publicGet } from './http.ts';

interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

// One anchor for the three markets, a little in the past (a past further than an hour would be filled as a gap).
const ANCHOR = Math.floor(Date.now() / 600_000) * 600_000;
const nowSec = () => Math.floor(Date.now() / 1000);

let dbs: TestDatabase[] = [];
let a: RunningPaperExchange;
let b: RunningPaperExchange;
let c: RunningPaperExchange;
let live: RunningPaperExchange;

async function exchange(seed: number) {
  const db = await createTestDatabase();
  dbs.push(db);
  return startPaperExchange({ db: db.db, seed, historyAnchorMs: ANCHOR });
}

beforeAll(async () => {
  a = await exchange(7);
  b = await exchange(7);
  c = await exchange(8);
  live = await exchange(9);
});
afterAll(async () => {
  for (const x of [a, b, c, live]) await x?.close();
  for (const db of dbs) await db.drop();
  dbs = [];
});

const candles = async (
  px: RunningPaperExchange,
  symbol: string,
  resolution: string,
  start: number,
  end: number,
) => {
  const r = await publicGet<Candle[]>(
    px.url,
    '/v2/history/candles',
    `?resolution=${resolution}&symbol=${encodeURIComponent(symbol)}&start=${start}&end=${end}`,
  );
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.result;
};

describe('a seeded market', () => {
  it('is reproducible: same seed, same 30-day history and the same live path; another seed differs', async () => {
    const end = ANCHOR / 1000;
    const start = end - 30 * 86_400;
    for (const symbol of ['BTCUSD', 'MARK:ETHUSD', '.DEXBTUSD']) {
      const x = await candles(a, symbol, '1h', start, end);
      expect(x.length).toBeGreaterThanOrEqual(30 * 24);
      expect(await candles(b, symbol, '1h', start, end)).toEqual(x);
      expect(await candles(c, symbol, '1h', start, end)).not.toEqual(x);
    }
    const stepA = await admin(a.url, 'POST', '/market/step', { steps: 50, dt_ms: 1000 });
    const stepB = await admin(b.url, 'POST', '/market/step', { steps: 50, dt_ms: 1000 });
    const stepC = await admin(c.url, 'POST', '/market/step', { steps: 50, dt_ms: 1000 });
    expect(stepA.status).toBe(200);
    // Prices only: the funding rate is a time-weighted average, it depends on when the steps ran.
    const prices = (r: typeof stepA) =>
      (r.json.marks as { mark_price: string; spot_price: string }[]).map((m) => [m.mark_price, m.spot_price]);
    expect(prices(stepA)).toEqual(prices(stepB));
    expect(prices(stepA)).not.toEqual(prices(stepC));
  });

  it('leads its history to the start price, and looks like a market (moves, no flat line, bounded days)', async () => {
    const end = ANCHOR / 1000;
    const days = await candles(a, 'MARK:BTCUSD', '1d', end - 30 * 86_400, end - 1);
    expect(days.length).toBeGreaterThanOrEqual(30);
    const last = await candles(a, 'MARK:BTCUSD', '1m', end - 60, end - 60);
    expect(last).toHaveLength(1);
    expect(last[0]!.close).toBe(60_000); // the history ends at the mark of the first start
    const ranges = days.map((d) => (d.high - d.low) / d.open);
    expect(Math.max(...ranges)).toBeGreaterThan(0.01);
    expect(Math.max(...ranges)).toBeLessThan(0.4);
    const minutes = await candles(a, 'BTCUSD', '1m', end - 6 * 3_600, end - 1);
    expect(new Set(minutes.map((m) => m.close)).size).toBeGreaterThan(100);
    expect(minutes.every((m) => m.volume > 0 && m.low <= m.open && m.open <= m.high)).toBe(true);
  });

  it('aggregates every resolution from its 1-minute bars (open first, close last, extremes, summed volume)', async () => {
    const end = ANCHOR / 1000 - 1;
    const start = end + 1 - 6 * 3_600;
    const ones = await candles(a, 'BTCUSD', '1m', start, end);
    for (const [res, sec] of [
      ['5m', 300],
      ['15m', 900],
      ['1h', 3_600],
      ['2h', 7_200],
    ] as const) {
      // A candle is a whole bucket: compare those lying entirely within the minutes asked for.
      const whole = (x: Candle) => x.time >= start && x.time + sec - 1 <= end;
      for (const k of (await candles(a, 'BTCUSD', res, start, end)).filter(whole)) {
        const inside = ones.filter((m) => m.time >= k.time && m.time < k.time + sec);
        expect(inside.length, `${res} ${k.time}`).toBeGreaterThan(0);
        expect(k.open).toBe(inside[0]!.open);
        expect(k.close).toBe(inside.at(-1)!.close);
        expect(k.high).toBe(Math.max(...inside.map((m) => m.high)));
        expect(k.low).toBe(Math.min(...inside.map((m) => m.low)));
        expect(k.volume).toBe(inside.reduce((s, m) => s + m.volume, 0));
      }
    }
  });
});

describe('live ticks and the candles over them', () => {
  it('1-minute mark candles agree with the ticks they aggregate', async () => {
    // A market nobody else moves, so every move in these minutes is one of the ticks below.
    const start = await publicGet<{ mark_price: string }>(live.url, '/v2/tickers/ETHUSD');
    let prev = Number(start.body.result.mark_price);
    const ticks: { price: number; minute: number; before: number }[] = [];
    for (const price of [3010, 3025.5, 2990, 3001.05, 3040, 2985.5, 3000]) {
      const r = await admin(live.url, 'POST', '/mark-price', { product: 'ETHUSD', price });
      const t = Number(r.json.timestamp);
      ticks.push({ price, minute: Math.floor(t / 60_000_000) * 60, before: prev });
      prev = price;
    }
    const minutes = [...new Set(ticks.map((t) => t.minute))];
    const got = await candles(live, 'MARK:ETHUSD', '1m', minutes[0]!, minutes.at(-1)!);
    for (const m of minutes) {
      const inMinute = ticks.filter((t) => t.minute === m);
      const open = inMinute[0]!.before;
      const prices = [open, ...inMinute.map((t) => t.price)];
      expect(got.find((k) => k.time === m)).toEqual({
        time: m,
        open,
        high: Math.max(...prices),
        low: Math.min(...prices),
        close: inMinute.at(-1)!.price,
        volume: 0,
      });
    }
  });

  it('24 h ticker statistics are the last 1440 one-minute trade candles', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const t0 = nowSec();
      const ticker = await publicGet<Record<string, unknown>>(a.url, '/v2/tickers/BTCUSD');
      const ones = await candles(a, 'BTCUSD', '1m', t0 - 1_439 * 60, t0);
      if (nowSec() - (nowSec() % 60) !== t0 - (t0 % 60)) continue; // a minute boundary passed: look again
      const day = ones.filter((m) => m.time > t0 - 1_440 * 60);
      const t = ticker.body.result;
      expect(t.open).toBe(day[0]!.open);
      expect(t.close).toBe(day.at(-1)!.close);
      expect(t.high).toBe(Math.max(...day.map((m) => m.high)));
      expect(t.low).toBe(Math.min(...day.map((m) => m.low)));
      expect(t.volume).toBe(day.reduce((s, m) => s + m.volume, 0));
      return;
    }
    throw new Error('three minute boundaries in a row');
  });
});
