import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    }),
  );

/**
 * An exchange that does not serve some paths: answers them as Delta answers an unknown path (a plain-text 404)
 * and passes everything else through unchanged (signatures cover path, query and body, not the host).
 */
export async function startPathHidingProxy(target: string, hidden: string[]) {
  const base = new URL(target);
  const seen: string[] = [];
  const server = createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    seen.push(`${req.method} ${path}`);
    if (hidden.includes(path)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found');
      return;
    }
    const upstream = httpRequest(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await listen(server as unknown as Server);
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP link to the paper exchange that a test can cut, as a network drop would: `cut()` destroys every open
 * connection and refuses new ones until `restore()`. Bytes pass through untouched (WebSocket frames included).
 */
export async function startCuttableLink(targetPort: number) {
  const open = new Set<Socket>();
  let down = false;
  let accepted = 0;
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const port = await listen(server);
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/`,
    /** Connections let through so far. */
    accepted: () => accepted,
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        down = true;
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
