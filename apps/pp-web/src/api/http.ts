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

/** Called on any 401 so the app can drop its session and show the login page. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

async function toApiError(res: Response): Promise<ApiError> {
  const headerId = res.headers.get('x-correlation-id');
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy's HTML error page, an empty body): fall through to a generic problem.
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

/**
 * The one way this app talks to PP's API: same-origin JSON with the session cookie. Responses are parsed with
 * `schema` (untrusted input, even from our own server); a body that does not match is an error, not a guess.
 */
export async function api<T>(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  schema: z.ZodType<T>,
  body?: unknown,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError({
      status: 0,
      reason: 'network_error',
      detail: 'PP could not be reached. Check your connection and try again.',
    });
  }
  if (res.status === 401) {
    const err = await toApiError(res);
    // A failed sign-in is also a 401 but must not bounce the login page.
    if (err.reason !== 'invalid_credentials') onUnauthorized();
    throw err;
  }
  if (!res.ok) throw await toApiError(res);
  const json: unknown = res.status === 204 ? undefined : await res.json();
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiError({
      status: res.status,
      reason: 'unexpected_response',
      detail: `PP answered in a shape this page does not understand (${parsed.error.issues[0]?.path.join('.') ?? 'body'}). Reload the page; if it persists, report it with the correlation id.`,
      correlationId: res.headers.get('x-correlation-id'),
    });
  }
  return parsed.data;
}
