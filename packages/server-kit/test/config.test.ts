import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigShape, ConfigError, env, parseConfig } from '../src/index.ts';

const schema = z.object({
  ...baseConfigShape,
  HOST: env.host('0.0.0.0'),
  PORT: env.port(3000),
  FEATURE: env.bool(false),
});

describe('config', () => {
  it('applies defaults and coerces values', () => {
    const c = parseConfig('svc', schema, { PORT: '4000', FEATURE: 'yes' });
    expect(c).toMatchObject({
      PORT: 4000,
      HOST: '0.0.0.0',
      FEATURE: true,
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    });
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('names every bad variable', () => {
    try {
      parseConfig('svc', schema, { PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'not a url' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.problems).toHaveLength(3);
      expect(e.message).toMatch(/PORT is invalid/);
      expect(e.message).toMatch(/LOG_LEVEL is invalid/);
      expect(e.message).toMatch(/DATABASE_URL is invalid/);
      expect(e.message.startsWith('svc: invalid configuration')).toBe(true);
    }
  });

  it('says when a required variable is missing', () => {
    const required = z.object({ VAULT_MASTER_KEY: z.string().min(1) });
    expect(() => parseConfig('pp', required, {})).toThrow(/VAULT_MASTER_KEY is missing/);
  });
});
