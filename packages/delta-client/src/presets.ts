/** Where the client may connect. The Global host is never one of them: India keys fail there. */
export const DELTA_PRESETS = {
  india: 'https://api.india.delta.exchange',
  'india-testnet': 'https://cdn-ind.testnet.deltaex.org',
} as const;

export type DeltaPreset = keyof typeof DELTA_PRESETS | 'paper';

const FORBIDDEN_HOSTS = new Set(['api.delta.exchange', 'testnet-api.delta.exchange', 'cdn.deltaex.org']);

export class DeltaConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeltaConfigError';
  }
}

/** The base URL for a preset; `paper` needs `baseUrl` (the local paper exchange). */
export function resolveBaseUrl(preset: DeltaPreset, baseUrl?: string): string {
  let url: string;
  if (preset === 'paper') {
    if (!baseUrl) throw new DeltaConfigError('the paper preset needs baseUrl (the paper exchange URL)');
    url = baseUrl;
  } else {
    url = DELTA_PRESETS[preset];
    if (baseUrl && baseUrl.replace(/\/+$/, '') !== url) {
      throw new DeltaConfigError(`preset ${preset} is ${url}; baseUrl is only for the paper preset`);
    }
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DeltaConfigError(`invalid base URL: ${url}`);
  }
  if (FORBIDDEN_HOSTS.has(parsed.hostname.toLowerCase())) {
    throw new DeltaConfigError(
      `${parsed.hostname} is Delta Global, not Delta Exchange India: refusing to use it`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new DeltaConfigError(`unsupported protocol ${parsed.protocol}`);
  }
  if (parsed.pathname !== '/' || parsed.search) {
    throw new DeltaConfigError('baseUrl must be an origin without a path (request paths start with /v2)');
  }
  return parsed.origin;
}
