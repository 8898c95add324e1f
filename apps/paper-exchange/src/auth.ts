import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The exchange's side of Delta's HMAC scheme, written independently of the client's signer so that one
 * cannot hide the other's bug: lowercase hex HMAC-SHA256(secret, METHOD + timestamp + path + query + body).
 */
export function expectedSignature(secret: string, prehash: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(prehash, 'utf8')).digest('hex');
}

/** `pathWithQuery` is the request target exactly as received (`/v2/orders?product_id=1`). */
export function prehashOf(method: string, timestamp: string, pathWithQuery: string, body: string): string {
  return `${method.toUpperCase()}${timestamp}${pathWithQuery}${body}`;
}

export function signatureMatches(secret: string, prehash: string, given: string): boolean {
  const want = Buffer.from(expectedSignature(secret, prehash), 'utf8');
  const got = Buffer.from(given, 'utf8');
  return want.length === got.length && timingSafeEqual(want, got);
}

export const SIGNATURE_WINDOW_S = 5;

/** Unix seconds, within 5 s of now either way. A millisecond timestamp is "expired" like any far-off one. */
export function timestampFresh(timestamp: string, nowMs: number): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= SIGNATURE_WINDOW_S;
}
