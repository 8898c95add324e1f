import { parseArgs } from 'node:util';
import { baseConfigShape, env } from '@delta/server-kit';
import { z } from 'zod';

export const ZConfig = z.object({
  ...baseConfigShape,
  // Loopback unless opened on purpose (HOST=0.0.0.0, or PAPER_EXCHANGE_HOST under `npm start`).
  HOST: env.host('127.0.0.1'),
  PORT: env.port(8400),
  /** Paper mode mounts the /_paper admin API (keys, mark price, fault injection). */
  PAPER_MODE: env.bool(false),
  PAPER_SEED: z.coerce.number().int().default(42),
  /** Random-walk step of the mark price in ms (0 = still). */
  PAPER_WALK_MS: z.coerce.number().int().min(0).default(1_000),
  /** Funding exchange interval in ms (Delta: 8 h, at 00:00, 08:00 and 16:00 UTC). */
  PAPER_FUNDING_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(7 * 86_400_000)
    .default(8 * 3_600_000),
  /** A key created (or updated) at start, funded with 10,000 USD, with the Trading permission. */
  PAPER_API_KEY: z.string().min(1).optional(),
  PAPER_API_SECRET: z.string().min(1).optional(),
});
export type Config = z.infer<typeof ZConfig>;

/** `--port`, `--api-key`, `--api-secret`, `--seed`, `--paper-mode` override the environment. */
export function argvToEnv(argv: string[]): Record<string, string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'api-key': { type: 'string' },
      'api-secret': { type: 'string' },
      seed: { type: 'string' },
      'paper-mode': { type: 'boolean' },
    },
    strict: true,
  });
  const out: Record<string, string> = {};
  if (values.port) out.PORT = values.port;
  if (values.host) out.HOST = values.host;
  if (values['api-key']) out.PAPER_API_KEY = values['api-key'];
  if (values['api-secret']) out.PAPER_API_SECRET = values['api-secret'];
  if (values.seed) out.PAPER_SEED = values.seed;
  if (values['paper-mode']) out.PAPER_MODE = 'true';
  return out;
}
