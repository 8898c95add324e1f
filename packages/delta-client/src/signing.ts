import { createHmac } from 'node:crypto';

/** What gets signed: the exact method, timestamp, path, query (with `?`) and body bytes that are sent. */
export interface SignatureInput {
  method: string;
  /** Unix seconds, as sent in the `timestamp` header. */
  timestamp: string;
  /** Starts with /v2. */
  path: string;
  /** '' or the query string with its leading '?', byte-identical to the URL. */
  query: string;
  /** '' or the exact JSON text sent. */
  body: string;
}

export function prehash(input: SignatureInput): string {
  return input.method.toUpperCase() + input.timestamp + input.path + input.query + input.body;
}

/** lowercase hex HMAC-SHA256(api_secret, METHOD + timestamp + path + query + body) */
export function sign(secret: string, input: SignatureInput): string {
  return createHmac('sha256', secret).update(prehash(input)).digest('hex');
}

export function unixSeconds(nowMs: number = Date.now()): string {
  return String(Math.floor(nowMs / 1000));
}

export type QueryValue = string | number | boolean | null | undefined | readonly (string | number)[];

/**
 * Percent-encodes everything but RFC 3986 unreserved characters. encodeURIComponent leaves !'()* alone, and
 * the WHATWG URL parser (fetch) re-encodes ' in queries — the sent bytes would differ from the signed ones.
 */
function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Builds the query string once, so the signed bytes and the sent bytes are the same. Null, undefined and empty
 * values are dropped (Delta rejects `?expiry=`); arrays become comma lists; order is the caller's.
 */
export function buildQuery(params: Record<string, QueryValue> | undefined): string {
  if (!params) return '';
  const parts: string[] = [];
  for (const [key, raw] of Object.entries(params)) {
    if (raw === null || raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : String(raw);
    if (value === '') continue;
    parts.push(`${strictEncode(key)}=${strictEncode(value)}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Shows enough of a key to tell keys apart in logs, never enough to use it. */
export function maskKey(apiKey: string): string {
  return apiKey.length <= 4 ? '****' : `${apiKey.slice(0, 4)}****`;
}
