import { join } from 'node:path';
import { baseConfigShape, defaultDataDir, env } from '@delta/server-kit';
import { z } from 'zod';

const trimSlash = (url: string) => url.replace(/\/+$/, '');

export const ZConfig = z
  .object({
    ...baseConfigShape,
    // Loopback unless opened on purpose (HOST=0.0.0.0, or PLANT_GATEWAY_HOST under `npm start`).
    HOST: env.host('127.0.0.1'),
    PORT: env.port(8000),
    PLANT_URL: z.url().default('http://127.0.0.1:8001').transform(trimSlash),
    // Portal base URLs only matter for the JWKS defaults below; each JWKS URL can also be given directly.
    PP_API_URL: env.optionalUrl(),
    CP_API_URL: env.optionalUrl(),
    PP_JWKS_URL: env.optionalUrl(),
    CP_JWKS_URL: env.optionalUrl(),
    // Per caller (issuer + principal): an average rate and a burst. 0 turns the limit off (benchmarks); see
    // docs/decisions.md.
    GATEWAY_RATE_LIMIT_PER_S: z.coerce.number().min(0).max(100_000).default(50),
    GATEWAY_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(100),
    // An execution waits for the exchange; this bounds how long a caller waits for Plant before a 504.
    GATEWAY_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
    // Production: the secret store injects the keys; development: generated under .data/keys on first start.
    SERVICE_KEYS_JSON: z.string().optional(),
    SERVICE_KEYS_FILE: z.string().optional(),
  })
  .transform((c) => ({
    ...c,
    PP_JWKS_URL:
      c.PP_JWKS_URL ?? `${trimSlash(c.PP_API_URL ?? 'http://127.0.0.1:3001')}/.well-known/jwks.json`,
    CP_JWKS_URL:
      c.CP_JWKS_URL ?? `${trimSlash(c.CP_API_URL ?? 'http://127.0.0.1:3002')}/.well-known/jwks.json`,
    SERVICE_KEYS_FILE: c.SERVICE_KEYS_FILE ?? join(defaultDataDir('keys'), 'plant-gateway.json'),
  }));
export type Config = z.infer<typeof ZConfig>;
