import { randomUUID } from 'node:crypto';
import {
  type TPasskeyAssertion,
  type TPasskeyRegistrationResponse,
  ZWebAuthnOptions,
} from '@delta/contracts';
import type { Queryable } from '@delta/server-kit';
import {
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';

/** CP as a WebAuthn relying party: its id (a host name) and the origin browsers open it at. */
export interface RelyingParty {
  id: string;
  name: string;
  origin: string;
}

export type ChallengePurpose = 'registration' | 'login' | 'second_factor' | 'step_up';

export interface ChallengeRow {
  challenge_id: string;
  purpose: ChallengePurpose;
  user_id: string | null;
  challenge: string;
  intent_hash: string | null;
  nonce: string | null;
  expires_at: Date;
  used_at: Date | null;
}

const ROW = 'challenge_id, purpose, user_id, challenge, intent_hash, nonce, expires_at, used_at';

export async function createChallenge(
  db: Queryable,
  c: {
    purpose: ChallengePurpose;
    userId: string | null;
    challenge: string;
    ttlSeconds: number;
    intentHash?: string;
    nonce?: string;
  },
): Promise<{ challenge_id: string; expires_at: Date }> {
  const id = randomUUID();
  const r = await db.query<{ expires_at: Date }>(
    `INSERT INTO cp_challenges (challenge_id, purpose, user_id, challenge, intent_hash, nonce, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) RETURNING expires_at`,
    [id, c.purpose, c.userId, c.challenge, c.intentHash ?? null, c.nonce ?? null, c.ttlSeconds],
  );
  return { challenge_id: id, expires_at: r.rows[0]!.expires_at };
}

export async function findChallenge(db: Queryable, id: string, purpose: ChallengePurpose) {
  const r = await db.query<ChallengeRow & { expired: boolean }>(
    `SELECT ${ROW}, expires_at <= now() AS expired FROM cp_challenges WHERE challenge_id = $1 AND purpose = $2`,
    [id, purpose],
  );
  return r.rows[0];
}

/**
 * Uses a challenge up: once, before it expires, for this purpose (and this user, when given). Atomic, so two
 * requests racing on one challenge get it once. Undefined when it is unknown, used, expired or another user's.
 */
export async function claimChallenge(
  db: Queryable,
  id: string,
  purpose: ChallengePurpose,
  userId: string | null = null,
): Promise<ChallengeRow | undefined> {
  const r = await db.query<ChallengeRow>(
    `UPDATE cp_challenges SET used_at = now()
      WHERE challenge_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
        AND ($3::text IS NULL OR user_id = $3)
     RETURNING ${ROW}`,
    [id, purpose, userId],
  );
  return r.rows[0];
}

interface PasskeyRow {
  credential_id: string;
  user_id: string;
  public_key: Uint8Array;
  counter: string;
  transports: AuthenticatorTransportFuture[];
}

async function passkeysOf(db: Queryable, userId: string): Promise<PasskeyRow[]> {
  const r = await db.query<PasskeyRow>(
    'SELECT credential_id, user_id, public_key, counter, transports FROM cp_passkeys WHERE user_id = $1',
    [userId],
  );
  return r.rows;
}

export async function registrationOptions(
  db: Queryable,
  rp: RelyingParty,
  user: { user_id: string; email: string },
) {
  const existing = await passkeysOf(db, user.user_id);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userID: new TextEncoder().encode(user.user_id),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  return ZWebAuthnOptions.parse(options);
}

/** Verifies a registration against its challenge and stores the passkey. */
export async function registerPasskey(
  db: Queryable,
  rp: RelyingParty,
  o: { userId: string; challenge: string; response: TPasskeyRegistrationResponse; name: string },
): Promise<{ ok: true; credential_id: string } | { ok: false; why: 'unverified' | 'duplicate' }> {
  let info: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    info = await verifyRegistrationResponse({
      response: o.response,
      expectedChallenge: o.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch {
    return { ok: false, why: 'unverified' };
  }
  if (!info.verified) return { ok: false, why: 'unverified' };
  const { credential, credentialDeviceType, credentialBackedUp } = info.registrationInfo;
  const r = await db.query(
    `INSERT INTO cp_passkeys (credential_id, user_id, public_key, counter, transports, device_type, backed_up, name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (credential_id) DO NOTHING RETURNING credential_id`,
    [
      credential.id,
      o.userId,
      Buffer.from(credential.publicKey),
      credential.counter,
      JSON.stringify(credential.transports ?? []),
      credentialDeviceType,
      credentialBackedUp,
      o.name,
    ],
  );
  return r.rows.length ? { ok: true, credential_id: credential.id } : { ok: false, why: 'duplicate' };
}

/** Options for navigator.credentials.get(): the user's passkeys (or any discoverable one), verification required. */
export async function assertionOptions(
  db: Queryable,
  rp: RelyingParty,
  userId: string | null,
  challenge?: Uint8Array<ArrayBuffer>,
) {
  const allow = userId ? await passkeysOf(db, userId) : [];
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: 'required',
    allowCredentials: allow.map((p) => ({ id: p.credential_id, transports: p.transports })),
    ...(challenge ? { challenge } : {}),
  });
  return ZWebAuthnOptions.parse(options);
}

export type AssertionFailure = 'unknown_credential' | 'bad_signature' | 'counter_not_advanced';

/**
 * Verifies an assertion (signature over the challenge, origin, RP id, user verification) with the stored public
 * key of `response.id` (of `userId` only, when given), then advances the signature counter: a counter that did not
 * grow (a cloned authenticator, a replayed assertion) is refused. Authenticators that keep no counter send 0
 * every time, which is allowed only while the stored counter is 0 too.
 */
export async function verifyAssertion(
  db: Queryable,
  rp: RelyingParty,
  o: { response: TPasskeyAssertion; challenge: string; userId: string | null },
): Promise<{ ok: true; credential_id: string; user_id: string } | { ok: false; why: AssertionFailure }> {
  const r = await db.query<PasskeyRow>(
    `SELECT credential_id, user_id, public_key, counter, transports FROM cp_passkeys
      WHERE credential_id = $1 AND ($2::text IS NULL OR user_id = $2)`,
    [o.response.id, o.userId],
  );
  const key = r.rows[0];
  if (!key) return { ok: false, why: 'unknown_credential' };
  // A discoverable credential names its user; it must be the key's.
  const handle = o.response.response.userHandle;
  if (handle !== undefined && Buffer.from(handle, 'base64url').toString('utf8') !== key.user_id)
    return { ok: false, why: 'bad_signature' };
  let newCounter: number;
  try {
    const v = await verifyAuthenticationResponse({
      response: o.response,
      expectedChallenge: o.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      // The counter is checked below, after the signature, so that a replay is told apart from a forgery.
      credential: { id: key.credential_id, publicKey: new Uint8Array(key.public_key), counter: 0 },
    });
    if (!v.verified || !v.authenticationInfo.userVerified) return { ok: false, why: 'bad_signature' };
    newCounter = v.authenticationInfo.newCounter;
  } catch {
    return { ok: false, why: 'bad_signature' };
  }
  // Conditional, so two uses of one assertion racing each other advance the counter once.
  const advanced = await db.query(
    `UPDATE cp_passkeys SET counter = $2, last_used_at = now()
      WHERE credential_id = $1 AND (counter < $2 OR ($2 = 0 AND counter = 0)) RETURNING credential_id`,
    [key.credential_id, newCounter],
  );
  if (advanced.rows.length === 0) return { ok: false, why: 'counter_not_advanced' };
  return { ok: true, credential_id: key.credential_id, user_id: key.user_id };
}
