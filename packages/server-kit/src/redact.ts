/**
 * Secret-bearing field names. A value under any of these keys, at any depth, is replaced before it is logged,
 * and never echoed in an error body.
 */
export const SECRET_KEY_PATTERN =
  /^(api[-_]?key|api[-_]?secret|secret|client[-_]?secret|password|new[-_]?password|passphrase|signature|authorization|proxy-authorization|cookie|set-cookie|private[-_]?key|x-api-key|api-key|credential[-_]?bundle|master[-_]?key|data[-_]?key|session[-_]?token|csrf[-_]?token)$/i;

export const REDACTED = '[REDACTED]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key);
}

/** Deep copy of `value` with every secret-keyed member replaced. Cycles and depth are bounded. */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12) return '[TRUNCATED]';
  if (seen.has(value)) return '[CIRCULAR]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack };
  }
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) ? REDACTED : redactDeep(v, depth + 1, seen);
  }
  return out;
}

const QUERY_SECRET =
  /([?&](?:api[-_]?key|api[-_]?secret|secret|password|passphrase|signature|token|private[-_]?key)=)[^&#]*/gi;

/** A URL with the values of secret-looking query parameters replaced. */
export function redactUrl(url: string): string {
  return url.replace(QUERY_SECRET, `$1${REDACTED}`);
}

const TEXT_SECRETS: [RegExp, string][] = [
  // user:password@ in connection strings and URLs
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${REDACTED}@`],
  // key=value / key: value pairs whose key names a secret
  [
    /\b(api[-_]?key|api[-_]?secret|secret|password|passphrase|signature|token|private[-_]?key)(["']?\s*[:=]\s*["']?)[^\s"'&,;}]+/gi,
    `$1$2${REDACTED}`,
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
];

/** Free text (error messages, stacks) with credentials in URLs, key=value pairs and bearer tokens replaced. */
export function redactText(text: string): string {
  let out = text;
  for (const [re, replacement] of TEXT_SECRETS) out = out.replace(re, replacement);
  return out;
}
