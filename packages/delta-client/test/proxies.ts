import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

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

/**
 * A WebSocket relay in front of the paper exchange that loses chosen messages on the way to the client, as a
 * lossy link would while the connection stays up. Frames pass through unchanged otherwise (key-auth included:
 * its signature covers `GET` + timestamp + `/live`, not the host).
 */
export async function startLossyRelay(targetWsUrl: string) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const drops: ((text: string) => boolean)[] = [];
  let dropped = 0;
  server.on('connection', (client) => {
    const upstream = new WebSocket(targetWsUrl);
    const pending: string[] = [];
    upstream.on('open', () => {
      for (const m of pending.splice(0)) upstream.send(m);
    });
    client.on('message', (data) => {
      const text = data.toString();
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else pending.push(text);
    });
    upstream.on('message', (data) => {
      const text = data.toString();
      const i = drops.findIndex((d) => d(text));
      if (i >= 0) {
        drops.splice(i, 1);
        dropped++;
        return;
      }
      client.send(text);
    });
    const close = () => {
      client.terminate();
      upstream.terminate();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    wsUrl: `ws://127.0.0.1:${port}/`,
    /** Loses the next message (exchange → client) that matches. */
    dropNext(match: (text: string) => boolean) {
      drops.push(match);
    },
    dropped: () => dropped,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close(() => resolve());
      }),
  };
}
