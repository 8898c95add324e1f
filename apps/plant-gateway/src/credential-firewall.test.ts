import { randomBytes } from 'node:crypto';
import { redactUrl } from '@delta/server-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJson, scanQuery } from './credential-firewall.ts';
import { looksLikeSecret } from './secret-shape.ts';

// Delta's documented test secret (60 hex) and a 30-character key of the same alphabet.
const DELTA_SECRET = '7b6f39dcf660ec1c7c664f612c60410a2bd0c258416b498bf0311f94228f';
const DELTA_KEY = 'a207900b7693435a8fa9230a38195d';

describe('secret shapes', () => {
  it('flags exchange keys, secrets and private keys', () => {
    for (const v of [
      DELTA_SECRET,
      DELTA_KEY,
      randomBytes(32).toString('base64'),
      randomBytes(32).toString('base64url'),
      '-----BEGIN PRIVATE KEY-----\nMC4CAQ…',
      // Random secrets with fewer than two digits (CI once drew one): caught by how many characters they use.
      'BTgPGAbXTe5mpYuGgSvLpLFJrRGLkMsGYeGuqIFSFiw',
      'BTgPGAbXTeXmpYuGgSvLpLFJrRGLkMsGYeGuqIFSFiw',
    ])
      expect(looksLikeSecret(v), v).toBe(true);
  });

  it('flags random 32-byte secrets however few digits they draw', () => {
    // 20 000 draws: before, about 1 in 170 slipped through for having fewer than 2 digits.
    let missed = 0;
    for (let i = 0; i < 20_000; i++) {
      const v = randomBytes(32).toString(i % 2 ? 'base64' : 'base64url');
      if (!looksLikeSecret(v)) missed++;
    }
    expect(missed).toBeLessThanOrEqual(3);
  });

  it('lets our ids, uuids, words, timestamps and names through', () => {
    for (const v of [
      'apr_abcdefghijklmnopqrstuvwxyz',
      'cred_pp_abcdefghijklmnopqrstuvwx23',
      'hag_3q7f2k9m4n5p6r7s8t9v2w3x4y',
      '0b8e6f8a-3c2d-4e5f-9a1b-2c3d4e5f6a7b',
      '2024-05-01T12:34:56.789Z',
      'reference_agent_trading_delta_futures',
      'AGT-TRD-DELTA-001',
      'Enter long on BTCUSD when the 15m close is above 65000',
      'ThisIsAVeryLongCamelCaseIdentifierNameForTesting',
      'AbstractSingletonProxyFactoryBeanDefinitionReader',
    ])
      expect(looksLikeSecret(v), v).toBe(false);
  });
});

describe('credential firewall', () => {
  it('finds key-material names at any depth and in arrays, naming the path only', () => {
    const body = {
      setup: { accounts: [{ label: 'main' }, { apiKey: 'x' }] },
      'API-SECRET': '',
      passphrase: null,
    };
    const findings = scanJson(body);
    expect(findings).toHaveLength(3);
    expect(findings).toEqual(
      expect.arrayContaining([
        { location: 'body', path: 'setup.accounts[1].apiKey', rule: 'key_material_name' },
        { location: 'body', path: 'API-SECRET', rule: 'key_material_name' },
        { location: 'body', path: 'passphrase', rule: 'key_material_name' },
      ]),
    );
  });

  it('finds a secret pasted into an innocent field or an id field, but not our ids and hashes', () => {
    expect(scanJson({ note: DELTA_SECRET })).toEqual([
      { location: 'body', path: 'note', rule: 'secret_shaped_value' },
    ]);
    expect(
      scanJson({
        intent_hash: 'f'.repeat(16) + DELTA_SECRET.slice(0, 48),
        approval_id: 'apr_abcdefghijklmnopqrstuvwxyz',
        setup: { credential_ref: 'cred_pp_abcdefghijklmnopqrstuvwx23' },
      }),
    ).toEqual([]);
    // An id field is no hiding place: ids are never secret-shaped, so a value there that is was pasted in.
    expect(scanJson({ approval_id: DELTA_KEY, setup: { credential_ref: DELTA_SECRET } })).toEqual([
      { location: 'body', path: 'approval_id', rule: 'secret_shaped_value' },
      { location: 'body', path: 'setup.credential_ref', rule: 'secret_shaped_value' },
    ]);
    expect(scanQuery(`customer_id=${DELTA_SECRET}`)).toEqual([
      { location: 'query', path: 'customer_id', rule: 'secret_shaped_value' },
    ]);
    const masked = scanJson({ [DELTA_SECRET]: 1 });
    expect(masked[0]?.path).toBe('<redacted-name>');
  });

  it('always catches api_key wherever it is placed (property)', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(json, fc.array(fc.constantFrom('a', 'b', 0, 1), { maxLength: 4 }), (doc, where) => {
        let tree: unknown = { api_key: 'k' };
        for (const step of where)
          tree = typeof step === 'number' ? [doc, tree] : { [step]: tree, other: doc };
        expect(scanJson(tree).some((f) => f.rule === 'key_material_name')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('checks query names and values, and redacts them for storage', () => {
    expect(scanQuery(`coin=BTC&Api_Key=x&client_secret=y&memo=${DELTA_SECRET}`).map((f) => f.path)).toEqual([
      'Api_Key',
      'client_secret',
      'memo',
    ]);
    expect(scanQuery('customer_id=cus_1&limit=10')).toEqual([]);
    const url = redactUrl(`/api/v1/x?coin=BTC&api_key=${DELTA_KEY}&memo=${DELTA_SECRET}`);
    expect(url).toBe('/api/v1/x?coin=BTC&api_key=[REDACTED]&memo=[REDACTED]');
  });
});
