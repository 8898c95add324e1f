import { createHash } from 'node:crypto';
import {
  APPROVAL_ID_PATTERN,
  CREDENTIAL_REF_PATTERN,
  CUSTOMER_ID_PATTERN,
  USER_ID_PATTERN,
  UUID_PATTERN,
} from '@delta/contracts';
import { isKeyMaterialName, looksLikeSecret, redactSecretShapedRuns } from './secret-shape.ts';

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

/** Query parameter names whose value is a credential whatever it looks like. */
const SECRET_PARAM_NAME =
  /^(api[-_]?key|api[-_]?secret|secret|password|passphrase|signature|token|private[-_]?key)$/i;
const MASKED_NAME = '[REDACTED-NAME]';
/** A run of 16+ letters and digits mixing both: how random tokens look, and how no word or route segment does. */
const RANDOM_RUN = /[A-Za-z0-9]{16,}/g;

function isRandomRun(run: string): boolean {
  let digits = 0;
  let letters = 0;
  for (const ch of run) {
    if (ch >= '0' && ch <= '9') digits++;
    else letters++;
  }
  return digits >= 2 && letters >= 2;
}

/** Ids the platform mints (packages/contracts/src/ids.ts): random by design, and safe to log. */
function isOwnId(value: string): boolean {
  return (
    CUSTOMER_ID_PATTERN.test(value) ||
    CREDENTIAL_REF_PATTERN.test(value) ||
    APPROVAL_ID_PATTERN.test(value) ||
    USER_ID_PATTERN.test(value) ||
    UUID_PATTERN.test(value.toLowerCase())
  );
}

/**
 * `text` with anything that may be key material replaced: the whole of it when it looks like a secret, else each
 * random-looking run inside it (`note=my key is 7b6f…`, a User-Agent carrying a token). Our own ids are kept.
 */
export function redactKeyMaterial(text: string): string {
  if (isOwnId(text)) return text;
  if (looksLikeSecret(text)) return REDACTED;
  const runs = redactSecretShapedRuns(text, REDACTED);
  return runs.replace(RANDOM_RUN, (run) => (isRandomRun(run) ? REDACTED : run));
}

/** URL-encodes `text`, leaving the redaction marks readable. */
function encodeKeepingMarks(text: string): string {
  if (text === MASKED_NAME) return text;
  return text.split(REDACTED).map(encodeURIComponent).join(REDACTED);
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/**
 * The one URL redaction every service logs and stores request URLs through (server-kit's request log, the
 * gateway's refusal records, error bodies that name a path). Whatever a caller put in the URL, no key material
 * comes out: a path segment or query value that looks like a secret (or carries a random-looking run) is
 * `[REDACTED]`, a parameter named like a credential has its value replaced whatever it is, and a parameter name
 * that itself looks like key material is masked. Own ids (cus_…, cred_…, apr_…, UUIDs) and words are kept.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q))
    .split('/')
    .map((segment) => (redactKeyMaterial(decoded(segment)) === decoded(segment) ? segment : REDACTED))
    .join('/');
  if (q === -1) return path;
  const kept: string[] = [];
  for (const [name, value] of new URLSearchParams(url.slice(q + 1))) {
    const safeName = redactKeyMaterial(name) === name && !looksLikeSecret(name) ? name : MASKED_NAME;
    const credential = SECRET_PARAM_NAME.test(name) || isSecretKey(name) || isKeyMaterialName(name);
    const safeValue = credential ? REDACTED : redactKeyMaterial(value);
    kept.push(`${encodeKeepingMarks(safeName)}=${encodeKeepingMarks(safeValue)}`);
  }
  return `${path}?${kept.join('&')}`;
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

/**
 * Free text (error messages, stacks) with credentials in URLs, key=value pairs and bearer tokens replaced, and any
 * run that looks like a key or secret (a value quoted back by a parser or the database, say).
 */
export function redactText(text: string): string {
  let out = text;
  for (const [re, replacement] of TEXT_SECRETS) out = out.replace(re, replacement);
  return redactSecretShapedRuns(out, REDACTED);
}

/**
 * A hashed stand-in for an id that did not have its shape, for where a record must name what was refused:
 * `sha256:` + the first 12 hex digits of its SHA-256. Never the value, nor any part of it.
 */
export function maskUntrustedId(value: string): string {
  return `sha256:${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 12)}`;
}
