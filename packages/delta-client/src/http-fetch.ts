import http from 'node:http';
import https from 'node:https';

/**
 * The subset of `fetch` the transport uses, over node:http(s) with keep-alive agents. Node's built-in fetch
 * (undici) costs more per request than the exchange round trip on loopback; this keeps the client's own
 * overhead near a bare request. Bodies are small JSON documents, so the response is buffered whole.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export const httpFetch: typeof fetch = (input, init = {}) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const lib = url.protocol === 'https:' ? https : http;
    const agent = agents[url.protocol as keyof typeof agents];
    if (!agent) return reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const body = typeof init.body === 'string' ? init.body : undefined;
    const headers = { ...(init.headers as Record<string, string> | undefined) };
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const req = lib.request(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        // Only status, headers and text() are read by the transport.
        resolve({
          status: res.statusCode ?? 0,
          ok: (res.statusCode ?? 0) < 300,
          headers: h,
          text: async () => text,
        } as Response);
      });
    });
    const abort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', abort, { once: true });
    req.on('error', (err) => {
      signal?.removeEventListener('abort', abort);
      reject(err);
    });
    req.on('close', () => signal?.removeEventListener('abort', abort));
    req.end(body);
  });
