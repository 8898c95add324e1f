export {
  type AllowedEndpoint,
  Allowlist,
  DeltaNotAllowedError,
  READ_ONLY_ALLOWLIST,
  READ_ONLY_ENDPOINTS,
  TRADING_ALLOWLIST,
  TRADING_ENDPOINTS,
  WRITE_ENDPOINTS,
} from './allowlist.ts';
export {
  DeltaAuthenticationError,
  DeltaBadResponseError,
  DeltaError,
  type DeltaErrorKind,
  DeltaInsufficientMarginError,
  DeltaInvalidOrderError,
  DeltaNotFoundError,
  DeltaOutcomeUnknownError,
  DeltaPermissionError,
  DeltaRateLimitedError,
  DeltaUnavailableError,
} from './errors.ts';
export type { OrderLookupOptions } from './place-order.ts';
export { DELTA_PRESETS, DeltaConfigError, type DeltaPreset, resolveBaseUrl } from './presets.ts';
export type { RateBudgetOptions } from './rate-budget.ts';
export { type AccountIdentity, DeltaReadClient, type ListQuery, type Page } from './read-client.ts';
export type {
  DeltaConnectionOptions,
  DeltaConnectionOptions as DeltaReadClientOptions,
} from './requester.ts';
export type {
  DeltaBalance,
  DeltaCandle,
  DeltaFill,
  DeltaLeverage,
  DeltaMarginedPosition,
  DeltaOrder,
  DeltaPosition,
  DeltaProduct,
  DeltaProfile,
  DeltaTicker,
  DeltaTradingPreferences,
  PlaceOrderInput,
} from './schemas.ts';
export { buildQuery, maskKey, prehash, type SignatureInput, sign, unixSeconds } from './signing.ts';
export * from './stream/index.ts';
export { DeltaTradingClient, type DeltaTradingClientOptions } from './trading-client.ts';
export type { CallOptions, DeltaCredentials } from './transport.ts';
