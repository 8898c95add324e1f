import { CORRELATION_HEADER, type TPrincipal, type TProblem, ZProblem } from '@delta/contracts';
import { AppError, httpFetch, isNetworkError } from '@delta/server-kit';
import { requestHash, type ServiceKeys, signServiceToken } from '@delta/service-auth';
import type { z } from 'zod';
import type { PortalId } from './portal-id.ts';

const plantUnavailable = () =>
  new AppError(
    502,
    'plant_unavailable',
    'Plant could not be reached through the gateway. Try again shortly.',
  );
const badAnswer = (what: string) =>
  new AppError(502, 'plant_bad_response', `Plant answered with ${what}; nothing was done with it.`);

/** Plant's answer: the body its contract declares (2xx), or its problem document, parsed either way. */
export type PlantResponse<T> =
  | { ok: true; status: number; body: T; contentType: string }
  | { ok: false; status: number; body: TProblem; contentType: string; retryAfter: string | null };

export interface PlantCall<S extends z.ZodType> {
  principal: TPrincipal;
  correlationId: string;
  /** The answer's contract (packages/contracts): a 2xx body that does not parse is refused (502). */
  answer: S;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
}

/**
 * A portal's only way to Plant: through the gateway, with a short-lived EdDSA token naming the acting principal,
 * bound to this one request (method, path and query, body bytes) and good for one use: every call, a retry
 * included, mints its own token. Every answer is parsed: a success with the route's contract, anything else as a
 * problem document — so reasons and correlation ids survive, and nothing unchecked is acted on.
 */
export function createPlantClient(options: {
  gatewayUrl: string;
  keys: ServiceKeys;
  issuer: PortalId;
  timeoutMs?: number;
}) {
  const base = options.gatewayUrl.replace(/\/$/, '');
  return {
    async call<S extends z.ZodType>(
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      path: string,
      ctx: PlantCall<S>,
    ): Promise<PlantResponse<z.infer<S>>> {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(ctx.query ?? {}))
        if (v !== undefined && v !== '') qs.set(k, String(v));
      const url = new URL(`${base}${path}${qs.size ? `?${qs}` : ''}`);
      // Sent exactly as built: a path the URL parser would change (dot segments, a stray query or fragment) is
      // refused here, so the gateway's path check sees what the route meant and nothing else.
      if (url.pathname !== `${new URL(base).pathname.replace(/\/$/, '')}${path}` || /%2e/i.test(path)) {
        throw AppError.badRequest(
          'path_not_canonical',
          'The request path has dot segments or is not canonical.',
        );
      }
      const payload = ctx.body === undefined ? undefined : JSON.stringify(ctx.body);
      const token = await signServiceToken(options.keys, {
        iss: options.issuer,
        aud: 'plant-gateway',
        principal: ctx.principal,
        correlation_id: ctx.correlationId,
        // The request target exactly as httpFetch sends it (the URL's path and query), and the body's bytes.
        request_hash: requestHash(method, url.pathname + url.search, payload),
      });
      let res: Response;
      try {
        res = await httpFetch(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            [CORRELATION_HEADER]: ctx.correlationId,
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: payload,
          signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
        });
      } catch (err) {
        // Only a failure of the network or the gateway is "Plant unavailable"; a fault of our own request is a bug.
        if (!isNetworkError(err)) throw err;
        throw plantUnavailable();
      }
      const contentType = res.headers.get('content-type') ?? 'application/json';
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        if (!isNetworkError(err)) throw err;
        throw plantUnavailable();
      }
      let json: unknown = null;
      if (text) {
        try {
          json = JSON.parse(text);
        } catch {
          throw badAnswer('something that is not JSON');
        }
      }
      if (res.status >= 200 && res.status < 300) {
        const parsed = ctx.answer.safeParse(json);
        if (!parsed.success) throw badAnswer('a body its contract does not allow');
        return { ok: true, status: res.status, body: parsed.data, contentType };
      }
      const problem = ZProblem.safeParse(json);
      if (!problem.success) throw badAnswer(`${res.status} without a problem document`);
      return {
        ok: false,
        status: res.status,
        body: problem.data,
        contentType,
        retryAfter: res.headers.get('retry-after'),
      };
    },
  };
}

export type PlantClient = ReturnType<typeof createPlantClient>;

/** The part of a Fastify reply a relay uses (each call returns the reply, as Fastify's do). */
interface RelayReply<Sent> {
  header(name: string, value: string): unknown;
  code(status: number): RelayReply<Sent>;
  type(contentType: string): RelayReply<Sent>;
  serializer(fn: (payload: unknown) => string): RelayReply<Sent>;
  send(payload: unknown): Sent;
}

/**
 * Plant's answer (already parsed by the Plant client: its contract, or a problem document) passed on as it is,
 * with when to try again for a refusal that has one (a limit on runs, the exchange's rate limit).
 */
export function relayPlantAnswer<Sent>(reply: RelayReply<Sent>, r: PlantResponse<unknown>): Sent {
  if (!r.ok && r.retryAfter) reply.header('retry-after', r.retryAfter);
  return reply
    .code(r.status)
    .type(r.contentType)
    .serializer((p: unknown) => JSON.stringify(p))
    .send(r.body);
}
