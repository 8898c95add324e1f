import { createServer, type Server } from 'node:net';
import type { TPrincipal } from '@delta/contracts';
import { type App, createLogger } from '@delta/server-kit';
import {
  createServiceTokenVerifier,
  ephemeralServiceKeys,
  publicJwks,
  requestHash,
  type ServiceKeys,
  signServiceToken,
  type VerifiedServiceToken,
} from '@delta/service-auth';
import { createTestDatabase, freePort, LogCapture, type TestDatabase } from '@delta/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApp, SERVICE } from '../src/app.ts';
import { gatewayMigrations } from '../src/migrations.ts';

/** What the stand-in Plant saw: the request as received, and the verified identity assertion. */
export interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body_b64: string;
  assertion: Pick<VerifiedServiceToken, 'issuer' | 'principal' | 'correlationId' | 'requestHash'>;
}

export interface Harness {
  db: TestDatabase;
  logs: LogCapture;
  gatewayUrl: string;
  keys: { pp: ServiceKeys; cp: ServiceKeys; evil: ServiceKeys };
  upstreamCalls: () => number;
  /** A second gateway whose Plant URL leads nowhere useful: `down` refuses connections, `silent` never answers. */
  brokenGateway: (mode: 'down' | 'silent') => Promise<string>;
  /** Another gateway instance on the same database (same keys, same Plant). */
  secondGateway: () => Promise<string>;
  token: (issuer: 'pp' | 'cp' | 'evil', principal: TPrincipal, extra?: TokenExtra) => Promise<string>;
  close: () => Promise<void>;
}

interface TokenExtra {
  aud?: string;
  issuedAt?: number;
  requestHash?: string;
  /** Bind the token to this request, as the portals do (requestHash(method, path, body)). */
  bind?: { method: string; path: string; body?: string };
}

export const RATE = { perSecond: 0.5, burst: 20 };

async function startPlant(
  port: number,
  gatewayUrl: string,
): Promise<{ app: FastifyInstance; calls: () => number }> {
  let calls = 0;
  const verify = createServiceTokenVerifier({
    audience: 'plant',
    issuers: { 'plant-gateway': { jwksUrl: `${gatewayUrl}/.well-known/jwks.json` } },
  });
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.all('/api/*', async (request, reply) => {
    calls++;
    const header = request.headers['x-identity-assertion'];
    const v = await verify(typeof header === 'string' ? header : undefined);
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const echo: Echo = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body_b64: body.toString('base64'),
      assertion: {
        issuer: v.issuer,
        principal: v.principal,
        correlationId: v.correlationId,
        requestHash: v.requestHash,
      },
    };
    return reply
      .code(request.method === 'POST' ? 201 : 200)
      .header('x-plant', 'yes')
      .send(echo);
  });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, calls: () => calls };
}

export async function startHarness(): Promise<Harness> {
  const migrations = gatewayMigrations();
  const [db, pp, cp, evil, gatewayKeys, gatewayPort, plantPort] = await Promise.all([
    createTestDatabase({ migrations }),
    ephemeralServiceKeys('pp'),
    ephemeralServiceKeys('cp'),
    ephemeralServiceKeys('evil'),
    ephemeralServiceKeys(SERVICE),
    freePort(),
    freePort(),
  ]);
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const logs = new LogCapture();
  const logger = createLogger({ service: SERVICE, level: 'debug', destination: logs });
  const base = {
    logger,
    db: db.db,
    migrations,
    keys: gatewayKeys,
    issuers: { pp: { jwks: publicJwks(pp) }, cp: { jwks: publicJwks(cp) } },
    rateLimit: RATE,
  };
  const plant = await startPlant(plantPort, gatewayUrl);
  const gateway = await buildApp({
    ...base,
    plantUrl: `http://127.0.0.1:${plantPort}`,
    upstreamTimeoutMs: 10_000,
  });
  await gateway.listen({ port: gatewayPort, host: '127.0.0.1' });

  const extras: { app: App; server?: Server }[] = [];
  return {
    db,
    logs,
    gatewayUrl,
    keys: { pp, cp, evil },
    upstreamCalls: plant.calls,
    async brokenGateway(mode) {
      const [port, deadPort] = await Promise.all([freePort(), freePort()]);
      let server: Server | undefined;
      if (mode === 'silent') {
        // Accepts connections and never answers: the upstream timeout must fire.
        server = createServer(() => {});
        await new Promise<void>((r) => server!.listen(deadPort, '127.0.0.1', r));
      }
      const app = await buildApp({
        ...base,
        plantUrl: `http://127.0.0.1:${deadPort}`,
        upstreamTimeoutMs: 300,
      });
      await app.listen({ port, host: '127.0.0.1' });
      extras.push({ app, server });
      return `http://127.0.0.1:${port}`;
    },
    async secondGateway() {
      const port = await freePort();
      const app = await buildApp({
        ...base,
        plantUrl: `http://127.0.0.1:${plantPort}`,
        upstreamTimeoutMs: 10_000,
      });
      await app.listen({ port, host: '127.0.0.1' });
      extras.push({ app });
      return `http://127.0.0.1:${port}`;
    },
    token: (issuer, principal, extra = {}) =>
      signServiceToken(
        { pp, cp, evil }[issuer],
        {
          iss: issuer,
          aud: extra.aud ?? 'plant-gateway',
          principal,
          ...(extra.requestHash ? { request_hash: extra.requestHash } : {}),
          ...(extra.bind
            ? { request_hash: requestHash(extra.bind.method, extra.bind.path, extra.bind.body) }
            : {}),
        },
        30,
        extra.issuedAt,
      ),
    async close() {
      for (const e of extras) {
        await e.app.close();
        e.server?.close();
      }
      await gateway.close();
      await plant.app.close();
      await db.drop();
    },
  };
}
