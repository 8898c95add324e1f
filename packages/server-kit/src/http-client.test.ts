import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpFetch } from './http-client.ts';

const servers: http.Server[] = [];

async function serve(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('httpFetch', () => {
  it('returns status, a real Headers and the body as text, json and arrayBuffer', async () => {
    const { url } = await serve((req, res) => {
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-multi', ['a', 'b']);
      res.setHeader('set-cookie', ['one=1', 'two=2']);
      res.end(JSON.stringify({ hello: 'wörld', path: req.url }));
    });

    const res = await httpFetch(`${url}/thing?x=1`);
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers).toBeInstanceOf(Headers);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-multi')).toBe('a, b');
    expect(res.headers.getSetCookie()).toEqual(['one=1', 'two=2']);
    expect(res.bodyUsed).toBe(false);
    expect(await res.text()).toBe('{"hello":"wörld","path":"/thing?x=1"}');
    expect(res.bodyUsed).toBe(true);
    await expect(res.text()).rejects.toBeInstanceOf(TypeError);

    const json = await httpFetch(new URL(`${url}/j`));
    expect(await json.json()).toEqual({ hello: 'wörld', path: '/j' });

    const missing = await httpFetch(`${url}/missing`);
    expect(missing.status).toBe(404);
    expect(missing.ok).toBe(false);
    const buf = await missing.arrayBuffer();
    expect(buf).toBeInstanceOf(ArrayBuffer);
    expect(Buffer.from(buf).toString('utf8')).toBe('{"hello":"wörld","path":"/missing"}');
  });

  it('sends string, Buffer and Uint8Array bodies byte-exact with Content-Length', async () => {
    const seen: { method: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
    const { url } = await serve(async (req, res) => {
      seen.push({ method: req.method ?? '', headers: req.headers, body: await readBody(req) });
      res.end('ok');
    });
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) % 256));

    await (await httpFetch(url, { method: 'POST', body: bytes })).text();
    await (
      await httpFetch(url, {
        method: 'put',
        headers: { 'content-type': 'application/json', 'x-corr': 'c1' },
        body: '{"a":"é"}',
      })
    ).text();
    await (await httpFetch(url, { method: 'POST', body: new Uint8Array(bytes.subarray(10, 20)) })).text();
    await (await httpFetch(url, { method: 'POST' })).text();
    await (await httpFetch(url, { method: 'DELETE', headers: new Headers([['x-h', 'v']]) })).text();

    expect(seen[0]!.body.equals(bytes)).toBe(true);
    expect(seen[0]!.headers['content-length']).toBe(String(bytes.length));
    expect(seen[0]!.headers['transfer-encoding']).toBeUndefined();
    expect(seen[1]!.method).toBe('PUT');
    expect(seen[1]!.body.toString('utf8')).toBe('{"a":"é"}');
    expect(seen[1]!.headers['content-length']).toBe('10');
    expect(seen[1]!.headers['content-type']).toBe('application/json');
    expect(seen[1]!.headers['x-corr']).toBe('c1');
    expect(seen[2]!.body.equals(bytes.subarray(10, 20))).toBe(true);
    expect(seen[3]!.headers['content-length']).toBe('0');
    expect(seen[4]!.method).toBe('DELETE');
    expect(seen[4]!.headers['x-h']).toBe('v');
    expect(seen[4]!.body.length).toBe(0);
  });

  it('rejects a GET with a body, like fetch', async () => {
    await expect(httpFetch('http://127.0.0.1:9/', { body: 'x' })).rejects.toBeInstanceOf(TypeError);
  });

  it('does not follow redirects', async () => {
    let hits = 0;
    const { url } = await serve((req, res) => {
      hits++;
      if (req.url === '/from') {
        res.writeHead(302, { location: '/to' });
        res.end('moved');
      } else res.end('target');
    });
    const res = await httpFetch(`${url}/from`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/to');
    expect(await res.text()).toBe('moved');
    expect(hits).toBe(1);
    await expect(httpFetch(`${url}/from`, { redirect: 'error' })).rejects.toBeInstanceOf(TypeError);
  });

  it('rejects with the TimeoutError when the headers do not arrive in time, and leaves no listener', async () => {
    const { url } = await serve(() => {
      // never answers
    });
    const signal = AbortSignal.timeout(150);
    const err = await httpFetch(url, { signal }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('TimeoutError');
    expect(err).toBe(signal.reason);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('rejects the body read with the TimeoutError when the body stalls', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      // the rest never comes
    });
    const signal = AbortSignal.timeout(200);
    const res = await httpFetch(url, { signal });
    expect(res.status).toBe(200);
    const err = await res.text().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('TimeoutError');
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the abort reason, including an already-aborted signal', async () => {
    const { url } = await serve(() => {});
    const controller = new AbortController();
    const pending = httpFetch(url, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(pending).rejects.toThrow('stop');
    const aborted = AbortSignal.abort();
    await expect(httpFetch(url, { signal: aborted })).rejects.toBe(aborted.reason);
  });

  it('removes its abort listener once a response has been read', async () => {
    const { url } = await serve((_req, res) => res.end('done'));
    const controller = new AbortController();
    const res = await httpFetch(url, { signal: controller.signal });
    expect(await res.text()).toBe('done');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort(); // a late abort changes nothing
  });

  it('rejects like fetch (TypeError) when the connection is refused', async () => {
    const { url, server } = await serve(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const err = await httpFetch(url, { signal: AbortSignal.timeout(5_000) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TypeError);
    expect(((err as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('rejects the body read with a TypeError when the server cuts the body short', async () => {
    const { url } = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('short');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const res = await httpFetch(url);
    await expect(res.text()).rejects.toBeInstanceOf(TypeError);
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    let connections = 0;
    const { url, server } = await serve((req, res) => res.end(req.url));
    server.on('connection', () => connections++);
    for (let i = 0; i < 5; i++) {
      const res = await httpFetch(`${url}/${i}`, {
        method: i % 2 ? 'POST' : 'GET',
        body: i % 2 ? 'x' : null,
      });
      expect(await res.text()).toBe(`/${i}`);
    }
    // A response whose body is never read still frees its connection.
    await httpFetch(`${url}/unread`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await (await httpFetch(`${url}/last`)).text()).toBe('/last');
    expect(connections).toBe(1);
  });
});
