import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Allowlist } from './allowlist.ts';
import {
  DeltaBadResponseError,
  DeltaRateLimitedError,
  DeltaUnavailableError,
  errorFromResponse,
} from './errors.ts';
import { httpFetch } from './http-fetch.ts';
import { type DeltaPreset, resolveBaseUrl } from './presets.ts';
import { budgetFor, DEFAULT_RATE_BUDGET, type RateBudgetOptions } from './rate-budget.ts';
import { ZEnvelope } from './schemas.ts';
import { type DeltaCredentials, type RequestSpec, rateLimitResetMs, Transport } from './transport.ts';

/** How any client reaches the exchange; the allowlist is not an option: the client class decides it. */
export interface DeltaConnectionOptions {
  preset: DeltaPreset;
  /** Required for the `paper` preset (e.g. http://127.0.0.1:8400). */
  baseUrl?: string;
  credentials?: DeltaCredentials;
  logger?: Logger;
  userAgent?: string;
  /** Per-attempt timeout (default 5,000 ms). */
  timeoutMs?: number;
  /** Attempts for reads and idempotent writes (default 4). */
  readAttempts?: number;
  /** First backoff step; doubles per attempt with full jitter (default 100 ms, capped at 2 s). */
  retryBaseMs?: number;
  /** Client-side weight budget per key (default 9,000 units / 5 min); false disables it. */
  rateBudget?: RateBudgetOptions | false;
  /** Longest wait for a rate-limit reset before failing with DeltaRateLimitedError (default 60 s). */
  maxRateLimitWaitMs?: number;
  fetch?: typeof fetch;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The request machinery every client shares: one transport bound to one allowlist, response parsing (exchange
 * answers are untrusted input) and the retry policy for reads and idempotent writes.
 */
export class Requester {
  readonly transport: Transport;
  readonly maxRateLimitWaitMs: number;
  private readonly attempts: number;
  private readonly retryBaseMs: number;

  constructor(options: DeltaConnectionOptions, allowlist: Allowlist) {
    const baseUrl = resolveBaseUrl(options.preset, options.baseUrl);
    const budget =
      options.rateBudget === false
        ? undefined
        : budgetFor(
            `${baseUrl}|${options.credentials?.apiKey ?? 'public'}`,
            options.rateBudget ?? DEFAULT_RATE_BUDGET,
          );
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 60_000;
    this.transport = new Transport({
      baseUrl,
      allowlist,
      credentials: options.credentials,
      userAgent: options.userAgent ?? 'delta-agent-platform/0.1 (delta-client)',
      timeoutMs: options.timeoutMs ?? 5_000,
      logger: options.logger,
      budget,
      maxRateLimitWaitMs: this.maxRateLimitWaitMs,
      fetch: options.fetch ?? httpFetch,
    });
    this.attempts = Math.max(1, options.readAttempts ?? 4);
    this.retryBaseMs = options.retryBaseMs ?? 100;
  }

  /** Parses `{success:true,result}` and then the result with `schema`; anything else is a typed error. */
  parse<S extends z.ZodType>(spec: RequestSpec, status: number, text: string, schema: S) {
    const d = { status, method: spec.method, path: spec.path, correlationId: spec.correlationId };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new DeltaBadResponseError(
        `Delta ${spec.method} ${spec.path} answered ${status} with non-JSON`,
        d,
      );
    }
    const env = ZEnvelope.safeParse(json);
    const result = env.success ? schema.safeParse(env.data.result) : undefined;
    if (!env.success || !result?.success) {
      const issues = (env.success ? result?.error?.issues : env.error.issues) ?? [];
      throw new DeltaBadResponseError(
        `Delta ${spec.method} ${spec.path} answered an unexpected shape: ${issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
        d,
      );
    }
    return { result: result.data as z.infer<S>, meta: env.data.meta ?? {} };
  }

  /** One attempt, mapped: 2xx → parsed result; anything else → typed DeltaError. */
  async once<S extends z.ZodType>(spec: RequestSpec, schema: S) {
    const out = await this.transport.send(spec);
    const d = { method: spec.method, path: spec.path, correlationId: spec.correlationId };
    if (out.kind === 'transport') {
      throw new DeltaUnavailableError(`Delta ${spec.method} ${spec.path}: ${out.reason}`, {
        ...d,
        cause: out.cause,
      });
    }
    if (out.status >= 200 && out.status < 300) return this.parse(spec, out.status, out.text, schema);
    throw errorFromResponse(out.status, out.text, { ...d, resetMs: rateLimitResetMs(out.headers) });
  }

  /** Reads and idempotent writes: jittered exponential backoff on 5xx/timeouts, waits out 429 resets. */
  async call<S extends z.ZodType>(spec: RequestSpec, schema: S) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(spec, schema);
      } catch (err) {
        if (err instanceof DeltaRateLimitedError && err.status === 429) {
          const wait = err.resetMs ?? 1_000;
          if (wait > this.maxRateLimitWaitMs || attempt >= this.attempts + 2) throw err;
          await sleep(wait);
          continue;
        }
        const retryable = err instanceof DeltaUnavailableError || err instanceof DeltaBadResponseError;
        if (!retryable || attempt >= this.attempts) throw err;
        const cap = Math.min(2_000, this.retryBaseMs * 2 ** (attempt - 1));
        await sleep(Math.random() * cap);
      }
    }
  }
}
