import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { startPaperExchange } from '@delta/paper-exchange';
import { openDatabase } from '@delta/server-kit';
import { WebSocketServer } from 'ws';
import type { BenchCase, Measurement } from '../harness.ts';

const SUBSCRIBERS = 200;
const TICK_MS = 50;
const MEASURE_MS = 6_000;
const WARMUP_MS = 1_500;

/**
 * The subscribers live in a worker thread (the second core), so the server's event loop is not also the
 * clients'. Each message carries its creation time (`ts`, µs); the worker records now − ts for every message
 * received while measuring. Plain JavaScript evaluated in the worker: no TypeScript loader there.
 */
const CLIENTS = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require('ws');
const { url, count, subscribe } = workerData;
const lat = [];
let measuring = false;
let received = 0;
let open = 0;
const sockets = [];
for (let i = 0; i < count; i++) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  sockets.push(ws);
  ws.on('open', () => {
    if (subscribe) ws.send(JSON.stringify(subscribe));
    if (++open === count) parentPort.postMessage({ ready: true });
  });
  ws.on('message', (data) => {
    const now = (performance.timeOrigin + performance.now()) * 1000;
    const m = JSON.parse(data.toString());
    if (!measuring || typeof m.ts !== 'number') return;
    received++;
    lat.push((now - m.ts) / 1000);
  });
  ws.on('error', (err) => parentPort.postMessage({ error: String(err) }));
}
parentPort.on('message', (m) => {
  if (m === 'start') { measuring = true; received = 0; lat.length = 0; }
  if (m === 'stop') {
    measuring = false;
    for (const s of sockets) s.terminate();
    parentPort.postMessage({ received, lat });
  }
});
`;

interface Run {
  received: number;
  lat: number[];
}

async function withClients(url: string, subscribe: unknown, drive: () => () => void): Promise<Run> {
  const worker = new Worker(CLIENTS, { eval: true, workerData: { url, count: SUBSCRIBERS, subscribe } });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready?: boolean; error?: string }) =>
      m.ready ? resolve() : reject(new Error(m.error ?? 'worker failed')),
    );
    worker.once('error', reject);
  });
  const stopDriving = drive();
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  worker.postMessage('start');
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const result = new Promise<Run>((resolve) => worker.once('message', (m: Run) => resolve(m)));
  worker.postMessage('stop');
  const run = await result;
  stopDriving();
  await worker.terminate();
  return run;
}

function measurement(label: string, run: Run): Measurement {
  const sorted = run.lat.sort((a, b) => a - b);
  const pick = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return {
    label,
    concurrency: SUBSCRIBERS,
    operations: run.received,
    errors: 0,
    p50_ms: pick(50),
    p99_ms: pick(99),
    throughput_per_s: run.received / (MEASURE_MS / 1000),
  };
}

/**
 * Stream fan-out: the paper exchange's public socket (`/public`) with 200 subscribers to BTCUSD's ticker,
 * mark_price, ob_l2, trades and 1-minute candles while the market moves every 50 ms (each move: a mark, a book,
 * a ticker, a trade print, a candle — five messages per subscriber), next to a bare `ws` server broadcasting five
 * messages of the same sizes per tick to the same 200 clients.
 */
const bench: BenchCase = {
  name: 'paper-streams',
  description: `paper exchange /public fan-out to ${SUBSCRIBERS} subscribers (a move every ${TICK_MS} ms) vs a bare ws broadcast server`,
  async run(h) {
    const db = await openDatabase({});
    // Delta allows 150 connections per 5 minutes per IP; the bench's 200 come from one IP.
    const px = await startPaperExchange({
      db,
      streams: { connectLimit: { count: 100_000, windowMs: 300_000 } },
    });
    const sizes: number[] = [];
    let subject: Run;
    try {
      const subscribe = {
        type: 'subscribe',
        payload: {
          channels: ['ticker', 'ob_l2', 'trades', 'candlestick_1m']
            .map((name) => ({ name, symbols: ['BTCUSD'] }))
            .concat([{ name: 'mark_price', symbols: ['MARK:BTCUSD'] }]),
        },
      };
      // Record the sizes of the messages one move produces, for the baseline to send the same bytes.
      const probe = new (await import('ws')).WebSocket(px.publicWsUrl);
      await new Promise((r) => probe.once('open', r));
      probe.send(JSON.stringify(subscribe));
      probe.on('message', (d) => sizes.push((d as Buffer).length));
      await new Promise((r) => setTimeout(r, 200));
      sizes.length = 0;
      await px.exchange.market.step(TICK_MS);
      await new Promise((r) => setTimeout(r, 200));
      probe.terminate();

      subject = await withClients(px.publicWsUrl, subscribe, () => {
        let stopped = false;
        const loop = async () => {
          while (!stopped) {
            const t0 = Date.now();
            await px.exchange.market.step(TICK_MS);
            await new Promise((r) => setTimeout(r, Math.max(0, TICK_MS - (Date.now() - t0))));
          }
        };
        const done = loop();
        return () => {
          stopped = true;
          void done;
        };
      });
    } finally {
      await px.close();
      await db.close();
    }

    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as AddressInfo).port;
    const padding = sizes.map((n) => 'x'.repeat(Math.max(0, n - 40)));
    let baseline: Run;
    try {
      baseline = await withClients(`ws://127.0.0.1:${port}`, undefined, () => {
        const timer = setInterval(() => {
          for (const pad of padding) {
            const data = Buffer.from(JSON.stringify({ type: 'x', ts: Date.now() * 1000, pad }));
            for (const c of wss.clients) c.send(data, { binary: false });
          }
        }, TICK_MS);
        return () => clearInterval(timer);
      });
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    }

    h.note(`one move sends ${sizes.length} messages per subscriber (${sizes.join(', ')} bytes)`);
    const s = measurement('paper-exchange /public fan-out', subject);
    const b = measurement('bare ws broadcast', baseline);
    for (const m of [s, b]) {
      h.note(
        `${m.label}: ${m.throughput_per_s.toFixed(0)} msg/s delivered, p50 ${m.p50_ms.toFixed(2)} ms, p99 ${m.p99_ms.toFixed(2)} ms`,
      );
    }
    h.compare(s, b, {
      text: `≥ 5,000 msg/s to ${SUBSCRIBERS} subscribers, p99 < 50 ms`,
      met: (c) => c.subject.throughput_per_s >= 5_000 && c.subject.p99_ms < 50,
    });
  },
};

export default bench;
