const B64URL = /^[A-Za-z0-9_-]*$/;

export function b64u(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Decodes strict base64url (no padding, no other characters); undefined when `s` is not that. */
export function fromB64u(s: string): Buffer | undefined {
  if (!B64URL.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64url');
}

/** A JSON object (not an array, not null) from base64url-encoded UTF-8; undefined when it is anything else. */
export function jsonObjectFromB64u(s: string): Record<string, unknown> | undefined {
  const bytes = fromB64u(s);
  if (!bytes || bytes.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}
