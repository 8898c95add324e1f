/** The platform's processes, in start order (dependencies first). `npm start` and the e2e tests use this list. */
export interface ServiceSpec {
  name: string;
  title: string;
  entry: string;
  portVar: string;
  defaultPort: number;
  /** Opens the service beyond loopback on purpose (e.g. PP_HOST=0.0.0.0); default 127.0.0.1. */
  hostVar: string;
  /** Path a person opens first (portals: the web app; APIs: their docs). */
  openPath: string;
}

export const SERVICES: ServiceSpec[] = [
  {
    name: 'paper-exchange',
    title: 'Paper exchange (Delta India REST v2)',
    entry: 'apps/paper-exchange/src/main.ts',
    portVar: 'PAPER_EXCHANGE_PORT',
    defaultPort: 8400,
    hostVar: 'PAPER_EXCHANGE_HOST',
    openPath: '/docs',
  },
  {
    name: 'plant',
    title: 'Plant (agent runtime, 127.0.0.1 only)',
    entry: 'apps/plant/src/main.ts',
    portVar: 'PLANT_PORT',
    defaultPort: 8001,
    // Plant's config refuses anything but 127.0.0.1: it is reached only through the gateway.
    hostVar: 'PLANT_HOST',
    openPath: '/docs',
  },
  {
    name: 'plant-gateway',
    title: 'Plant gateway',
    entry: 'apps/plant-gateway/src/main.ts',
    portVar: 'PLANT_GATEWAY_PORT',
    defaultPort: 8000,
    hostVar: 'PLANT_GATEWAY_HOST',
    openPath: '/docs',
  },
  {
    name: 'pp-api',
    title: 'PP — ops portal',
    entry: 'apps/pp-api/src/main.ts',
    portVar: 'PP_PORT',
    defaultPort: 3001,
    hostVar: 'PP_HOST',
    openPath: '/',
  },
  {
    name: 'cp-api',
    title: 'CP — customer portal',
    entry: 'apps/cp-api/src/main.ts',
    portVar: 'CP_PORT',
    defaultPort: 3002,
    hostVar: 'CP_HOST',
    openPath: '/',
  },
];

export function portsFromEnv(env: Record<string, string | undefined> = process.env): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of SERVICES) out[s.name] = Number(env[s.portVar] ?? s.defaultPort);
  return out;
}

/**
 * The address each service listens on: 127.0.0.1 unless opened on purpose, by its own `<SERVICE>_HOST` or by
 * `HOST` for all of them but Plant (which only ever binds loopback; PLANT_HOST is still checked by its config).
 */
export function hostsFromEnv(env: Record<string, string | undefined> = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of SERVICES)
    out[s.name] = env[s.hostVar] || (s.name === 'plant' ? undefined : env.HOST) || '127.0.0.1';
  return out;
}
