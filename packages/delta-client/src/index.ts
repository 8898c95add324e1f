export {
  ALLOWED_ENDPOINTS,
  type AllowedEndpoint,
  DeltaNotAllowedError,
  resolveEndpoint,
} from './allowlist.ts';
export { DeltaClient, type DeltaClientOptions, type Page } from './client.ts';
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
export type {
  DeltaBalance,
  DeltaFill,
  DeltaLeverage,
  DeltaMarginedPosition,
  DeltaOrder,
  DeltaPosition,
  DeltaProduct,
  DeltaProfile,
  DeltaTicker,
  PlaceOrderInput,
} from './schemas.ts';
export { buildQuery, maskKey, prehash, type SignatureInput, sign, unixSeconds } from './signing.ts';
export type { CallOptions, DeltaCredentials } from './transport.ts';
