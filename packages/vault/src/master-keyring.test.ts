import { inspect } from 'node:util';
import { ConfigError } from '@delta/server-kit';
import { describe, expect, it } from 'vitest';
import { generateMasterKey, MasterKeyring, masterKeyringFromEnv, parseMasterKeys } from './master-keyring.ts';

const K1 = generateMasterKey();
const K2 = generateMasterKey();

function configProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('master keyring', () => {
  it('reads one key from VAULT_MASTER_KEY as version v1', () => {
    const ring = masterKeyringFromEnv({ VAULT_MASTER_KEY: K1 });
    expect(ring.current).toBe('v1');
    expect(ring.key('v1').equals(Buffer.from(K1, 'base64'))).toBe(true);
  });

  it('reads several versions from VAULT_MASTER_KEYS, first = current, whitespace tolerated', () => {
    const ring = masterKeyringFromEnv({ VAULT_MASTER_KEYS: ` v2:${K2} , v1:${K1}` });
    expect(ring.current).toBe('v2');
    expect(ring.versions).toEqual(['v2', 'v1']);
    expect(ring.key('v1').equals(Buffer.from(K1, 'base64'))).toBe(true);
  });

  it('accepts URL-safe base64', () => {
    const url = Buffer.from(K1, 'base64').toString('base64url');
    expect(parseMasterKeys(`v1:${url}`)[0]!.key.equals(Buffer.from(K1, 'base64'))).toBe(true);
  });

  it.each([
    ['empty', '', /is empty/],
    ['no colon', K1, /must be "<version>:<base64 key>"/],
    ['stray comma', `v1:${K1},`, /stray comma/],
    ['short key', `v1:${Buffer.alloc(16).toString('base64')}`, /32 bytes/],
    ['bad version', `version1:${K1}`, /must look like v1/],
    ['duplicate version', `v1:${K1},v1:${K2}`, /v1 appears twice/],
    ['same key twice', `v2:${K1},v1:${K1}`, /hold the same key/],
  ])('refuses %s with a message that names the problem', (_name, value, message) => {
    const problems = configProblems(() => masterKeyringFromEnv({ VAULT_MASTER_KEYS: value }));
    expect(problems.join('\n')).toMatch(message);
    // The key text never appears in an error.
    expect(problems.join('\n')).not.toContain(K1);
  });

  it('refuses a missing key and an ambiguous pair of variables', () => {
    expect(configProblems(() => masterKeyringFromEnv({})).join()).toMatch(/VAULT_MASTER_KEY is missing/);
    expect(
      configProblems(() =>
        masterKeyringFromEnv({ VAULT_MASTER_KEY: K1, VAULT_MASTER_KEYS: `v1:${K1}` }),
      ).join(),
    ).toMatch(/not both/);
  });

  it('an unknown version is a clear error naming what is configured', () => {
    const ring = new MasterKeyring(parseMasterKeys(`v3:${K1}`));
    expect(() => ring.key('v1')).toThrow(/v1 is not in the keyring \(configured: v3\)/);
  });

  it('never shows key bytes when logged or serialised', () => {
    const ring = new MasterKeyring(parseMasterKeys(`v2:${K2},v1:${K1}`));
    const shown = `${inspect(ring)} ${JSON.stringify(ring)} ${String(ring)} ${JSON.stringify({ ...ring })}`;
    for (const k of [K1, K2]) {
      expect(shown).not.toContain(k);
      expect(shown).not.toContain(Buffer.from(k, 'base64').toString('hex'));
    }
    expect(shown).toContain('v2');
  });
});
