/**
 * Recognising key material by name and by shape. Names catch the honest mistake (`api_secret: …`); shapes catch a
 * secret pasted into an innocent field (`note: "7b6f39dc…"`). Both are heuristics tuned to be strict on what
 * exchange credentials look like (long hex or base64 runs with mixed characters) and lenient on our own ids.
 */

// Normalised (lowercase, alphanumerics only) names that end like these carry key material:
// `api_key`, `apiKey`, `API-KEY`, `delta_api_secret`, `client_secret`, `new_password`, …
const KEY_MATERIAL_SUFFIXES = [
  'apikey',
  'apisecret',
  'secret',
  'secretkey',
  'privatekey',
  'passphrase',
  'password',
  'passwd',
  'accesskey',
  'signingkey',
];

export function isKeyMaterialName(name: string): boolean {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return n.length > 0 && KEY_MATERIAL_SUFFIXES.some((s) => n.endsWith(s));
}

/** Our own opaque ids and hashes live under keys like these; their values are random by design. */
export function isIdentifierName(name: string): boolean {
  return /(_id|_ref|_hash|Id|Ref|Hash)$/.test(name) || /^(id|ref|hash)$/i.test(name);
}

// Prefixes of ids minted by this platform (approvals, credential refs, customers, hired agents, …).
const OWN_ID_PREFIX = /^(apr|cred|cus|hag|usr|exe|prp|evt|aud)_/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-fA-F]+$/;
const BASE64ISH = /^[A-Za-z0-9+/_-]+={0,2}$/;
const PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Delta API keys are 30 hex-like characters; secrets 60. Generic secrets: 32+ chars of base64. */
const MIN_HEX_LENGTH = 28;
const MIN_BASE64_LENGTH = 32;
/** Entropy a base64 run with fewer than 2 digits needs (random 32-byte secrets: 4.2–5.3; long names: ≤ 4.25). */
const LOW_DIGIT_BASE64_BITS = 4.4;

function shannonBitsPerChar(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const SECRET_RUN = /[A-Za-z0-9+/_=-]{28,}/g;

/**
 * `text` with every run of base64-ish characters that looks like a secret replaced by `replacement` — for values
 * that may carry a key inside other words (`note=my key is 7b6f…`, a User-Agent, an error message).
 */
export function redactSecretShapedRuns(text: string, replacement: string): string {
  if (PEM_PRIVATE.test(text)) return replacement;
  return text.replace(SECRET_RUN, (run) => (looksLikeSecret(run) ? replacement : run));
}

/** True when a string value looks like an exchange key/secret or a private key rather than data. */
export function looksLikeSecret(value: string): boolean {
  if (PEM_PRIVATE.test(value)) return true;
  if (value.length < MIN_HEX_LENGTH || value.length > 4096) return false;
  if (OWN_ID_PREFIX.test(value) || UUID.test(value)) return false;
  const digits = value.replace(/[^0-9]/g, '').length;
  const letters = value.replace(/[^A-Za-z]/g, '').length;
  if (letters < 2) return false;
  // Random strings mix digits and letters; words, enum values and snake_case names rarely do.
  const mixed = digits >= 2;
  if (HEX.test(value)) return mixed && shannonBitsPerChar(value) >= 3.0;
  if (value.length < MIN_BASE64_LENGTH || !BASE64ISH.test(value)) return false;
  const bits = shannonBitsPerChar(value);
  // About 1 in 170 random 32-byte base64 secrets has fewer than 2 digits; they still spread over far more
  // characters than a long CamelCase or snake_case name (≈ 4.2 bits per character at most).
  return mixed ? bits >= 4.0 : bits >= LOW_DIGIT_BASE64_BITS;
}
