import { baseConfigShape, env } from '@delta/server-kit';
import { z } from 'zod';

export const ZConfig = z.object({
  ...baseConfigShape,
  // Loopback unless opened on purpose (HOST=0.0.0.0, or CP_HOST under `npm start`).
  HOST: env.host('127.0.0.1'),
  PORT: env.port(3002),
});
export type Config = z.infer<typeof ZConfig>;
