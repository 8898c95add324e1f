import { type TFieldError, ZProblem } from '@delta/contracts';
import type { z } from 'zod';

/** Every failed API call becomes one of these: the problem's reason, words, correlation id and field errors. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly detail: string;
  readonly correlationId: string | null;
  readonly fieldErrors: TFieldError[];
  readonly extra: Record<string, unknown>;

  constructor(init: {
    status: number;
    reason: string;
    detail: string;
    correlationId?: string | null;
    fieldErrors?: TFieldError[];
    extra?: Record<string, unknown>;
  }) {
    super(init.detail);
    this.name = 'ApiError';
    this.status = init.status;
    this.reason = init.reason;
    this.detail = init.detail;
    this.correlationId = init.correlationId ?? null;
    this.fieldErrors = init.fieldErrors ?? [];
    this.extra = init.extra ?? {};
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** A failed response as an ApiError: its problem document, or a generic one (a proxy's HTML page, no body). */
export async function toApiError(res: Response): Promise<ApiError> {
  const headerId = res.headers.get('x-correlation-id');
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: fall through to a generic problem.
  }
  const parsed = ZProblem.safeParse(body);
  if (parsed.success) {
    const {
      type: _t,
      title: _ti,
      status: _s,
      detail,
      reason,
      correlation_id,
      errors,
      ...extra
    } = parsed.data;
    return new ApiError({
      status: res.status,
      reason,
      detail,
      correlationId: correlation_id,
      fieldErrors: errors ?? [],
      extra,
    });
  }
  return new ApiError({
    status: res.status,
    reason: res.status >= 500 ? 'server_unavailable' : 'unexpected_response',
    detail: `The server answered ${res.status} ${res.statusText}`.trim(),
    correlationId: headerId,
  });
}

export type QueryParams = Record<string, string | number | undefined | null>;

export function withQuery(path: string, params?: QueryParams): string {
  if (!params) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type Api = <T>(method: HttpMethod, path: string, schema: z.ZodType<T>, body?: unknown) => Promise<T>;

export interface ApiClientOptions {
  /** The portal's name, in the words shown when it cannot be reached or answers in an unknown shape. */
  service: string;
  /** Headers every state-changing request carries (CP's anti-forgery token). */
  unsafeHeaders?: () => Record<string, string>;
  /** 401 reasons that are a failed sign-in rather than a lost session (they must not bounce the login page). */
  signInFailures?: readonly string[];
}

/**
 * The one way a web app talks to its portal's API: same-origin JSON with the session cookie. Responses are parsed
 * with `schema` (untrusted input, even from our own server); a body that does not match is an error, not a guess.
 */
export function createApiClient(options: ApiClientOptions): {
  api: Api;
  setUnauthorizedHandler(fn: () => void): void;
} {
  let onUnauthorized: () => void = () => {};
  const quiet = new Set(options.signInFailures ?? []);
  const api: Api = async (method, path, schema, body) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') Object.assign(headers, options.unsafeHeaders?.() ?? {});
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        credentials: 'same-origin',
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError({
        status: 0,
        reason: 'network_error',
        detail: `${options.service} could not be reached. Check your connection and try again.`,
      });
    }
    if (res.status === 401) {
      const err = await toApiError(res);
      if (!quiet.has(err.reason)) onUnauthorized();
      throw err;
    }
    if (!res.ok) throw await toApiError(res);
    const json: unknown = res.status === 204 ? undefined : await res.json();
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiError({
        status: res.status,
        reason: 'unexpected_response',
        detail: `${options.service} answered in a shape this page does not understand (${parsed.error.issues[0]?.path.join('.') ?? 'body'}). Reload the page; if it persists, report it with the correlation id.`,
        correlationId: res.headers.get('x-correlation-id'),
      });
    }
    return parsed.data;
  };
  return {
    api,
    setUnauthorizedHandler(fn) {
      onUnauthorized = fn;
    },
  };
}
