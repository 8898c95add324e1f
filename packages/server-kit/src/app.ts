import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_HEADER, isWellFormedCorrelationId, ZHealth, ZReadiness } from '@delta/contracts';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { type Db, type Migration, pendingMigrations } from './db/index.ts';
import { buildProblem, sendProblem } from './problem.ts';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface AppOptions {
  service: string;
  version?: string;
  description?: string;
  logger: Logger;
  db?: Db;
  migrations?: Migration[];
  /** Max request body in bytes (default 64 KiB). */
  bodyLimit?: number;
  /** Extra readiness check (e.g. a dependency); false = not ready. */
  readinessCheck?: () => Promise<boolean>;
  /** Serve /docs (default true). */
  docs?: boolean;
  /**
   * A built single-page web app to serve from `/` (the portals): static files, and index.html for any other
   * GET that asks for HTML outside /api, /internal and /docs (client-side routes).
   */
  spaRoot?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's correlation id (same value as request.id), echoed in X-Correlation-ID. */
    correlationId: string;
  }
}

/**
 * Builds a Fastify app with everything every service needs: correlation ids, problem+json errors, zod
 * validation (strict schemas → 422), OpenAPI at /docs, /healthz and /readyz, body limit, security headers,
 * request logs through the redacting logger. Register routes on the returned app, then listen.
 */
const API_PREFIXES = ['/api/', '/internal/', '/docs', '/healthz', '/readyz', '/.well-known/'];

function wantsSpa(method: string, url: string, accept: string | undefined): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (API_PREFIXES.some((p) => url.startsWith(p))) return false;
  return (accept ?? '').includes('text/html');
}

export async function createApp(options: AppOptions): Promise<App> {
  const startedAt = Date.now();
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'correlation_id' }),
    genReqId: (req) => {
      const given = req.headers[CORRELATION_HEADER];
      return isWellFormedCorrelationId(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<ZodTypeProvider>();

  // JSON APIs only: a text/plain body is a 415, not a string that reaches a handler.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('correlationId', '');
  app.addHook('onRequest', async (request, reply) => {
    request.correlationId = String(request.id);
    reply.header(CORRELATION_HEADER, request.correlationId);
  });
  app.setErrorHandler((err, request, reply) => sendProblem(err, request, reply));
  app.setNotFoundHandler((request, reply) => {
    if (options.spaRoot && wantsSpa(request.method, request.url, request.headers.accept)) {
      return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
    }
    return reply
      .code(404)
      .type('application/problem+json')
      .send(
        buildProblem(
          404,
          'not_found',
          `No route for ${request.method} ${request.url.split('?')[0]}.`,
          request.id,
        ),
      );
  });
  if (options.spaRoot) {
    await app.register(fastifyStatic, {
      root: options.spaRoot,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
    });
  }

  await app.register(helmet, { global: true });

  if (options.docs !== false) {
    await app.register(swagger, {
      openapi: {
        info: {
          title: options.service,
          version: options.version ?? '0.1.0',
          description: options.description,
        },
      },
      transform: jsonSchemaTransform,
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  }

  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: ZHealth } } }, async () => ({
    status: 'ok' as const,
    service: options.service,
    version: options.version ?? '0.1.0',
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['ops'], response: { 200: ZReadiness, 503: ZReadiness } } },
    async (_request, reply) => {
      let database: 'ok' | 'unreachable' = 'ok';
      let pending: string[] = [];
      if (options.db) {
        try {
          await options.db.query('SELECT 1');
          pending = await pendingMigrations(options.db, options.migrations ?? []);
        } catch {
          database = 'unreachable';
        }
      }
      const extraOk = options.readinessCheck ? await options.readinessCheck().catch(() => false) : true;
      const ready = database === 'ok' && pending.length === 0 && extraOk;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? ('ready' as const) : ('not_ready' as const),
        service: options.service,
        checks: { database, migrations: pending.length === 0 ? ('applied' as const) : ('pending' as const) },
        pending_migrations: pending,
      });
    },
  );

  return app;
}
