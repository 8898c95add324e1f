import { refusalStatus, type TFieldError, type TRefusalCode } from '@delta/contracts';
import type { z } from 'zod';

/**
 * The one error type every service throws for an expected failure. `reason` is the machine-readable code a
 * client switches on; `status` the HTTP status; `extra` adds members to the problem body (never secrets).
 */
export class AppError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly title: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    reason: string,
    detail: string,
    options: {
      title?: string;
      extra?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.reason = reason;
    this.title = options.title ?? defaultTitle(status);
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  static badRequest(reason: string, detail: string, extra?: Record<string, unknown>) {
    return new AppError(400, reason, detail, { extra });
  }
  static unauthorized(reason: string, detail: string) {
    return new AppError(401, reason, detail);
  }
  static forbidden(reason: string, detail: string, extra?: Record<string, unknown>) {
    return new AppError(403, reason, detail, { extra });
  }
  static notFound(reason: string, detail: string) {
    return new AppError(404, reason, detail);
  }
  static conflict(reason: string, detail: string, extra?: Record<string, unknown>) {
    return new AppError(409, reason, detail, { extra });
  }
  static validation(errors: TFieldError[], detail = 'The request has invalid fields.') {
    return new AppError(422, 'validation_failed', detail, { extra: { errors } });
  }
  static tooManyRequests(reason: string, detail: string, retryAfterS: number) {
    return new AppError(429, reason, detail, {
      extra: { retry_after_s: retryAfterS },
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterS))) },
    });
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function defaultTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** zod parse whose failure is the 422 validation problem with field paths (never the offending values). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw AppError.validation(
    result.error.issues.map((i) => ({
      path: i.path.join('.') || '(root)',
      code: i.code,
      message: i.message,
    })),
    `The ${what} is invalid.`,
  );
}

/**
 * A refusal as an HTTP problem, its status the shared catalogue's (REFUSAL_REASONS in @delta/contracts) — never
 * the thrower's choice: code answers with a code, the catalogue says what that is in HTTP.
 */
export function problem(
  code: TRefusalCode,
  detail: string,
  options: { extra?: Record<string, unknown>; retryAfterS?: number; byPolicy?: boolean } = {},
): AppError {
  return new AppError(refusalStatus(code, options.byPolicy), code, detail, {
    extra: options.extra ?? {},
    headers: options.retryAfterS === undefined ? {} : { 'retry-after': String(options.retryAfterS) },
  });
}
