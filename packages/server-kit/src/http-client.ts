import http from 'node:http';
import https from 'node:https';

/**
 * A `fetch`-shaped client over node:http(s) with keep-alive agents, for service-to-service calls. Node's global
 * fetch (undici) costs far more per request than node:http on loopback; this keeps the client's own overhead near
 * a bare request. It is a faithful subset of fetch for what our callers use:
 *
 * - input: a URL string or `URL` (a `Request` only for its url, method and headers — not its body);
 * - `method` (DELETE/GET/HEAD/OPTIONS/POST/PUT upper-cased as fetch does), `headers` (any HeadersInit);
 * - `body`: string, Buffer, Uint8Array or ArrayBuffer, sent with Content-Length (a string body gets fetch's
 *   default `text/plain;charset=UTF-8` content type when none is given; GET/HEAD with a body is a TypeError);
 * - `signal`: aborts the request and a response body still arriving; the promise (or the body read) rejects with
 *   `signal.reason`, so `AbortSignal.timeout(ms)` gives a DOMException named 'TimeoutError', as with fetch;
 * - connection and protocol errors reject with `TypeError('fetch failed', { cause })`, a body cut short with
 *   `TypeError('terminated', { cause })`, as fetch does;
 * - redirects are never followed: a 3xx is returned as is (`redirect: 'error'` rejects with a TypeError).
 *
 * The promise resolves once the response headers arrive. The response offers status, statusText, ok, url,
 * headers (a real `Headers`), bodyUsed, text(), json(), arrayBuffer(), bytes() and blob(); `body` (a stream),
 * clone() and formData() are not provided. The body is read eagerly into memory (our bodies are small JSON
 * documents), so the connection goes back to the pool even if the body is never read. Responses are not
 * decompressed; no Accept-Encoding is sent, so servers answer uncompressed.
 */

