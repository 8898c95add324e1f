import { z } from 'zod';

export const ZHealth = z.object({
  status: z.literal('ok'),
  service: z.string(),
  version: z.string(),
  uptime_s: z.number(),
});
export type THealth = z.infer<typeof ZHealth>;

export const ZReadiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  service: z.string(),
  checks: z.object({
    database: z.enum(['ok', 'unreachable']),
    migrations: z.enum(['applied', 'pending']),
  }),
  pending_migrations: z.array(z.string()),
});
export type TReadiness = z.infer<typeof ZReadiness>;
