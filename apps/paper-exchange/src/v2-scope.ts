import { type App, AppError, jsonNestingExceeds, MAX_JSON_DEPTH } from '@delta/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { prehashOf, signatureMatches, timestampFresh } from './auth.ts';
import { authErrors, badSchema, DeltaHttpError } from './delta-errors.ts';
import { findApiKey } from './engine/accounts.ts';
import type { PaperExchange } from './exchange.ts';
import type { ActiveFault } from './faults.ts';
import { weightOf } from './rate-limit.ts';

export interface DeltaPrincipal {
  apiKey: string;
  accountId: string;
  canTrade: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Private Delta endpoint: 'read' needs any valid key, 'trade' a key with the Trading permission. */
    deltaAuth?: 'read' | 'trade';
  }
  interface FastifyRequest {
    rawBody: string;
    principal: DeltaPrincipal | undefined;
    paperFault: ActiveFault | undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The authenticated caller of a private route (the preHandler guarantees it is there). */
export function principalOf(request: FastifyRequest): DeltaPrincipal {
  if (!request.principal) throw authErrors.invalidApiKey();
  return request.principal;
}

/** Parses untrusted input with a zod schema; failures become Delta's `bad_schema` body. */
export function parseDeltaInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  throw badSchema(r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
}

export const ok = (result: unknown, meta?: Record<string, unknown>) =>
  meta ? { success: true, result, meta } : { success: true, result };

/** A refusal the platform raised (an AppError) as Delta's `bad_schema` body. */
export function deltaRefusal(err: AppError): DeltaHttpError {
  const fields = Array.isArray(err.extra.errors)
    ? (err.extra.errors as { path: string; message: string }[])
    : [];
  return badSchema(fields.length ? fields : [{ path: '', message: err.message }]);
}

/**
 * For createApp's answerFrameworkError: a bad URL under /v2 (bad percent-encoding, an over-long parameter) gets
 * Delta's error shape, like every other /v2 refusal.
 */
export function answerDeltaFrameworkError(
  err: AppError,
  request: FastifyRequest,
  reply: FastifyReply,
): boolean {
  if (!(request.raw.url ?? '').startsWith('/v2/')) return false;
  void sendDelta(reply, deltaRefusal(err));
  return true;
}

function sendDelta(reply: FastifyReply, err: DeltaHttpError) {
  return reply
    .code(err.status)
    .headers(err.headers)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(err.body));
}

async function authenticate(px: PaperExchange, request: FastifyRequest, level: 'read' | 'trade') {
  const h = request.headers;
  const apiKey = typeof h['api-key'] === 'string' ? h['api-key'] : '';
  const timestamp = typeof h.timestamp === 'string' ? h.timestamp : '';
  const signature = typeof h.signature === 'string' ? h.signature : '';
  const key = apiKey ? await findApiKey(px.db, apiKey) : undefined;
  if (!key) throw authErrors.invalidApiKey();
  if (!timestampFresh(timestamp, Date.now())) throw authErrors.expired();
  const prehash = prehashOf(request.method, timestamp, request.raw.url ?? '', request.rawBody);
  if (!signature || !signatureMatches(key.apiSecret, prehash, signature)) throw authErrors.invalidSignature();
  if (level === 'trade' && !key.canTrade) throw authErrors.unauthorizedAccess();
  request.principal = { apiKey: key.apiKey, accountId: key.accountId, canTrade: key.canTrade };
}

/**
 * The Delta-faithful /v2 scope: raw-body JSON parsing (the signature covers the exact bytes), CDN User-Agent
 * check, HMAC auth, weighted rate limits, injected faults, Delta error bodies and a plain-text 404.
 */
export function deltaScope(px: PaperExchange, routes: (app: App) => void) {
  return async (app: App) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      request.rawBody = text;
      if (text === '') return done(null, undefined);
      if (jsonNestingExceeds(text))
        return done(badSchema([{ path: '', message: `body nests deeper than ${MAX_JSON_DEPTH} levels` }]));
      try {
        done(null, JSON.parse(text) as unknown);
      } catch {
        done(badSchema([{ path: '', message: 'body is not valid JSON' }]), undefined);
      }
    });
    app.decorateRequest('rawBody', '');
    app.decorateRequest('principal', undefined);
    app.decorateRequest('paperFault', undefined);

    app.addHook('onRequest', async (request) => {
      if (!request.headers['user-agent']) throw authErrors.cdnBlocked();
      const path = (request.raw.url ?? '').split('?')[0] ?? '';
      request.paperFault = px.faults.take(request.method, request.routeOptions.url, path);
    });

    app.addHook('preHandler', async (request, reply) => {
      const level = request.routeOptions.config.deltaAuth;
      if (level) await authenticate(px, request, level);
      const subject = request.principal ? `user:${request.principal.accountId}` : `ip:${request.ip}`;
      const resetMs = px.limiter.consume(subject, weightOf(request.method, request.routeOptions.url ?? ''));
      if (resetMs !== undefined) {
        throw new DeltaHttpError(
          429,
          { success: false, error: { code: 'too_many_requests' } },
          { 'x-rate-limit-reset': String(resetMs) },
        );
      }
      const fault = request.paperFault;
      if (!fault) return;
      if (fault.mode === 'latency') await sleep(fault.latency_ms);
      if (fault.mode === '429') {
        return sendDelta(
          reply.header('x-rate-limit-reset', String(fault.reset_ms)),
          new DeltaHttpError(429, { success: false, error: { code: 'too_many_requests' } }),
        );
      }
      if (fault.mode === '5xx' && !fault.after_accept) {
        return sendDelta(
          reply,
          new DeltaHttpError(fault.status, { success: false, error: { code: 'internal_server_error' } }),
        );
      }
    });

    // Faults that act after the request was processed: the order exists, the caller never learns it.
    app.addHook('onSend', async (request, reply, payload) => {
      const fault = request.paperFault;
      if (fault?.mode === 'drop' && reply.statusCode < 300) {
        request.raw.socket?.destroy();
        return payload;
      }
      if (fault?.mode === '5xx' && fault.after_accept) {
        reply.code(fault.status);
        return JSON.stringify({ success: false, error: { code: 'internal_server_error' } });
      }
      return payload;
    });

    app.setErrorHandler((err, request, reply) => {
      if (err instanceof DeltaHttpError) return sendDelta(reply, err);
      // The platform's own input guard (NUL, lone surrogates, nesting) refuses in problem terms: say it Delta's way.
      if (err instanceof AppError && err.status < 500) return sendDelta(reply, deltaRefusal(err));
      const status = (err as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500) {
        return sendDelta(reply, badSchema([{ path: '', message: (err as Error).message }]));
      }
      request.log.error({ err }, 'paper exchange failure');
      return sendDelta(
        reply,
        new DeltaHttpError(500, { success: false, error: { code: 'internal_server_error' } }),
      );
    });
    app.setNotFoundHandler((request, reply) => {
      if (!request.headers['user-agent']) return sendDelta(reply, authErrors.cdnBlocked());
      return reply.code(404).type('text/plain; charset=utf-8').send('Not Found');
    });

    routes(app);
  };
}
