/**
 * The only (method, path) pairs the client may call. Any other request throws before any network I/O —
 * architecture rule 4. Weights are Delta's documented rate-limit units.
 */
export interface AllowedEndpoint {
  method: 'GET' | 'POST' | 'DELETE';
  template: string;
  private: boolean;
  weight: number;
}

export const ALLOWED_ENDPOINTS: readonly AllowedEndpoint[] = [
  { method: 'GET', template: '/v2/assets', private: false, weight: 1 },
  { method: 'GET', template: '/v2/products', private: false, weight: 3 },
  { method: 'GET', template: '/v2/products/{symbol}', private: false, weight: 3 },
  { method: 'GET', template: '/v2/tickers', private: false, weight: 3 },
  { method: 'GET', template: '/v2/tickers/{symbol}', private: false, weight: 3 },
  { method: 'GET', template: '/v2/l2orderbook/{symbol}', private: false, weight: 3 },
  { method: 'POST', template: '/v2/orders', private: true, weight: 5 },
  { method: 'DELETE', template: '/v2/orders', private: true, weight: 5 },
  { method: 'GET', template: '/v2/orders', private: true, weight: 3 },
  { method: 'GET', template: '/v2/orders/history', private: true, weight: 10 },
  { method: 'GET', template: '/v2/orders/client_order_id/{client_oid}', private: true, weight: 1 },
  { method: 'GET', template: '/v2/orders/{id}', private: true, weight: 1 },
  { method: 'GET', template: '/v2/fills', private: true, weight: 10 },
  { method: 'GET', template: '/v2/positions', private: true, weight: 3 },
  { method: 'GET', template: '/v2/positions/margined', private: true, weight: 3 },
  { method: 'POST', template: '/v2/positions/close_all', private: true, weight: 1 },
  { method: 'GET', template: '/v2/wallet/balances', private: true, weight: 3 },
  { method: 'GET', template: '/v2/products/{product_id}/orders/leverage', private: true, weight: 1 },
  { method: 'POST', template: '/v2/products/{product_id}/orders/leverage', private: true, weight: 1 },
  { method: 'GET', template: '/v2/profile', private: true, weight: 1 },
];

export class DeltaNotAllowedError extends Error {
  readonly method: string;
  readonly path: string;
  constructor(method: string, path: string) {
    super(`Delta call ${method} ${path} is not on the allowlist`);
    this.name = 'DeltaNotAllowedError';
    this.method = method;
    this.path = path;
  }
}

// A path parameter is one safe segment: no slash, no dot-segments, no percent tricks.
const SEGMENT = '[A-Za-z0-9_\\-.]{1,64}';
const compiled = ALLOWED_ENDPOINTS.map((e) => ({
  endpoint: e,
  pattern: new RegExp(`^${e.template.replace(/\{[a-z_]+\}/g, SEGMENT)}$`),
}));

/** The allowlisted endpoint a concrete path belongs to, or a thrown DeltaNotAllowedError. */
export function resolveEndpoint(method: string, path: string): AllowedEndpoint {
  if (path.includes('..')) throw new DeltaNotAllowedError(method, path);
  // Exact templates first, so /v2/orders/history is never taken for /v2/orders/{id}.
  const exact = compiled.find((c) => c.endpoint.method === method && c.endpoint.template === path);
  if (exact) return exact.endpoint;
  const match = compiled.find((c) => c.endpoint.method === method && c.pattern.test(path));
  if (!match) throw new DeltaNotAllowedError(method, path);
  return match.endpoint;
}

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
