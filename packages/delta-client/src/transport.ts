import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Allowlist } from './allowlist.ts';
import { DeltaAuthenticationError, DeltaRateLimitedError } from './errors.ts';
import { type RateBudget, RateBudgetExhausted } from './rate-budget.ts';
import { buildQuery, maskKey, type QueryValue, sign, unixSeconds } from './signing.ts';

export interface DeltaCredentials {
  apiKey: string;
  apiSecret: string;
}

export interface CallOptions {
  /** Logged with every request and sent as X-Correlation-ID (our own services echo it). */
  correlationId?: string;
  signal?: AbortSignal;
  /** Per-attempt timeout; default the client's. */
  timeoutMs?: number;
}

export interface RequestSpec extends CallOptions {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** The most this request waits for the key's rate budget (default: the client's maxRateLimitWaitMs). */
  maxBudgetWaitMs?: number;
}

export type Outcome =
  | { kind: 'response'; status: number; headers: Headers; text: string }
  | { kind: 'transport'; reason: 'timeout' | 'network'; cause: unknown };

export interface TransportOptions {
  baseUrl: string;
  /** What this client may call; checked before the budget, the signature and any I/O. */
  allowlist: Allowlist;
  credentials: DeltaCredentials | undefined;
  userAgent: string;
  timeoutMs: number;
  logger: Logger | undefined;
  budget: RateBudget | undefined;
  maxRateLimitWaitMs: number;
  fetch: typeof fetch;
}

/**
 * One HTTP attempt, never retried here: allowlist check (before any I/O), rate budget, signing over the exact
 * bytes sent, debug logging with the correlation id and a masked key.
 */
export class Transport {
  constructor(readonly options: TransportOptions) {}

  async send(spec: RequestSpec): Promise<Outcome> {
    const endpoint = this.options.allowlist.resolve(spec.method, spec.path);
    const correlationId = spec.correlationId ?? randomUUID();
    const creds = this.options.credentials;
    if (endpoint.private && !creds) {
      throw new DeltaAuthenticationError(`Delta ${spec.method} ${spec.path} needs API credentials`, {
        method: spec.method,
        path: spec.path,
        correlationId,
      });
    }
    if (this.options.budget) {
      try {
        await this.options.budget.acquire(
          endpoint.weight,
          spec.maxBudgetWaitMs ?? this.options.maxRateLimitWaitMs,
        );
      } catch (err) {
        // Nothing was sent: a definite, typed refusal rather than an unknown outcome.
        if (err instanceof RateBudgetExhausted) {
          throw new DeltaRateLimitedError(`local rate budget for this key is spent for ${err.waitMs} ms`, {
            method: spec.method,
            path: spec.path,
            correlationId,
            resetMs: err.waitMs,
          });
        }
        throw err;
      }
    }
    const query = buildQuery(spec.query);
    const body = spec.body === undefined ? '' : JSON.stringify(spec.body);
    const headers: Record<string, string> = {
      'User-Agent': this.options.userAgent,
      Accept: 'application/json',
      'X-Correlation-ID': correlationId,
    };
    if (body) headers['Content-Type'] = 'application/json';
    if (endpoint.private && creds) {
      const timestamp = unixSeconds();
      headers['api-key'] = creds.apiKey;
      headers.timestamp = timestamp;
      headers.signature = sign(creds.apiSecret, {
        method: spec.method,
        timestamp,
        path: spec.path,
        query,
        body,
      });
    }
    const timeout = AbortSignal.timeout(spec.timeoutMs ?? this.options.timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const started = performance.now();
    const log = {
      correlation_id: correlationId,
      method: spec.method,
      path: spec.path,
      query,
      api_key_masked: creds && endpoint.private ? maskKey(creds.apiKey) : undefined,
    };
    this.options.logger?.debug(log, 'delta request');
    try {
      const res = await this.options.fetch(this.options.baseUrl + spec.path + query, {
        method: spec.method,
        headers,
        body: body || undefined,
        signal,
      });
      const text = await res.text();
      // Delta's 429 blocks the key until its window resets: every client on this key waits (or refuses locally)
      // instead of spending more requests the exchange will refuse anyway.
      if (res.status === 429) this.options.budget?.blockFor(rateLimitResetMs(res.headers) ?? 1_000);
      this.options.logger?.debug(
        { ...log, status: res.status, duration_ms: Math.round(performance.now() - started) },
        'delta response',
      );
      return { kind: 'response', status: res.status, headers: res.headers, text };
    } catch (cause) {
      if (spec.signal?.aborted) throw cause;
      const reason = timeout.aborted ? 'timeout' : 'network';
      this.options.logger?.debug(
        { ...log, outcome: reason, duration_ms: Math.round(performance.now() - started) },
        'delta request failed',
      );
      return { kind: 'transport', reason, cause: describeCause(cause) };
    }
  }
}

/** Keeps only the error's name and message: a fetch error can carry the request (and its headers). */
function describeCause(cause: unknown): Error {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
    const e = new Error(`${cause.name}: ${cause.message}${inner}`);
    e.name = 'TransportError';
    return e;
  }
  return new Error('transport failure');
}

/** X-RATE-LIMIT-RESET is the ms until the window resets. */
export function rateLimitResetMs(headers: Headers): number | undefined {
  const v = headers.get('x-rate-limit-reset');
  const n = v === null ? Number.NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
