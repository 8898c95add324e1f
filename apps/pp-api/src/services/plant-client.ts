import { CORRELATION_HEADER, type TPrincipal } from '@delta/contracts';
import { AppError, httpFetch, isNetworkError } from '@delta/server-kit';
import { requestHash, type ServiceKeys, signServiceToken } from '@delta/service-auth';

const plantUnavailable = () =>
  new AppError(
    502,
    'plant_unavailable',
    'Plant could not be reached through the gateway. Try again shortly.',
  );

export interface PlantResponse<T = unknown> {
  status: number;
  body: T;
  contentType: string;
}

/**
 * PP's only way to Plant: through the gateway, with a short-lived EdDSA token naming the acting ops user, bound
 * to this one request (method, path and query, body bytes) and good for one use: every call, a retry included,
 * mints its own token.
 * Plant's answer (including its problem documents) is returned as is, so reasons and correlation ids survive.
 */
export function createPlantClient(options: {
  gatewayUrl: string;
  keys: ServiceKeys;
  issuer: 'pp' | 'cp';
  timeoutMs?: number;
}) {
  const base = options.gatewayUrl.replace(/\/$/, '');
  return {
    async call<T = unknown>(
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      path: string,
      ctx: {
        principal: TPrincipal;
        correlationId: string;
        body?: unknown;
        query?: Record<string, string | number | undefined>;
      },
    ): Promise<PlantResponse<T>> {
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
      let body: unknown = null;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new AppError(502, 'plant_bad_response', 'Plant answered with something that is not JSON.');
        }
      }
      return { status: res.status, body: body as T, contentType };
    },
  };
}

export type PlantClient = ReturnType<typeof createPlantClient>;