const agents = {
  // Per origin. Idle sockets are unref'd and dropped before the server's announced Keep-Alive timeout.
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** Methods fetch normalises to upper case. */
const NORMALISED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

class HttpClientResponse {
  readonly type = 'basic';
  readonly redirected = false;
  #used = false;
  readonly #body: Promise<Buffer>;

  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    readonly url: string,
    body: Promise<Buffer>,
  ) {
    this.#body = body;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  #consume(): Promise<Buffer> {
    if (this.#used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    this.#used = true;
    return this.#body;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const buf = await this.#consume();
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async blob(): Promise<Blob> {
    const buf = await this.#consume();
    return new Blob([new Uint8Array(buf)], { type: this.headers.get('content-type') ?? '' });
  }

  async text(): Promise<string> {
    return decodeUtf8(await this.#consume());
  }

  async json(): Promise<unknown> {
    return JSON.parse(decodeUtf8(await this.#consume()));
  }
}

/** UTF-8 decoding as fetch's text() does it: a leading byte order mark is dropped. */
function decodeUtf8(buf: Buffer): string {
  const bom = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  return buf.toString('utf8', bom ? 3 : 0);
}

function bodyBuffer(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('httpFetch: body must be a string, Buffer, Uint8Array or ArrayBuffer');
}

interface Prepared {
  url: URL;
  agent: http.Agent;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

function prepare(input: string | URL | Request, init: HttpFetchInit): Prepared {
  const request = typeof input === 'string' || input instanceof URL ? undefined : input;
  const url = new URL(request ? request.url : input.toString());
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) throw new TypeError(`httpFetch: unsupported protocol ${url.protocol}`);
  if (url.username || url.password) {
    throw new TypeError('httpFetch: a request URL cannot include credentials');
  }
  if (request && request.body !== null && init.body === undefined) {
    throw new TypeError('httpFetch: a Request body is not supported; pass init.body');
  }
  let method = init.method ?? request?.method ?? 'GET';
  const upper = method.toUpperCase();
  if (NORMALISED_METHODS.has(upper)) method = upper;
  const body = bodyBuffer(init.body);
  if (body && (method === 'GET' || method === 'HEAD')) {
    throw new TypeError('Request with GET/HEAD method cannot have body.');
  }
  const headers = new Headers(init.headers ?? request?.headers);
  if (!headers.has('accept')) headers.set('accept', '*/*');
  if (typeof init.body === 'string' && !headers.has('content-type')) {
    headers.set('content-type', 'text/plain;charset=UTF-8');
  }
  if (body) headers.set('content-length', String(body.length));
  else if (method === 'POST' || method === 'PUT') headers.set('content-length', '0');
  else headers.delete('content-length');
  return { url, agent, method, headers: Object.fromEntries(headers), body };
}

function responseHeaders(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

function request(input: string | URL | Request, init: HttpFetchInit = {}): Promise<HttpClientResponse> {
  return new Promise<HttpClientResponse>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let prepared: Prepared;
    try {
      prepared = prepare(input, init);
    } catch (err) {
      reject(err);
      return;
    }
    const { url, agent, method, headers, body } = prepared;

    // 'headers': the returned promise is pending; 'body': it resolved and the body is arriving; 'done': settled.
    let stage: 'headers' | 'body' | 'done' = 'headers';
    let resolveBody: (buf: Buffer) => void = () => {};
    let rejectBody: (err: unknown) => void = () => {};

    const cleanup = () => signal?.removeEventListener('abort', onAbort);
    const fail = (err: unknown) => {
      if (stage === 'done') return;
      const wasWaitingForHeaders = stage === 'headers';
      stage = 'done';
      cleanup();
      if (wasWaitingForHeaders) reject(err);
      else rejectBody(err);
    };
    let response: http.IncomingMessage | undefined;
    function onAbort() {
      fail(signal?.reason);
      response?.destroy();
      req.destroy();
    }

    let req: http.ClientRequest;
    try {
      req = (url.protocol === 'https:' ? https : http).request(url, { method, headers, agent }, (res) => {
        if (stage !== 'headers') {
          res.destroy();
          return;
        }
        response = res;
        const status = res.statusCode ?? 0;
        let resHeaders: Headers;
        try {
          resHeaders = responseHeaders(res.rawHeaders);
        } catch (err) {
          fail(new TypeError('fetch failed', { cause: err }));
          req.destroy();
          return;
        }
        if (init.redirect === 'error' && REDIRECT_STATUSES.has(status)) {
          fail(new TypeError('fetch failed', { cause: new Error(`unexpected redirect (${status})`) }));
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        const bodyPromise = new Promise<Buffer>((res, rej) => {
          resolveBody = res;
          rejectBody = rej;
        });
        // A body nobody reads must not surface as an unhandled rejection.
        bodyPromise.catch(() => {});
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (stage !== 'body') return;
          stage = 'done';
          cleanup();
          resolveBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        });
        res.on('error', (err) => fail(new TypeError('terminated', { cause: err })));
        res.on('close', () => {
          if (!res.complete) fail(new TypeError('terminated', { cause: new Error('response closed early') }));
        });
        stage = 'body';
        resolve(new HttpClientResponse(status, res.statusMessage ?? '', resHeaders, url.href, bodyPromise));
      });
    } catch (err) {
      // Invalid header names or values are thrown synchronously by node:http: a fault of the caller's request, not
      // of the network, so not labelled 'fetch failed' (fetch throws a plain TypeError for them too).
      reject(err instanceof TypeError ? err : new TypeError(String(err), { cause: err }));
      return;
    }
    req.on('error', (err) => fail(new TypeError('fetch failed', { cause: err })));
    req.on('close', () => {
      if (stage === 'headers') fail(new TypeError('fetch failed', { cause: new Error('socket closed') }));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}

/**
 * True when a fetch/httpFetch failure came from the network or the peer (connection refused or reset, a response
 * cut short, a timeout or abort) — false for a fault of the request itself (a bad URL, header or body), which is a
 * local bug and must not be reported as the remote side being down.
 */
export function isNetworkError(err: unknown): boolean {
  if (err instanceof TypeError) return err.message === 'fetch failed' || err.message === 'terminated';
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** fetch's init, with the request bodies httpFetch sends (a Buffer is a Uint8Array and is sent without a copy). */
export type HttpFetchInit = Omit<RequestInit, 'body'> & { body?: string | Uint8Array | ArrayBuffer | null };

/**
 * See the module comment: a subset of `fetch` over keep-alive node:http(s) agents. Typed as returning a
 * `Response`, but only the members listed above exist on it.
 */
export type HttpFetch = (input: string | URL | Request, init?: HttpFetchInit) => Promise<Response>;

export const httpFetch: HttpFetch = (input, init) => request(input, init) as unknown as Promise<Response>;
