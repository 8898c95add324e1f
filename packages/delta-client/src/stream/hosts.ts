import { DeltaConfigError, type DeltaPreset, resolveBaseUrl } from '../presets.ts';

/**
 * Delta's two socket hosts per environment (changelog 2025–26): the private host serves key-auth, the private
 * channels and — until 31 July 2026 — the legacy public channels; the public host serves the compact public
 * channels. The paper exchange serves both on its own port: `/` is the private host, `/public` the public one.
 */
export const DELTA_SOCKET_HOSTS = {
  india: {
    private: 'wss://socket.india.delta.exchange',
    public: 'wss://public-socket.india.delta.exchange',
  },
  'india-testnet': {
    private: 'wss://socket-ind.testnet.deltaex.org',
    public: 'wss://socket-ind-pub.testnet.deltaex.org',
  },
} as const;

export type SocketHost = 'private' | 'public';

// Delta Global's sockets: India keys fail there, exactly as on Global's REST host.
const FORBIDDEN_HOSTS = new Set([
  'socket.delta.exchange',
  'testnet-socket.delta.exchange',
  'api.delta.exchange',
]);

/**
 * The socket URL for a preset and host. `socketUrl` is for the paper preset only (a test may put a proxy in
 * front); otherwise the paper URL follows from the REST `baseUrl` (same origin, ws scheme).
 */
export function resolveSocketUrl(
  preset: DeltaPreset,
  host: SocketHost,
  options: { baseUrl?: string | undefined; socketUrl?: string | undefined } = {},
): string {
  if (preset !== 'paper') {
    const url = DELTA_SOCKET_HOSTS[preset][host];
    if (options.socketUrl && options.socketUrl.replace(/\/+$/, '') !== url) {
      throw new DeltaConfigError(`preset ${preset} uses ${url}; socketUrl is only for the paper preset`);
    }
    return url;
  }
  let url: URL;
  if (options.socketUrl) {
    try {
      url = new URL(options.socketUrl);
    } catch {
      throw new DeltaConfigError(`invalid socket URL: ${options.socketUrl}`);
    }
  } else {
    url = new URL(resolveBaseUrl('paper', options.baseUrl));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.pathname = host === 'public' ? '/public' : '/';
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new DeltaConfigError(`unsupported socket protocol ${url.protocol}`);
  }
  if (FORBIDDEN_HOSTS.has(url.hostname.toLowerCase())) {
    throw new DeltaConfigError(
      `${url.hostname} is Delta Global, not Delta Exchange India: refusing to use it`,
    );
  }
  return url.toString();
}
