import { principalLabel, type TPrincipal } from '@delta/contracts';
import { AppError } from '@delta/server-kit';
import {
  claimTokenOnce,
  type ReplayCache,
  requestHash,
  ServiceTokenError,
  type ServiceTokenVerifier,
  type VerifiedServiceToken,
} from '@delta/service-auth';

/** Which principal each portal may act for: PP for its ops users, CP for its customers — never the other way. */
const ALLOWED_PRINCIPAL: Record<string, TPrincipal['kind']> = { pp: 'ops', cp: 'customer' };

export interface Caller {
  issuer: string;
  principal: TPrincipal;
  label: string;
  /** The portal's binding of its token to the request: requestHash(METHOD, path-with-query, body). */
  requestHash: string | undefined;
  /** The verified token (its jti and expiry are claimed once the request is admitted). */
  token: Pick<VerifiedServiceToken, 'issuer' | 'payload'>;
}

/** A refusal carries what the audit needs: a reason, and the caller when it was already known. */
export class CallerRefused extends Error {
  constructor(
    readonly error: AppError,
    readonly caller: Caller | null,
    readonly details: Record<string, unknown>,
  ) {
    super(error.message);
    this.name = 'CallerRefused';
  }
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+(\S+)$/i.exec(header.trim());
  // "Basic …" or a bare token is not absent but malformed; an empty string marks that for the verifier.
  return m ? m[1] : '';
}

export function authFailure(failure: string): AppError {
  if (failure === 'replay_check_unavailable')
    return new AppError(503, 'service_auth_unavailable', 'The service token cannot be checked now.', {
      extra: { failure },
      headers: { 'retry-after': '1' },
    });
  if (failure === 'keys_unavailable')
    return new AppError(
      503,
      'service_auth_unavailable',
      'The calling service’s keys cannot be fetched now.',
      {
        extra: { failure },
        headers: { 'retry-after': '1' },
      },
    );
  return new AppError(401, 'service_auth_failed', 'The service token was rejected.', {
    extra: { failure },
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });
}

/** Verifies the portal's service token and the principal it may act for. Throws CallerRefused. */
export async function authenticateCaller(
  verify: ServiceTokenVerifier,
  authorization: string | undefined,
): Promise<Caller> {
  const token = bearerToken(authorization);
  let verified: VerifiedServiceToken;
  try {
    if (token === '') throw new ServiceTokenError('malformed');
    verified = await verify(token);
  } catch (err) {
    const failure = err instanceof ServiceTokenError ? err.failure : 'malformed';
    throw new CallerRefused(authFailure(failure), null, { failure });
  }
  const caller: Caller = {
    issuer: verified.issuer,
    principal: verified.principal,
    label: principalLabel(verified.principal),
    requestHash: verified.requestHash,
    token: { issuer: verified.issuer, payload: verified.payload },
  };
  const allowed = ALLOWED_PRINCIPAL[verified.issuer];
  if (verified.principal.kind !== allowed) {
    throw new CallerRefused(
      AppError.forbidden(
        'principal_not_allowed',
        `A ${verified.issuer} token cannot act for a ${verified.principal.kind} principal.`,
      ),
      caller,
      { principal_kind: verified.principal.kind },
    );
  }
  return caller;
}

/**
 * Admits one request for an authenticated caller: the token must be bound to exactly this request (method, path
 * and query, body bytes) and must not have been used before (its jti is claimed in the database, so a replay is
 * refused by every gateway instance). The binding is checked first, so a token lifted in flight and sent with
 * another body does not burn the genuine request. Returns the request hash for the identity assertion.
 * Throws CallerRefused (401 service_auth_failed, or 503 when the replay cache cannot be asked).
 */
export async function admitRequest(
  replayCache: ReplayCache,
  caller: Caller,
  method: string,
  pathWithQuery: string,
  body: Buffer | undefined,
): Promise<string> {
  const hash = requestHash(method, pathWithQuery, body);
  const refuse = (failure: string) => new CallerRefused(authFailure(failure), caller, { failure });
  if (caller.requestHash === undefined) throw refuse('request_hash_missing');
  if (caller.requestHash !== hash) throw refuse('request_hash_mismatch');
  try {
    await claimTokenOnce(replayCache, caller.token);
  } catch (err) {
    throw refuse(err instanceof ServiceTokenError ? err.failure : 'replay_check_unavailable');
  }
  return hash;
}
