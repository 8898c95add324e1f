import { z } from 'zod';

/**
 * The one shape of a correlation id: a UUID, canonical 8-4-4-4-12 in lower case. A caller may send one in upper
 * case (it is normalised to lower case); anything else is not taken — a service then mints its own and returns it.
 * Nothing a caller writes there beyond 32 hex digits can reach a record or a log line.
 */
export const CORRELATION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const CORRELATION_HEADER = 'x-correlation-id';

const CORRELATION_ID_ANY_CASE =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The caller's correlation id in its canonical (lower-case) form, or undefined when it is not a UUID. */
export function normalizeCorrelationId(value: unknown): string | undefined {
  return typeof value === 'string' && CORRELATION_ID_ANY_CASE.test(value) ? value.toLowerCase() : undefined;
}

/** True for a correlation id in canonical form (what every service mints and records). */
export function isWellFormedCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && CORRELATION_ID_PATTERN.test(value);
}

/** A correlation id in a body or a query filter: any-case UUID in, canonical lower case out; anything else a 422. */
export const ZCorrelationId = z
  .string()
  .regex(
    CORRELATION_ID_ANY_CASE,
    'must be a correlation id: a UUID such as 1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  )
  .transform((v) => v.toLowerCase());
