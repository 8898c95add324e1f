import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  maskUntrustedId,
  REDACTED,
  redactDeep,
  redactKeyMaterial,
  redactText,
  redactUrl,
} from '../src/index.ts';

// Delta's documented test secret (60 hex), a 30-character key, and a secret that is not hex.
const DELTA_SECRET = '7b6f39dcf660ec1c7c664f612c60410a2bd0c258416b498bf0311f94228f';
const DELTA_KEY = 'a207900b7693435a8fa9230a38195d';
const CANARY = 'CANARYKEY0f3a9c2e81b4d775';

describe('redaction', () => {
  it('replaces secret-keyed values at any depth and any casing, leaving the rest', () => {
    const out = redactDeep({
      user: 'ops',
      API_KEY: 'a',
      list: [{ api_secret: 'b' }, { ok: 1 }],
      deep: { a: { b: { passphrase: 'c', 'Set-Cookie': 'd', private_key: 'e' } } },
    });
    expect(out).toEqual({
      user: 'ops',
      API_KEY: REDACTED,
      list: [{ api_secret: REDACTED }, { ok: 1 }],
      deep: { a: { b: { passphrase: REDACTED, 'Set-Cookie': REDACTED, private_key: REDACTED } } },
    });
  });

  it('never lets a value under a secret key through (property)', () => {
    const keys = fc.constantFrom(
      'api_key',
      'apiKey',
      'API-SECRET',
      'secret',
      'password',
      'signature',
      'authorization',
      'cookie',
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 12 }),
        keys,
        fc.array(fc.string(), { maxLength: 4 }),
        (value, key, path) => {
          fc.pre(!REDACTED.includes(value));
          let obj: Record<string, unknown> = { [key]: value };
          for (const p of path) obj = { [`x${p}`]: obj };
          expect(JSON.stringify(redactDeep(obj))).not.toContain(JSON.stringify(value).slice(1, -1));
        },
      ),
    );
  });

  it('handles cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactDeep(a)).toEqual({ name: 'a', self: '[CIRCULAR]' });
  });

  it('redacts secret query parameters in URLs', () => {
    expect(redactUrl('/v2/x?api_key=abc&page=2&signature=zz')).toBe(
      '/v2/x?api_key=[REDACTED]&page=2&signature=[REDACTED]',
    );
  });

  it('redacts key material in any query parameter and any path segment, whatever its name', () => {
    for (const secret of [DELTA_SECRET, DELTA_KEY, CANARY]) {
      for (const url of [
        `/api/usage-events?note=${secret}`,
        `/api/usage-events?customer_id=${secret}&limit=5`,
        `/api/usage-events?memo=${encodeURIComponent(`my key is ${secret}, thanks`)}`,
        `/api/customers/${secret}/credentials`,
        `/api/hired-agents/${encodeURIComponent(secret)}?x=1`,
        `/api/x?${secret}=1`,
      ]) {
        const out = redactUrl(url);
        expect(out, url).not.toContain(secret);
        expect(out).toMatch(/\[REDACTED(-NAME)?\]/);
      }
    }
    expect(redactUrl(`/api/usage-events?customer_id=${DELTA_SECRET}&limit=5`)).toBe(
      '/api/usage-events?customer_id=[REDACTED]&limit=5',
    );
    expect(redactUrl(`/api/customers/${DELTA_KEY}/credentials`)).toBe(
      '/api/customers/[REDACTED]/credentials',
    );
  });

  it('keeps our own ids, words, numbers and timestamps in URLs (they make the logs useful)', () => {
    for (const url of [
      '/api/customers/cus_0d8m3v5k7q9s1t2w4x6y8z0a2b/credentials',
      '/api/credentials/cred_pp_abcdefghijklmnopqrstuvwx23/account',
      '/api/approvals/apr_abcdefghijklmnopqrstuvwxyz/revoke',
      '/api/hired-agents/1b4e28ba-2fa1-41d2-883f-0016d3cca427',
      '/api/reference-agents/AGT-TRD-DELTA-001/run',
      '/api/usage-events?event_type=draft_plan&from=2026-01-02T03%3A04%3A05.000Z&limit=50',
      '/v2/tickers/BTCUSD?page_size=20',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('redacts a key inside free text (a User-Agent, a note) but keeps the words', () => {
    expect(redactKeyMaterial(`curl/8.5 (token ${DELTA_KEY})`)).toBe('curl/8.5 (token [REDACTED])');
    expect(redactKeyMaterial('Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36')).toBe(
      'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36',
    );
    expect(redactKeyMaterial(DELTA_SECRET)).toBe(REDACTED);
  });

  it('masks an untrusted id as a short hash that never contains the value', () => {
    const masked = maskUntrustedId(DELTA_SECRET);
    expect(masked).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(maskUntrustedId(DELTA_SECRET)).toBe(masked);
    expect(maskUntrustedId(DELTA_KEY)).not.toBe(masked);
    expect(DELTA_SECRET).not.toContain(masked.slice(7));
  });
});

describe('free-text redaction', () => {
  it('removes credentials from connection strings, key=value pairs and bearer tokens', () => {
    expect(redactText('failed: postgres://app:hunter2@db:5432/x')).toBe(
      'failed: postgres://app:[REDACTED]@db:5432/x',
    );
    expect(redactText('bad api_secret=abc123 and "password": "p4ss"')).toBe(
      'bad api_secret=[REDACTED] and "password": "[REDACTED]"',
    );
    expect(redactText('Authorization: Bearer eyJhbGciOi.x.y')).toBe('Authorization: Bearer [REDACTED]');
    expect(redactText('order 42 filled at 65000.5')).toBe('order 42 filled at 65000.5');
    expect(redactText(`invalid input syntax for type uuid: "${DELTA_SECRET}"`)).toBe(
      'invalid input syntax for type uuid: "[REDACTED]"',
    );
  });
});
