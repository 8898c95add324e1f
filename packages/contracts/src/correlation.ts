/** A correlation id we accept from a caller: 8–128 chars of a safe alphabet (no spaces, no control chars). */
export const CORRELATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;
export const CORRELATION_HEADER = 'x-correlation-id';

export function isWellFormedCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && CORRELATION_ID_PATTERN.test(value);
}
