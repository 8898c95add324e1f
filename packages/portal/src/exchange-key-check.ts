import { DeltaError, type DeltaPreset, DeltaReadClient } from '@delta/delta-client';
import { AppError } from '@delta/server-kit';

export interface KeyCheckResult {
  /** `read_data` proven; `trading_unverified`: no read proves the Trading permission (see below). */
  permissions: string[];
  /** The exchange's id of the account behind the key: one account belongs to one customer. */
  exchangeUserId: string;
}

/** Shown with a key whose Trading permission no read can prove: the first approved order proves it. */
export const TRADING_UNVERIFIED = 'trading_unverified';

/**
 * Checks new keys against the exchange before they are stored, with reads only — the check never writes to the
 * customer's account (it used to cancel a made-up client order id to probe the Trading permission; a cancel is a
 * write, and would cancel an open order that happened to carry that id). One signed read (Delta's trading
 * preferences, or the profile where those are not served) proves the key and the secret and names the account. Delta has no read that proves the Trading permission, so the key is
 * stored as "trading permission unverified" and the first approved order proves it (a key without it is refused
 * there with exchange_key_rejected, nothing placed). Failures say what to fix.
 */
export async function checkExchangeKeys(
  environment: DeltaPreset,
  paperUrl: string,
  apiKey: string,
  apiSecret: string,
  correlationId: string,
): Promise<KeyCheckResult> {
  const client = new DeltaReadClient({
    preset: environment,
    baseUrl: environment === 'paper' ? paperUrl : undefined,
    credentials: { apiKey, apiSecret },
    readAttempts: 2,
    timeoutMs: 5_000,
    rateBudget: false,
  });
  let identity: Awaited<ReturnType<typeof client.accountIdentity>>;
  try {
    identity = await client.accountIdentity({ correlationId });
  } catch (err) {
    throw explain(err, environment);
  }
  return { permissions: ['read_data', TRADING_UNVERIFIED], exchangeUserId: identity.userId };
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
