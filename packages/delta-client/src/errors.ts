/**
 * The client's error taxonomy. Each carries the exchange's code and HTTP status when there was one, plus the
 * exchange's context (e.g. margin figures) — never the secret, the signature or the full API key.
 */
export type DeltaErrorKind =
  | 'authentication'
  | 'permission'
  | 'insufficient_margin'
  | 'invalid_order'
  | 'not_found'
  | 'rate_limited'
  | 'exchange_unavailable'
  | 'outcome_unknown'
  | 'bad_response'
  | 'subscription_refused';

export interface DeltaErrorDetails {
  code?: string | undefined;
  status?: number | undefined;
  context?: Record<string, unknown> | undefined;
  method?: string | undefined;
  path?: string | undefined;
  correlationId?: string | undefined;
  cause?: unknown;
}

export class DeltaError extends Error {
  readonly kind: DeltaErrorKind;
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly context: Record<string, unknown> | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly correlationId: string | undefined;

  constructor(kind: DeltaErrorKind, message: string, details: DeltaErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DeltaError';
    this.kind = kind;
    this.code = details.code;
    this.status = details.status;
    this.context = details.context;
    this.method = details.method;
    this.path = details.path;
    this.correlationId = details.correlationId;
  }
}

export class DeltaAuthenticationError extends DeltaError {
  constructor(message: string, d: DeltaErrorDetails = {}) {
    super('authentication', message, d);
    this.name = 'DeltaAuthenticationError';
  }
}
export class DeltaPermissionError extends DeltaError {
  constructor(message: string, d: DeltaErrorDetails = {}) {
    super('permission', message, d);
    this.name = 'DeltaPermissionError';
  }
}
export class DeltaInsufficientMarginError extends DeltaError {
  constructor(message: string, d: DeltaErrorDetails = {}) {
    super('insufficient_margin', message, d);
    this.name = 'DeltaInsufficientMarginError';
  }
}
export class DeltaInvalidOrderError extends DeltaError {
  constructor(message: string, d: DeltaErrorDetails = {}) {
    super('invalid_order', message, d);
    this.name = 'DeltaInvalidOrderError';
  }
}
export class DeltaNotFoundError extends DeltaError {
  constructor(message: string, d: DeltaErrorDetails = {}) {
    super('not_found', message, d);
    this.name = 'DeltaNotFoundError';
  }
}
export class DeltaRateLimitedError extends DeltaError {
  /** ms until the exchange's window resets (from X-RATE-LIMIT-RESET), when known. */
  readonly resetMs: number | undefined;
  constructor(message: string, d: DeltaErrorDetails & { resetMs?: number | undefined } = {}) {
    super('rate_limited', message, d);
    this.name = 'DeltaRateLimitedError';
    this.resetMs = d.resetMs;
  }
}
export class DeltaUnavailableError extends DeltaError {
  constructor(message: string, d: DeltaErrorDetails = {}) {
    super('exchange_unavailable', message, d);
    this.name = 'DeltaUnavailableError';
  }
}
/** A write may or may not have happened and the client could not find out in time. Never blindly retry. */
export class DeltaOutcomeUnknownError extends DeltaError {
  readonly clientOrderId: string | undefined;
  constructor(message: string, d: DeltaErrorDetails & { clientOrderId?: string | undefined } = {}) {
    super('outcome_unknown', message, d);
    this.name = 'DeltaOutcomeUnknownError';
    this.clientOrderId = d.clientOrderId;
  }
}
/** The exchange answered something that does not match the documented shape (untrusted input). */
export class DeltaBadResponseError extends DeltaError {
  constructor(message: string, d: DeltaErrorDetails = {}) {
    super('bad_response', message, d);
    this.name = 'DeltaBadResponseError';
  }
}

const MARGIN_CODES = new Set(['insufficient_margin', 'order_size_exceed_available', 'out_of_bankruptcy']);
const NOT_FOUND_CODES = new Set(['not_found', 'open_order_not_found', 'order_not_found']);
const PERMISSION_CODES = new Set(['UnauthorizedApiAccess', 'ip_not_whitelisted_for_api_key', 'Forbidden']);
const AUTH_CODES = new Set([
  'invalid_api_key',
  'invalid_signature',
  'Signature Mismatch',
  'SignatureExpired',
]);

interface ParsedErrorBody {
  code: string | undefined;
  context: Record<string, unknown> | undefined;
}

/** Both Delta error shapes: {success:false,error:{code,context}} and {error:"SignatureExpired",message}. */
export function parseErrorBody(text: string): ParsedErrorBody {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && 'error' in body) {
      const err = (body as { error: unknown }).error;
      if (typeof err === 'string') return { code: err, context: undefined };
      if (err && typeof err === 'object') {
        const code = (err as { code?: unknown }).code;
        const context = (err as { context?: unknown }).context;
        return {
          code: typeof code === 'string' ? code : undefined,
          context: context && typeof context === 'object' ? (context as Record<string, unknown>) : undefined,
        };
      }
    }
  } catch {
    // Not JSON (e.g. the plain-text 404 for an unknown path).
  }
  return { code: undefined, context: undefined };
}

/** Maps an HTTP error answer to the taxonomy. */
export function errorFromResponse(
  status: number,
  text: string,
  d: Omit<DeltaErrorDetails, 'code' | 'status' | 'context'> & { resetMs?: number | undefined },
): DeltaError {
  const { code, context } = parseErrorBody(text);
  const details = { ...d, code, status, context };
  const what = `Delta ${d.method ?? ''} ${d.path ?? ''} failed with ${status}${code ? ` ${code}` : ''}`;
  if (status === 429) return new DeltaRateLimitedError(what, details);
  if (code && PERMISSION_CODES.has(code)) return new DeltaPermissionError(what, details);
  if (status === 401 || (code && AUTH_CODES.has(code))) return new DeltaAuthenticationError(what, details);
  if (status === 403) return new DeltaPermissionError(what, details);
  if (code && MARGIN_CODES.has(code)) return new DeltaInsufficientMarginError(what, details);
  if (code && NOT_FOUND_CODES.has(code)) return new DeltaNotFoundError(what, details);
  if (status === 404) return new DeltaNotFoundError(what, details);
  if (status >= 500) return new DeltaUnavailableError(what, details);
  return new DeltaInvalidOrderError(what, details);
}
