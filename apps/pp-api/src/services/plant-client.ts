import { CORRELATION_HEADER, type TPrincipal } from '@delta/contracts';
import { AppError, httpFetch } from '@delta/server-kit';
import { type ServiceKeys, signServiceToken } from '@delta/service-auth';

export interface PlantResponse<T = unknown> {
  status: number;
  body: T;
  contentType: string;
}

/**
 * PP's only way to Plant: through the gateway, with a short-lived EdDSA token naming the acting ops user.
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
      const token = await signServiceToken(options.keys, {
        iss: options.issuer,
        aud: 'plant-gateway',
        principal: ctx.principal,
        correlation_id: ctx.correlationId,
      });
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(ctx.query ?? {}))
        if (v !== undefined && v !== '') qs.set(k, String(v));
      const url = `${base}${path}${qs.size ? `?${qs}` : ''}`;
      let res: Response;
      try {
        res = await httpFetch(url, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            [CORRELATION_HEADER]: ctx.correlationId,
            ...(ctx.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: ctx.body === undefined ? undefined : JSON.stringify(ctx.body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
        });
      } catch {
        throw new AppError(
          502,
          'plant_unavailable',
          'Plant could not be reached through the gateway. Try again shortly.',
        );
      }
      const contentType = res.headers.get('content-type') ?? 'application/json';
      const text = await res.text();
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
