import { principalLabel, type TPrincipal } from '@delta/contracts';
import { AppError } from '@delta/server-kit';
import { ServiceTokenError, type ServiceTokenVerifier, type VerifiedServiceToken } from '@delta/service-auth';

/** Which principal each portal may act for: PP for its ops users, CP for its customers — never the other way. */
const ALLOWED_PRINCIPAL: Record<string, TPrincipal['kind']> = { pp: 'ops', cp: 'customer' };

export interface Caller {
  issuer: string;
  principal: TPrincipal;
  label: string;
  /** When the portal bound its token to the request: sha256 hex of METHOD \n path-with-query \n body. */
  requestHash: string | undefined;
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
