import { sign } from '@delta/delta-client';
import WebSocket from 'ws';
import type { Key } from './http.ts';

export type Msg = Record<string, unknown>;

/**
 * A test client for Delta's socket API: collects every message and lets a test wait for the next one that matches
 * (a bounded wait, never a timing assertion).
 */
export class WsClient {
  readonly messages: Msg[] = [];
  private readonly taken = new Set<number>();
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Msg);
      for (const w of this.waiters.splice(0)) w();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  subscribe(channels: { name: string; symbols?: string[] }[]): void {
    this.send({ type: 'subscribe', payload: { channels } });
  }

  /** Waits for the first message not yet taken that matches `pred` (in arrival order), and takes it. */
  async next(pred: (m: Msg) => boolean, timeoutMs = 10_000): Promise<Msg> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      for (let i = 0; i < this.messages.length; i++) {
        if (this.taken.has(i) || !pred(this.messages[i]!)) continue;
        this.taken.add(i);
        return this.messages[i]!;
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no matching message; last: ${JSON.stringify(this.messages.slice(-3))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  type(type: string, extra: (m: Msg) => boolean = () => true): Promise<Msg> {
    return this.next((m) => m.type === type && extra(m));
  }

  /** key-auth signed with the client's signer over 'GET' + timestamp + '/live'. */
  async auth(key: Key, timestamp = Math.floor(Date.now() / 1000)): Promise<Msg> {
    const signature = sign(key.apiSecret, {
      method: 'GET',
      timestamp: String(timestamp),
      path: '/live',
      query: '',
      body: '',
    });
    this.send({ type: 'key-auth', payload: { 'api-key': key.apiKey, signature, timestamp } });
    return this.type('key-auth');
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}
