import { createHash, randomBytes } from 'node:crypto';
import {
  principalLabel,
  type TRefusalCode,
  type TStepUpEvidence,
  type TStepUpRecord,
  ZStepUpEvidence,
} from '@delta/contracts';
import { type AppError, type Db, type Logger, problem, type Queryable } from '@delta/server-kit';
import type { MasterKeyring } from '@delta/vault';
import { cpAudit } from '../cp-audit.ts';
import type { Throttle } from './throttle.ts';
import { checkTotp } from './totp.ts';
import { findUser } from './users.ts';
import {
  assertionOptions,
  createChallenge,
  findChallenge,
  type RelyingParty,
  verifyAssertion,
} from './webauthn.ts';

/** A step-up lives two minutes and is used once. */
export const STEP_UP_TTL_S = 120;

/** The WebAuthn challenge of a step-up: SHA-256(intent_hash ‖ nonce), so the signature covers the exact trade. */
export function stepUpChallenge(intentHash: string, nonce: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from(intentHash, 'utf8')).update(nonce).digest();
}

/** Options for the step-up of one intent: a fresh server nonce, stored, bound to the intent hash and the user. */
export async function stepUpOptions(db: Queryable, rp: RelyingParty, userId: string, intentHash: string) {
  const nonce = randomBytes(32);
  const challenge = stepUpChallenge(intentHash, nonce);
  const options = await assertionOptions(db, rp, userId, new Uint8Array(challenge));
  const row = await createChallenge(db, {
    purpose: 'step_up',
    userId,
    challenge: options.challenge,
    ttlSeconds: STEP_UP_TTL_S,
    intentHash,
    nonce: nonce.toString('base64url'),
  });
  return { nonce_id: row.challenge_id, options, expires_at: row.expires_at };
}

export interface StepUpContext {
  rp: RelyingParty;
  keyring: MasterKeyring;
  throttle: Throttle;
  logger: Logger;
}

export interface StepUpInput {
  customerUserId: string;
  intentHash: string;
  /** What the browser sent; anything missing or malformed is `step_up_required`. */
  evidence: TStepUpEvidence | unknown;
  correlationId: string;
}

class StepUpRefusal {
  constructor(
    readonly code: TRefusalCode,
    readonly why: string,
    readonly detail: string,
  ) {}
}

/**
 * The gate in front of approving a trade: verifies the customer's step-up for exactly `intentHash` and returns
 * the record to keep with the approval, or throws a refusal — step_up_required (no or malformed evidence),
 * step_up_stale (the nonce expired), step_up_mismatch (a nonce bound to another intent), step_up_replayed (a nonce
 * already used, a passkey counter that did not advance, a TOTP time step used before), step_up_failed (a bad
 * signature or code, an unknown credential or nonce), step_up_throttled (too many failures). Every allow and deny
 * is on CP's audit chain with the correlation id; no code, assertion or secret is recorded.
 */
export async function verifyStepUp(db: Db, input: StepUpInput, ctx: StepUpContext): Promise<TStepUpRecord> {
  const user = await findUser(db, input.customerUserId);
  if (!user || user.disabled) throw problem('login_required', 'Sign in to CP first.');
  const actor = principalLabel({ kind: 'customer', user_id: user.user_id, customer_id: user.customer_id });
  const record = (outcome: 'allowed' | 'denied', reason: string | null, details: Record<string, unknown>) =>
    cpAudit.append(db, {
      correlation_id: input.correlationId,
      actor,
      action: 'step_up.verify',
      target: input.intentHash,
      customer_id: user.customer_id,
      outcome,
      reason,
      details,
    });
  try {
    const parsed = ZStepUpEvidence.safeParse(input.evidence);
    if (!parsed.success)
      throw new StepUpRefusal('step_up_required', 'missing', 'Confirm with your passkey or code.');
    const wait = await ctx.throttle.stepUp.blocked(user.user_id);
    if (wait > 0) throw new StepUpRefusal('step_up_throttled', 'throttled', `Try again in ${wait} s.`);
    const evidence = parsed.data;
    const result =
      evidence.kind === 'totp'
        ? await viaTotp(db, ctx, user, input.intentHash, evidence.code)
        : await viaWebAuthn(db, ctx, user.user_id, input.intentHash, evidence);
    await record('allowed', null, { method: result.method, nonce_id: result.nonce_id });
    return result;
  } catch (err) {
    if (!(err instanceof StepUpRefusal)) throw err;
    if (err.code === 'step_up_failed' || err.code === 'step_up_replayed')
      await ctx.throttle.stepUp.failed(user.user_id);
    try {
      await record('denied', err.code, { why: err.why });
    } catch (auditErr) {
      ctx.logger.error({ err: auditErr, correlation_id: input.correlationId }, 'cp_audit write failed');
    }
    const refusal: AppError = problem(err.code, err.detail);
    throw refusal;
  }
}

