import { isKeyMaterialName, looksLikeSecret } from './secret-shape.ts';

export type FindingRule = 'key_material_name' | 'secret_shaped_value' | 'secret_shaped_name';

/** Where key material was found. `path` names the field, never its value; secret-shaped names are masked. */
export interface Finding {
  location: 'body' | 'query';
  path: string;
  rule: FindingRule;
}

const MAX_FINDINGS = 20;
const MASKED_NAME = '<redacted-name>';

/** Our hashes (intent_hash, request_hash, …) are 64 lower-case hex digits: random by design, not key material. */
function isOurHash(name: string | null, value: string): boolean {
  return name !== null && /(_hash|Hash)$/.test(name) && /^[0-9a-f]{64}$/.test(value);
}

function segment(name: string): string {
  return looksLikeSecret(name) ? MASKED_NAME : name;
}

function childPath(parent: string, name: string): string {
  const s = segment(name);
  if (parent === '') return s;
  return /^[A-Za-z_$][\w$-]*$/.test(s) ? `${parent}.${s}` : `${parent}[${JSON.stringify(s)}]`;
}

/**
 * Every place in a parsed JSON document that carries key material: a member whose name says so (with any value,
 * even an empty one — the intent is the problem), a string that looks like a secret — under an id field too (our
 * own ids never look like one; only a hash field's 64 hex digits are let through) — or a member name that itself
 * looks like a secret. Iterative, so a deeply nested body
 * cannot exhaust the stack.
 */
export function scanJson(root: unknown): Finding[] {
  const findings: Finding[] = [];
  const stack: { value: unknown; path: string; name: string | null }[] = [
    { value: root, path: '', name: null },
  ];
  while (stack.length > 0 && findings.length < MAX_FINDINGS) {
    const { value, path, name } = stack.pop()!;
    if (typeof value === 'string') {
      if (!isOurHash(name, value) && looksLikeSecret(value))
        findings.push({ location: 'body', path: path || '(root)', rule: 'secret_shaped_value' });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], path: `${path}[${i}]`, name });
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        const p = childPath(path, key);
        if (isKeyMaterialName(key)) findings.push({ location: 'body', path: p, rule: 'key_material_name' });
        else if (looksLikeSecret(key))
          findings.push({ location: 'body', path: p, rule: 'secret_shaped_name' });
        else stack.push({ value: child, path: p, name: key });
      }
    }
  }
  return findings.slice(0, MAX_FINDINGS);
}

/** The same rules over a query string (`a=1&api_key=…`); repeated names are reported once. */
export function scanQuery(search: string): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(search)) {
    const rule = queryParamRule(key, value);
    const path = segment(key);
    if (rule && !seen.has(path)) {
      seen.add(path);
      findings.push({ location: 'query', path, rule });
    }
  }
  return findings.slice(0, MAX_FINDINGS);
}

function queryParamRule(key: string, value: string): FindingRule | null {
  if (isKeyMaterialName(key)) return 'key_material_name';
  if (looksLikeSecret(key)) return 'secret_shaped_name';
  if (!isOurHash(key, value) && looksLikeSecret(value)) return 'secret_shaped_value';
  return null;
}
