/**
 * The (method, path) pairs a client may call. Any other request throws before any network I/O — architecture
 * rule 4. Each client gets the list its callers need: a read-only client cannot reach a write endpoint at all,
 * and a write is listed only where an app sends it. Weights are Delta's documented rate-limit units.
 */
export interface AllowedEndpoint {
  method: 'GET' | 'POST' | 'DELETE';
  template: string;
  private: boolean;
  weight: number;
}

/** What the portals (positions, orders, fills, balances, key check), market data and the streams' catch-up read. */
export const READ_ONLY_ENDPOINTS: readonly AllowedEndpoint[] = [
  { method: 'GET', template: '/v2/assets', private: false, weight: 1 },
  { method: 'GET', template: '/v2/products', private: false, weight: 3 },
  { method: 'GET', template: '/v2/products/{symbol}', private: false, weight: 3 },
  { method: 'GET', template: '/v2/tickers', private: false, weight: 3 },
  { method: 'GET', template: '/v2/tickers/{symbol}', private: false, weight: 3 },
  { method: 'GET', template: '/v2/l2orderbook/{symbol}', private: false, weight: 3 },
  { method: 'GET', template: '/v2/history/candles', private: false, weight: 3 },
  { method: 'GET', template: '/v2/orders', private: true, weight: 3 },
  { method: 'GET', template: '/v2/orders/history', private: true, weight: 10 },
  { method: 'GET', template: '/v2/orders/client_order_id/{client_oid}', private: true, weight: 1 },
  { method: 'GET', template: '/v2/orders/{id}', private: true, weight: 1 },
  { method: 'GET', template: '/v2/fills', private: true, weight: 10 },
  { method: 'GET', template: '/v2/positions', private: true, weight: 3 },
  { method: 'GET', template: '/v2/positions/margined', private: true, weight: 3 },
  { method: 'GET', template: '/v2/wallet/balances', private: true, weight: 3 },
  { method: 'GET', template: '/v2/products/{product_id}/orders/leverage', private: true, weight: 1 },
  { method: 'GET', template: '/v2/users/trading_preferences', private: true, weight: 1 },
  { method: 'GET', template: '/v2/profile', private: true, weight: 1 },
];

/**
 * Writes, each listed because an app sends it: Plant's executor places (enter/exit) and cancels (an approved
 * cancel, and the reconciler's cancel of a late order). No close_all, leverage write or withdrawal.
 */
export const WRITE_ENDPOINTS: readonly AllowedEndpoint[] = [
  { method: 'POST', template: '/v2/orders', private: true, weight: 5 },
  { method: 'DELETE', template: '/v2/orders', private: true, weight: 5 },
];

export const TRADING_ENDPOINTS: readonly AllowedEndpoint[] = [...READ_ONLY_ENDPOINTS, ...WRITE_ENDPOINTS];

export class DeltaNotAllowedError extends Error {
  readonly method: string;
  readonly path: string;
  constructor(method: string, path: string, list?: string) {
    super(`Delta call ${method} ${path} is not on the ${list ? `${list} ` : ''}allowlist`);
    this.name = 'DeltaNotAllowedError';
    this.method = method;
    this.path = path;
  }
}

// A path parameter is one safe segment: no slash, no dot-segments, no percent tricks.
const SEGMENT = '[A-Za-z0-9_\\-.]{1,64}';

/** One client's allowlist: resolves a concrete (method, path) to its endpoint, or throws. */
export class Allowlist {
  private readonly compiled: { endpoint: AllowedEndpoint; pattern: RegExp }[];

  constructor(
    readonly name: string,
    readonly endpoints: readonly AllowedEndpoint[],
  ) {
    this.compiled = endpoints.map((e) => ({
      endpoint: e,
      pattern: new RegExp(`^${e.template.replace(/\{[a-z_]+\}/g, SEGMENT)}$`),
    }));
  }

  resolve(method: string, path: string): AllowedEndpoint {
    if (path.includes('..')) throw new DeltaNotAllowedError(method, path, this.name);
    // Exact templates first, so /v2/orders/history is never taken for /v2/orders/{id}.
    const exact = this.compiled.find((c) => c.endpoint.method === method && c.endpoint.template === path);
    if (exact) return exact.endpoint;
    const match = this.compiled.find((c) => c.endpoint.method === method && c.pattern.test(path));
    if (!match) throw new DeltaNotAllowedError(method, path, this.name);
    return match.endpoint;
  }

  allows(method: string, path: string): boolean {
    try {
      this.resolve(method, path);
      return true;
    } catch {
      return false;
    }
  }
}

export const READ_ONLY_ALLOWLIST = new Allowlist('read-only', READ_ONLY_ENDPOINTS);
export const TRADING_ALLOWLIST = new Allowlist('trading', TRADING_ENDPOINTS);

/** Fills a template with path parameters, each checked to be one safe segment. */
export function pathFor(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{([a-z_]+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new DeltaNotAllowedError('?', `${template} (missing ${name})`);
    const s = String(v);
    if (!new RegExp(`^${SEGMENT}$`).test(s) || s.includes('..')) {
      throw new DeltaNotAllowedError('?', `${template} (${name} is not a safe path segment)`);
    }
    return s;
  });
}