async function viaTotp(
  db: Db,
  ctx: StepUpContext,
  user: { user_id: string; customer_id: string },
  intentHash: string,
  code: string,
): Promise<TStepUpRecord> {
  const check = await checkTotp(db, ctx.keyring, user, code);
  if (check === 'replayed')
    throw new StepUpRefusal(
      'step_up_replayed',
      'totp_step_reused',
      'This code was used already: wait for the next.',
    );
  if (check !== 'ok')
    throw new StepUpRefusal('step_up_failed', `totp_${check}`, 'The code was not accepted.');
  return {
    method: 'totp',
    credential_id: null,
    nonce_id: null,
    intent_hash: intentHash,
    verified_at: new Date().toISOString(),
  };
}

async function viaWebAuthn(
  db: Db,
  ctx: StepUpContext,
  userId: string,
  intentHash: string,
  evidence: Extract<TStepUpEvidence, { kind: 'webauthn' }>,
): Promise<TStepUpRecord> {
  const row = await findChallenge(db, evidence.nonce_id, 'step_up');
  if (!row || row.user_id !== userId)
    throw new StepUpRefusal('step_up_failed', 'unknown_nonce', 'This confirmation is not one CP asked for.');
  // The binding first, so that a copy sent for another trade does not burn the genuine confirmation.
  if (row.intent_hash !== intentHash)
    throw new StepUpRefusal(
      'step_up_mismatch',
      'other_intent',
      'This confirmation was given for another trade.',
    );
  if (row.used_at)
    throw new StepUpRefusal('step_up_replayed', 'nonce_used', 'This confirmation was used already.');
  if (row.expired)
    throw new StepUpRefusal('step_up_stale', 'nonce_expired', 'The confirmation expired: confirm again.');
  // Recomputed, not trusted from the row alone: the challenge is SHA-256(intent hash ‖ nonce).
  const expected = stepUpChallenge(intentHash, Buffer.from(row.nonce ?? '', 'base64url')).toString(
    'base64url',
  );
  if (expected !== row.challenge)
    throw new StepUpRefusal(
      'step_up_failed',
      'challenge_mismatch',
      'This confirmation is not one CP asked for.',
    );
  // Used up before the signature is checked: of two racing uses, one gets it.
  const claimed = await db.query(
    `UPDATE cp_challenges SET used_at = now()
      WHERE challenge_id = $1 AND used_at IS NULL AND expires_at > now() RETURNING challenge_id`,
    [row.challenge_id],
  );
  if (claimed.rows.length === 0)
    throw new StepUpRefusal('step_up_replayed', 'nonce_used', 'This confirmation was used already.');
  const v = await verifyAssertion(db, ctx.rp, { response: evidence.response, challenge: expected, userId });
  if (!v.ok) {
    if (v.why === 'counter_not_advanced')
      throw new StepUpRefusal('step_up_replayed', v.why, 'This passkey signature was used already.');
    throw new StepUpRefusal('step_up_failed', v.why, 'The passkey confirmation was not accepted.');
  }
  return {
    method: 'webauthn',
    credential_id: v.credential_id,
    nonce_id: row.challenge_id,
    intent_hash: intentHash,
    verified_at: new Date().toISOString(),
  };
}
