import { accountStreamConfigShape } from '@delta/portal';
import { baseConfigShape, env } from '@delta/server-kit';
import { z } from 'zod';

export const ZConfig = z.object({
  ...baseConfigShape,
  // Loopback unless opened on purpose (HOST=0.0.0.0, or PP_HOST under `npm start`).
  HOST: env.host('127.0.0.1'),
  PORT: env.port(3001),
  PLANT_GATEWAY_URL: z.url().default('http://127.0.0.1:8000'),
  /** Plant's public keys: its EdDSA key (verifies Plant's calls to /internal) and X25519 key (bundles). */
  PLANT_JWKS_URL: z.url().default('http://127.0.0.1:8001/.well-known/jwks.json'),
  PAPER_EXCHANGE_URL: z.url().default('http://127.0.0.1:8400'),
  /** Comma-separated `version:base64key`, current first; generated into .data/keys in development. */
  VAULT_MASTER_KEYS: z.string().optional(),
  SERVICE_KEYS_JSON: z.string().optional(),
  APPROVAL_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(600),
  // How long after an approval's consumption Plant may still get its key (single-use, 60 s bundles): Plant's
  // reconciler looks a late order up for PLANT_RECONCILE_HORIZON_S (15 min by default), so keep this above it.
  BUNDLE_WINDOW_SECONDS: z.coerce.number().int().min(60).max(3_600).default(1_200),
  SESSION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .max(7 * 86_400)
    .default(8 * 3600),
  SECURE_COOKIES: env.bool(false),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  ...accountStreamConfigShape,
  /** Where customers open CP (invitation links point there), and how long an invitation lasts (72 h). */
  CP_PUBLIC_URL: z.url().default('http://localhost:3002'),
  CP_INVITE_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .max(7 * 86_400)
    .default(72 * 3600),
  /** Create demo users (printed by npm start) when the user table is empty. Never in production. */
  DEMO_SEED: env.bool(false),
});
export type Config = z.infer<typeof ZConfig>;
