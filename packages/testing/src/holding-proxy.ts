import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

/** What a test does around one proxied call: before it is forwarded, and before its answer is passed back. */
export interface HoldRule {
  /** Path prefix the rule applies to (e.g. '/internal/v1/approvals/consume'). */
  path: string;
  /** Awaited before the request is forwarded. */
  before?: () => Promise<void>;
  /** Awaited after the target answered, before the answer is passed back (the call has taken effect). */
  after?: () => Promise<void>;
  /** How many calls it applies to (default: every one until cleared). */
  times?: number;
}

export interface HoldingProxy {
  url: string;
  hold(rule: HoldRule): void;
  clear(): void;
  close(): Promise<void>;
}

/**
 * A plain HTTP proxy in front of one service, for tests that need a call to take effect at the target while its
 * caller has not heard back yet (or the other way round) — a slow network, made deterministic by promises the
 * test resolves. Bytes are passed through unchanged.
 */
export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const rules: HoldRule[] = [];
  const ruleFor = (path: string) => {
    const i = rules.findIndex((r) => path.startsWith(r.path));
    if (i < 0) return undefined;
    const rule = rules[i]!;
    if (rule.times !== undefined && --rule.times <= 0) rules.splice(i, 1);
    return rule;
  };
  const base = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const rule = ruleFor(req.url ?? '/');
      try {
        await rule?.before?.();
        const upstream = httpRequest(
          { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            const body: Buffer[] = [];
            answer.on('data', (c: Buffer) => body.push(c));
            answer.on('end', async () => {
              await rule?.after?.();
              if (res.destroyed) return;
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(Buffer.concat(body));
            });
          },
        );
        upstream.on('error', () => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
        upstream.end(Buffer.concat(chunks));
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    hold: (rule) => rules.push({ ...rule }),
    clear: () => {
      rules.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A promise and the function that resolves it: how a test says "now" to a held call. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
