import { randomUUID } from 'node:crypto';
import { CUSTOMER_ID_PATTERN, UUID_PATTERN } from '@delta/contracts';
import { JwtError, type JwtKey, type ServiceKeys, signJwt, verifyJwt } from '@delta/service-auth';

/**
 * The invitation ops send a customer (PP → CP), one definition for both sides: an EdDSA JWT signed with PP's
 * service key (PP publishes it at /.well-known/jwks.json, which CP reads), issuer `pp`, audience `cp`, a purpose
 * claim (so no other token PP signs can stand in for an invitation), the customer it is for, a `jti` CP uses up
 * at sign-up, and a lifetime of at most 7 days (72 hours by default).
 */
export const CP_INVITE_ISSUER = 'pp';
export const CP_INVITE_AUDIENCE = 'cp';
export const CP_INVITE_PURPOSE = 'cp_invite';
export const CP_INVITE_DEFAULT_TTL_S = 72 * 3600;
export const CP_INVITE_MAX_TTL_S = 7 * 86_400;

export interface CpInvite {
  jti: string;
  customer_id: string;
  expires_at: Date;
  issued_by: string;
}

export async function signCpInvite(
  keys: ServiceKeys,
  o: { customerId: string; issuedBy: string; ttlSeconds?: number; now?: number },
): Promise<{ token: string; invite: CpInvite }> {
  const ttl = o.ttlSeconds ?? CP_INVITE_DEFAULT_TTL_S;
  if (!(ttl > 0 && ttl <= CP_INVITE_MAX_TTL_S)) throw new Error('an invitation lives at most 7 days');
  if (!CUSTOMER_ID_PATTERN.test(o.customerId)) throw new Error('an invitation names a customer id');
  const now = o.now ?? Math.floor(Date.now() / 1000);
  const jti = randomUUID();
  const token = signJwt(
    {
      iss: CP_INVITE_ISSUER,
      aud: CP_INVITE_AUDIENCE,
      sub: o.customerId,
      purpose: CP_INVITE_PURPOSE,
      issued_by: o.issuedBy,
      iat: now,
      exp: now + ttl,
      jti,
    },
    keys.signing.privateKey,
    keys.signing.kid,
  );
  return {
    token,
    invite: {
      jti,
      customer_id: o.customerId,
      expires_at: new Date((now + ttl) * 1000),
      issued_by: o.issuedBy,
    },
  };
}

export type CpInviteFailure = 'invite_invalid' | 'invite_expired';

export class CpInviteError extends Error {
  constructor(
    readonly failure: CpInviteFailure,
    /** What was wrong, for the audit record: a failure name, never a claim's value. */
    readonly why: string,
  ) {
    super(`invitation refused: ${why}`);
    this.name = 'CpInviteError';
  }
}

/**
 * Verifies an invitation with PP's public key: the signature (EdDSA only), issuer, audience, purpose, expiry and
 * the claims' shapes. Throws CpInviteError; whether its jti was used already is the caller's (CP's) to check.
 */
export function verifyCpInvite(token: string, ppPublicKey: JwtKey, now?: Date): CpInvite {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = verifyJwt(token, ppPublicKey, {
      issuer: CP_INVITE_ISSUER,
      audience: CP_INVITE_AUDIENCE,
      requiredClaims: ['iat', 'exp', 'jti', 'sub'],
      clockTolerance: 5,
      ...(now ? { currentDate: now } : {}),
    }));
  } catch (err) {
    if (err instanceof JwtError) {
      if (err.failure === 'expired') throw new CpInviteError('invite_expired', 'expired');
      throw new CpInviteError('invite_invalid', err.claim ? `${err.failure}:${err.claim}` : err.failure);
    }
    throw new CpInviteError('invite_invalid', 'unverifiable');
  }
  const { sub, jti, exp, iat, purpose, issued_by } = payload as Record<string, unknown>;
  if (purpose !== CP_INVITE_PURPOSE) throw new CpInviteError('invite_invalid', 'claim_invalid:purpose');
  if (typeof sub !== 'string' || !CUSTOMER_ID_PATTERN.test(sub))
    throw new CpInviteError('invite_invalid', 'claim_invalid:sub');
  if (typeof jti !== 'string' || !UUID_PATTERN.test(jti))
    throw new CpInviteError('invite_invalid', 'claim_invalid:jti');
  if (typeof exp !== 'number' || typeof iat !== 'number' || exp - iat > CP_INVITE_MAX_TTL_S)
    throw new CpInviteError('invite_invalid', 'ttl_too_long');
  return {
    jti,
    customer_id: sub,
    expires_at: new Date(exp * 1000),
    issued_by: typeof issued_by === 'string' ? issued_by.slice(0, 64) : 'unknown',
  };
}
