import { request } from 'node:http';
import { sign } from '@delta/delta-client';

export interface Key {
  apiKey: string;
  apiSecret: string;
}

export interface RawCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: string;
  body?: string;
  /** Override what is signed (to prove the exchange checks the bytes actually sent). */
  signed?: { path?: string; query?: string; body?: string; timestamp?: string };
  timestamp?: string;
  userAgent?: string | null;
}

/** A hand-written Delta request: signs with the client's signer, sends with fetch, returns status and body. */
export async function rawCall(baseUrl: string, key: Key | undefined, c: RawCall) {
  const timestamp = c.timestamp ?? String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {};
  if (c.userAgent !== null) headers['User-Agent'] = c.userAgent ?? 'paper-test/1.0';
  if (c.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    // node:http sends a DELETE body unframed unless told its length.
    headers['Content-Length'] = String(Buffer.byteLength(c.body, 'utf8'));
  }
  if (key) {
    headers['api-key'] = key.apiKey;
    headers.timestamp = c.signed?.timestamp ?? timestamp;
    headers.signature = sign(key.apiSecret, {
      method: c.method,
      timestamp,
      path: c.signed?.path ?? c.path,
      query: c.signed?.query ?? c.query ?? '',
      body: c.signed?.body ?? c.body ?? '',
    });
  }
  // node:http rather than fetch: it sends exactly these bytes and adds no User-Agent of its own.
  const res = await new Promise<{ status: number; text: string; headers: Headers }>((resolve, reject) => {
    const req = request(baseUrl + c.path + (c.query ?? ''), { method: c.method, headers }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (d: Buffer) => chunks.push(d));
      r.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: h });
      });
      r.on('error', reject);
    });
    req.on('error', reject);
    if (c.body !== undefined) req.write(c.body);
    req.end();
  });
  const text = res.text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

/** A call to the /_paper admin API (problem+json errors). */
export async function admin(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${baseUrl}/_paper${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json: json as Record<string, unknown> };
}

/** A public /v2 GET: the parsed body. */
export async function publicGet<T = unknown>(baseUrl: string, path: string, query = '') {
  const r = await rawCall(baseUrl, undefined, { method: 'GET', path, query });
  return { status: r.status, body: r.json as { success: boolean; result: T; error?: { code: string } } };
}

/** Polls `probe` until it returns a value (no timing assertion: only an upper bound on waiting). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type Json = Record<string, unknown>;

/** A signed /v2 call with a JSON body (or a query for GET): status, body, and the result when successful. */
export async function signed(
  baseUrl: string,
  key: Key,
  method: RawCall['method'],
  path: string,
  payload?: Json | string,
) {
  const r =
    method === 'GET'
      ? await rawCall(baseUrl, key, { method, path, query: typeof payload === 'string' ? payload : '' })
      : await rawCall(baseUrl, key, { method, path, body: JSON.stringify(payload ?? {}) });
  const body = r.json as { success?: boolean; result?: unknown; meta?: Json; error?: { code: string } };
  return {
    status: r.status,
    body,
    result: body?.result as Json & Json[],
    meta: body?.meta ?? {},
    text: r.text,
  };
}
