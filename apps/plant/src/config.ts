import { baseConfigShape, env } from '@delta/server-kit';
import { z } from 'zod';

const DECIMAL = /^(0|[1-9]\d{0,14})(\.\d{1,8})?$/;

export const ZConfig = z.object({
  ...baseConfigShape,
  // Plant is reached only through the gateway: it never listens on anything but loopback.
  HOST: env
    .host('127.0.0.1')
    .refine((h) => h === '127.0.0.1', 'Plant binds to 127.0.0.1 only; expose it through the plant gateway'),
  PORT: env.port(8001),
  // The gateway signs the X-Identity-Assertion of every /api/ request; Plant trusts only keys published here.
  GATEWAY_JWKS_URL: z.url().default('http://127.0.0.1:8000/.well-known/jwks.json'),
  // Where market data comes from: the exchange's public endpoints (paper in development), or fixed dev prices.
  PLANT_MARKET_DATA: z.enum(['paper', 'india', 'india-testnet', 'static']).default('paper'),
  PAPER_EXCHANGE_URL: z.url().default('http://127.0.0.1:8400'),
  // The portals' internal APIs (approvals, credential bundles) and their public keys (bundle signatures).
  PP_API_URL: z.url().default('http://127.0.0.1:3001'),
  CP_API_URL: z.url().default('http://127.0.0.1:3002'),
  PP_JWKS_URL: z.url().default('http://127.0.0.1:3001/.well-known/jwks.json'),
  CP_JWKS_URL: z.url().default('http://127.0.0.1:3002/.well-known/jwks.json'),
  SERVICE_KEYS_JSON: z.string().optional(),
  // Ops override of the trading agent's daily run budget (e.g. for a load test); unset = the spec's own.
  PLANT_MAX_RUNS_PER_DAY: z.coerce.number().int().min(1).max(100_000_000).optional(),
  PLANT_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  // How long an order's absence at the exchange stays provisional (`unknown`) before it is `not_placed`; the
  // portals' bundle window (PP's BUNDLE_WINDOW_SECONDS) must be longer. See docs/execution.md.
  PLANT_RECONCILE_HORIZON_S: z.coerce.number().int().min(10).max(3_000).default(900),
  // The request path's hold on an execution without renewal: after a crash the reconciler takes over this late.
  PLANT_EXECUTION_LEASE_S: z.coerce.number().int().min(2).max(600).default(30),
  // The request path's hold on an execution it announced before consuming its approval; must outlast the
  // consumption (the approval hook allows 15 s). After it, the reconciler asks the portal what became of it.
  PLANT_ATTEMPT_LEASE_S: z.coerce.number().int().min(2).max(600).default(60),
  // Delta India credits INR deposits at a fixed rate; configurable in case that changes.
  PLANT_INR_PER_USD: z
    .string()
    .regex(DECIMAL, 'must be a decimal string such as 85')
    .refine((v) => /[1-9]/.test(v), 'must be greater than 0')
    .default('85'),
  PLANT_HOOK_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(10_000),
  // Until the Delta client supplies live tickers: fixed mark prices for dev/demo, e.g. "BTCUSD=65000,ETHUSD=3400".
  PLANT_DEV_MARK_PRICES: z
    .string()
    .regex(/^([A-Z0-9]+=\d+(\.\d+)?)(,[A-Z0-9]+=\d+(\.\d+)?)*$/, 'must look like BTCUSD=65000,ETHUSD=3400')
    .optional(),
});
export type Config = z.infer<typeof ZConfig>;

export function parseDevMarkPrices(value: string | undefined): Record<string, string> {
  if (!value) return {};
  return Object.fromEntries(value.split(',').map((pair) => pair.split('=') as [string, string]));
}
