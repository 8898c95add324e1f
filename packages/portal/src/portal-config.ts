import { z } from 'zod';

/** The portal core's settings, the same in every portal (environment names; npm start passes each). */
export const portalCoreConfigShape = {
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
};
