import { baseConfigShape, env } from '@delta/server-kit';
import { z } from 'zod';

export const ZConfig = z.object({
  ...baseConfigShape,
  HOST: env.host('0.0.0.0'),
  PORT: env.port(8400),
});
export type Config = z.infer<typeof ZConfig>;
