import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactDeep, redactText, redactUrl } from '../src/index.ts';

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
  });
});
