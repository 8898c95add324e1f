import { accountStreamConfigShape, portalCoreConfigShape } from '@delta/portal';
import { baseConfigShape, env } from '@delta/server-kit';
import { z } from 'zod';

export const ZConfig = z.object({
  ...baseConfigShape,
  // Loopback unless opened on purpose (HOST=0.0.0.0, or PP_HOST under `npm start`).
  HOST: env.host('127.0.0.1'),
  PORT: env.port(3001),
  ...portalCoreConfigShape,
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
