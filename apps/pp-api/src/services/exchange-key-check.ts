import { DeltaClient, DeltaError, type DeltaPreset } from '@delta/delta-client';
import { AppError } from '@delta/server-kit';

export interface KeyCheckResult {
  permissions: string[];
}

/**
 * Checks new keys against the exchange before they are stored: a read-only profile call proves the key and
 * secret; cancelling an order id that cannot exist proves the Trading permission without any side effect
 * (a key without it gets UnauthorizedApiAccess; one with it gets "order not found"). Failures say what to fix.
 */
export async function checkExchangeKeys(
  environment: DeltaPreset,
  paperUrl: string,
  apiKey: string,
  apiSecret: string,
  correlationId: string,
): Promise<KeyCheckResult> {
  const client = new DeltaClient({
    preset: environment,
    baseUrl: environment === 'paper' ? paperUrl : undefined,
    credentials: { apiKey, apiSecret },
    readAttempts: 2,
    timeoutMs: 5_000,
    rateBudget: false,
  });
  try {
    await client.profile({ correlationId });
  } catch (err) {
    throw explain(err, environment);
  }
  try {
    await client.cancelOrder(
      { product_id: 27, client_order_id: 'pp-key-check-never-exists' },
      { correlationId },
    );
  } catch (err) {
    if (err instanceof DeltaError && err.kind === 'permission') {
      throw AppError.badRequest(
        'exchange_key_no_trading_permission',
        'The key works but lacks the Trading permission. Enable "Trading" for this key on Delta Exchange (and whitelist the server IP), then try again.',
      );
    }
    if (!(err instanceof DeltaError) || (err.kind !== 'not_found' && err.kind !== 'invalid_order'))
      throw explain(err, environment);
  }
  return { permissions: ['read_data', 'trading'] };
}

function explain(err: unknown, environment: DeltaPreset): AppError {
  if (err instanceof DeltaError) {
    if (err.kind === 'authentication' && err.code === 'invalid_api_key') {
      return AppError.badRequest(
        'exchange_key_unknown',
        `The exchange (${environment}) does not know this API key. Check that it was created for Delta Exchange India ${environment === 'india-testnet' ? 'testnet' : environment === 'india' ? 'production' : '(paper)'} — keys from another environment or from Delta Global do not work here.`,
      );
    }
    if (err.kind === 'authentication') {
      return AppError.badRequest(
        'exchange_secret_rejected',
        'The exchange rejected the signature: the API secret does not belong to this key.',
      );
    }
    if (err.kind === 'permission') {
      return AppError.badRequest(
        'exchange_key_not_permitted',
        'The exchange refused this key for the check (permissions or IP whitelist).',
      );
    }
    if (
      err.kind === 'rate_limited' ||
      err.kind === 'exchange_unavailable' ||
      err.kind === 'outcome_unknown'
    ) {
      return new AppError(
        503,
        'exchange_unavailable',
        'The exchange could not be reached to check the keys. Nothing was stored; try again.',
      );
    }
  }
  return new AppError(
    502,
    'exchange_check_failed',
    'The exchange gave an unexpected answer while checking the keys. Nothing was stored.',
  );
}
