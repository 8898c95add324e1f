import { accountStreamConfigShape, portalCoreConfigShape } from '@delta/portal';
import { baseConfigShape, env } from '@delta/server-kit';
import { z } from 'zod';

export const ZConfig = z.object({
  ...baseConfigShape,
  // Loopback unless opened on purpose (HOST=0.0.0.0, or CP_HOST under `npm start`).
  HOST: env.host('127.0.0.1'),
  PORT: env.port(3002),
  ...portalCoreConfigShape,
  /** PP's public keys: PP signs the invitations customers sign up with. */
  PP_JWKS_URL: z.url().default('http://127.0.0.1:3001/.well-known/jwks.json'),
  /**
   * Where customers' browsers open CP: the WebAuthn origin, and its host name the relying party id (passkeys are
   * bound to it). Browsers take `localhost` but no IP address as a relying party id.
   */
  CP_PUBLIC_URL: z.url().default('http://localhost:3002'),
  WEBAUTHN_RP_NAME: z.string().min(1).max(64).default('Delta trading agent'),
  SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).max(86_400).default(1_800),
  SESSION_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .max(30 * 86_400)
    .default(12 * 3600),
  /** Cookies are Secure unless CP listens on loopback only (development); set to force either way. */
  SECURE_COOKIES: z.enum(['true', 'false']).optional(),
  /** Failed sign-ins (and step-ups) per account, and per client address, within LOGIN_THROTTLE_SECONDS. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).max(10_000).default(20),
  LOGIN_THROTTLE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  ...accountStreamConfigShape,
  /** `npm start` only: a demo customer login (see scripts/start.ts). Never in production. */
  DEMO_SEED: env.bool(false),
});
export type Config = z.infer<typeof ZConfig>;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function secureCookies(config: Config): boolean {
  if (config.SECURE_COOKIES) return config.SECURE_COOKIES === 'true';
  return !LOOPBACK.has(config.HOST);
}
