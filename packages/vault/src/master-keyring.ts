import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { AppError, ConfigError } from '@delta/server-kit';

/** A master key version label: `v1`, `v2`, … (numbered so an operator can tell old from new at a glance). */
export const MASTER_KEY_VERSION_PATTERN = /^v[1-9][0-9]{0,8}$/;
const MASTER_KEY_BYTES = 32;
// 32 bytes in standard or URL-safe base64, padding optional.
const BASE64_32 = /^[A-Za-z0-9+/_-]{43}=?$/;

export interface MasterKeyEntry {
  version: string;
  key: Buffer;
}

/**
 * The versioned master keys that wrap data keys. The first entry is current (new wraps use it); the others
 * only unwrap rows not yet re-wrapped. Key bytes stay in a private field: logging or serialising a keyring
 * shows versions only.
 */
export class MasterKeyring {
  readonly current: string;
  readonly versions: readonly string[];
  readonly #keys: ReadonlyMap<string, Buffer>;

  constructor(entries: readonly MasterKeyEntry[]) {
    const problems = validateEntries(entries);
    if (problems.length > 0) throw new ConfigError('vault', problems);
    this.current = entries[0]!.version;
    this.versions = entries.map((e) => e.version);
    this.#keys = new Map(entries.map((e) => [e.version, Buffer.from(e.key)]));
  }

  has(version: string): boolean {
    return this.#keys.has(version);
  }

  /** The key of `version`; a row wrapped under a version that is no longer configured is a clear 500. */
  key(version: string): Buffer {
    const key = this.#keys.get(version);
    if (!key) {
      throw new AppError(
        500,
        'vault_master_key_unknown',
        `Master key version ${version} is not in the keyring (configured: ${this.versions.join(', ')}). ` +
          `Add it back to VAULT_MASTER_KEYS (after the current one) and run the re-wrap command.`,
      );
    }
    return key;
  }

  toJSON(): { current: string; versions: readonly string[] } {
    return { current: this.current, versions: this.versions };
  }

  toString(): string {
    return `MasterKeyring(current ${this.current}; versions ${this.versions.join(', ')})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function validateEntries(entries: readonly MasterKeyEntry[]): string[] {
  const problems: string[] = [];
  if (entries.length === 0) problems.push('the keyring needs at least one master key');
  const seenVersions = new Set<string>();
  const seenKeys = new Map<string, string>();
  for (const [i, e] of entries.entries()) {
    if (!MASTER_KEY_VERSION_PATTERN.test(e.version)) {
      problems.push(`entry ${i + 1}: version "${e.version}" must look like v1, v2, …`);
    }
    if (seenVersions.has(e.version)) problems.push(`version ${e.version} appears twice`);
    seenVersions.add(e.version);
    if (e.key.length !== MASTER_KEY_BYTES) {
      problems.push(`version ${e.version}: key must be ${MASTER_KEY_BYTES} bytes, got ${e.key.length}`);
    }
    const fingerprint = e.key.toString('hex');
    const twin = seenKeys.get(fingerprint);
    // Two labels for one key is a copy-paste slip during rotation: "rotating" to it would change nothing.
    if (twin) problems.push(`versions ${twin} and ${e.version} hold the same key`);
    seenKeys.set(fingerprint, e.version);
  }
  return problems;
}

/**
 * Parses `VAULT_MASTER_KEYS` — `"v2:<base64>,v1:<base64>"`, first = current — into entries. Errors name the
 * entry and the rule, never the key text.
 */
export function parseMasterKeys(value: string, variable = 'VAULT_MASTER_KEYS'): MasterKeyEntry[] {
  const problems: string[] = [];
  const entries: MasterKeyEntry[] = [];
  const parts = value.split(',').map((p) => p.trim());
  if (value.trim() === '') problems.push(`${variable} is empty`);
  else {
    for (const [i, part] of parts.entries()) {
      const colon = part.indexOf(':');
      if (part === '') {
        problems.push(`${variable} entry ${i + 1} is empty (stray comma?)`);
        continue;
      }
      if (colon === -1) {
        problems.push(`${variable} entry ${i + 1} must be "<version>:<base64 key>", e.g. "v2:…"`);
        continue;
      }
      const version = part.slice(0, colon).trim();
      const encoded = part.slice(colon + 1).trim();
      if (!BASE64_32.test(encoded)) {
        problems.push(
          `${variable} entry ${i + 1} (${version || 'no version'}): key must be 32 bytes in base64 (44 characters)`,
        );
        continue;
      }
      entries.push({ version, key: Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64') });
    }
  }
  if (problems.length > 0) throw new ConfigError('vault', problems);
  return entries;
}

/**
 * The keyring from the environment: `VAULT_MASTER_KEYS` (several versions) or `VAULT_MASTER_KEY` (one key,
 * version v1). Setting both is refused rather than guessing which one the operator meant.
 */
export function masterKeyringFromEnv(env: Record<string, string | undefined> = process.env): MasterKeyring {
  const many = env.VAULT_MASTER_KEYS;
  const one = env.VAULT_MASTER_KEY;
  if (many !== undefined && one !== undefined) {
    throw new ConfigError('vault', [
      'set either VAULT_MASTER_KEYS ("v2:<base64>,v1:<base64>", first = current) or VAULT_MASTER_KEY, not both',
    ]);
  }
  if (many !== undefined) return new MasterKeyring(parseMasterKeys(many));
  if (one !== undefined) return new MasterKeyring(parseMasterKeys(`v1:${one}`, 'VAULT_MASTER_KEY'));
  throw new ConfigError('vault', [
    'VAULT_MASTER_KEY is missing: a base64 32-byte key (generate one with generateMasterKey())',
  ]);
}

/** A fresh master key as base64 (for dev start-up, which stores it under .data/). */
export function generateMasterKey(): string {
  return randomBytes(MASTER_KEY_BYTES).toString('base64');
}
