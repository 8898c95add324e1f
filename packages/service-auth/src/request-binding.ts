import { createHash } from 'node:crypto';

/**
 * The one definition of a token's binding to a request: sha256 hex of `METHOD \n path-with-query \n body`, over
 * the exact bytes (no JSON normalisation). PP and CP sign it into their tokens to the gateway, the gateway checks
 * it and signs the same value into its identity assertion to Plant, and Plant recomputes it from what it received.
 * `pathWithQuery` is the request target as sent on the wire (`/api/v1/x?a=1`), not a full URL.
 */
export function requestHash(
  method: string,
  pathWithQuery: string,
  body: Buffer | Uint8Array | string | undefined,
): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${pathWithQuery}\n`)
    .update(body ?? '')
    .digest('hex');
}
