import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_HEADER, normalizeCorrelationId, ZHealth, ZReadiness } from '@delta/contracts';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
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
import { AppError } from './errors.ts';
import {
  boundedJsonParser,
  clientErrorProblem,
  frameworkErrorToAppError,
  guardRequestInput,
  MAX_PARAM_LENGTH,
} from './input-guard.ts';
import { buildProblem, type RefusalListener, sendProblem } from './problem.ts';
import { redactUrl } from './redact.ts';

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
  /** Told of every 4xx problem answered (see RefusalListener): how a service puts its refusals on record. */
  onRefusal?: RefusalListener;
  /**
   * Errors Fastify raises before routing (bad URL encoding, over-long path parameters) are answered with a problem
   * body; a service whose URLs speak another protocol (the paper exchange's Delta-shaped /v2) answers those itself
   * by returning true from here.
   */
  answerFrameworkError?: (error: AppError, request: FastifyRequest, reply: FastifyReply) => boolean;
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
    // A caller's correlation id is kept only when it is a UUID (normalised to lower case); anything else is
    // replaced by a fresh one, returned in X-Correlation-ID — so no caller text reaches a record or a log line.
    genReqId: (req) => normalizeCorrelationId(req.headers[CORRELATION_HEADER]) ?? randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Set explicitly (Fastify's default is 100): ids are far shorter; a longer one is a 414 problem, not a lookup.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Every answer is a problem body, also those Fastify and Node give before a route is found.
    // No hook has run for these requests: the correlation id is set here, then the one error handler answers.
    frameworkErrors: (err: FastifyError, request, reply) => {
      request.correlationId = String(request.id);
      reply.header(CORRELATION_HEADER, request.correlationId);
      const error = frameworkErrorToAppError(err);
      if (options.answerFrameworkError?.(error, request, reply)) return;
      void sendProblem(error, request, reply, options.onRefusal);
    },
    clientErrorHandler: clientErrorProblem(options.logger),
    // Node's own answer to a missing Host is an empty 400; the onRequest hook below answers it as a problem.
    http: { requireHostHeader: false },
  }).withTypeProvider<ZodTypeProvider>();

  // JSON APIs only: a text/plain body is a 415, not a string that reaches a handler.
  app.removeContentTypeParser('text/plain');
  // Fastify's JSON parser (prototype-poisoning refused), with a bound on nesting depth (400 nesting_too_deep).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, boundedJsonParser(parseJson));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('correlationId', '');
  app.addHook('onRequest', async (request, reply) => {
    request.correlationId = String(request.id);
    reply.header(CORRELATION_HEADER, request.correlationId);
    if (request.raw.httpVersion === '1.1' && !request.headers.host)
      throw AppError.badRequest('host_required', 'An HTTP/1.1 request must name its Host.');
  });
  // NUL and lone surrogates anywhere in headers, path, query or body: 422 naming the field; deep bodies: 400.
  // preValidation, so a service's own authentication (onRequest) still answers first.
  app.addHook('preValidation', guardRequestInput);
  app.setErrorHandler((err, request, reply) => sendProblem(err, request, reply, options.onRefusal));
  app.setNotFoundHandler(async (request, reply) => {
    if (options.spaRoot && wantsSpa(request.method, request.url, request.headers.accept)) {
      return reply.type('text/html').header('cache-control', 'no-cache').sendFile('index.html');
    }
    const problem = buildProblem(
      404,
      'not_found',
      `No route for ${request.method} ${redactUrl(request.url.split('?')[0] ?? '')}.`,
      request.id,
    );
    if (options.onRefusal) {
      try {
        await options.onRefusal(request, problem);
      } catch (listenerErr) {
        request.log.error({ err: listenerErr, reason: problem.reason }, 'refusal listener failed');
      }
    }
    return reply.code(404).type('application/problem+json').send(problem);
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
