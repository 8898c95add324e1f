import { z } from 'zod';
import { ZCustomerId, ZCustomerUserId, ZIntentHash, ZUuidId } from './ids.ts';

/**
 * CP's customer identity API (apps/cp-api): invitations, sign-up, sign-in (passkey, or password + a second
 * factor), server-side sessions and step-up. Requests are strict objects (an unknown field is a 422); WebAuthn
 * messages are the JSON shapes browsers give (@simplewebauthn/browser), each string base64url and bounded.
 */

/** Headers: the anti-forgery token every state-changing CP request carries (see apps/cp-api/src/auth/csrf.ts). */
export const CP_CSRF_HEADER = 'x-cp-csrf';
export const CP_SESSION_COOKIE = 'cp_session';

const b64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');

/** A compact JWS (the invitation PP signs). */
export const ZInviteToken = z
  .string()
  .min(20)
  .max(4096)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be an invitation token');

export const ZEmail = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
/** The policy itself (length, not the e-mail) is checked by CP and answered `password_too_weak`. */
export const ZPassword = z.string().min(1).max(256);
export const PASSWORD_MIN_LENGTH = 12;

export const ZTotpCode = z.string().regex(/^\d{6}$/, 'must be the 6 digits the authenticator app shows');

const ZTransport = z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
const ZExtensionResults = z.strictObject({
  credProps: z.strictObject({ rk: z.boolean().optional() }).optional(),
  appid: z.boolean().optional(),
  hmacCreateSecret: z.boolean().optional(),
});

/** What navigator.credentials.create() gives, as JSON (RegistrationResponseJSON). */
export const ZPasskeyRegistrationResponse = z.strictObject({
  id: b64url(1366).min(16),
  rawId: b64url(1366).min(16),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: ZExtensionResults,
  response: z.strictObject({
    clientDataJSON: b64url(4096).min(1),
    attestationObject: b64url(16_384).min(1),
    authenticatorData: b64url(4096).optional(),
    transports: z.array(ZTransport).max(8).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url(2048).optional(),
  }),
});
export type TPasskeyRegistrationResponse = z.infer<typeof ZPasskeyRegistrationResponse>;

/** What navigator.credentials.get() gives, as JSON (AuthenticationResponseJSON). */
export const ZPasskeyAssertion = z.strictObject({
  id: b64url(1366).min(16),
  rawId: b64url(1366).min(16),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: ZExtensionResults,
  response: z.strictObject({
    clientDataJSON: b64url(4096).min(1),
    authenticatorData: b64url(4096).min(1),
    signature: b64url(1024).min(1),
    userHandle: b64url(128).optional(),
  }),
});
export type TPasskeyAssertion = z.infer<typeof ZPasskeyAssertion>;

/** Options for navigator.credentials.create()/get(), as the server library makes them. */
export const ZWebAuthnOptions = z.looseObject({ challenge: z.string() });

export const ZSignup = z.strictObject({ invite: ZInviteToken, email: ZEmail, password: ZPassword });
export const ZPasswordLogin = z.strictObject({ email: ZEmail, password: ZPassword });
export const ZSecondFactor = z.union([
  z.strictObject({ login_challenge_id: ZUuidId, totp_code: ZTotpCode }),
  z.strictObject({ login_challenge_id: ZUuidId, passkey: ZPasskeyAssertion }),
]);
export const ZChallengeAnswer = <T extends z.ZodType>(response: T) =>
  z.strictObject({ challenge_id: ZUuidId, response });
export const ZPasskeyName = z.string().trim().min(1).max(64);

export const ZFactor = z.enum(['passkey', 'totp']);
export const ZCustomerMe = z.object({
  user_id: ZCustomerUserId,
  customer_id: ZCustomerId,
  email: z.string(),
  factors: z.object({ passkeys: z.number().int(), totp: z.boolean() }),
  session_id: ZUuidId,
  /** Send it back in X-CP-CSRF on every state-changing request of this session. */
  csrf_token: z.string(),
});
export type TCustomerMe = z.infer<typeof ZCustomerMe>;

export const ZPasswordLoginAnswer = z.object({
  login_challenge_id: ZUuidId,
  factors: z.array(ZFactor),
  /** For a passkey as the second factor (null when the account has none). */
  passkey_options: ZWebAuthnOptions.nullable(),
  expires_at: z.string(),
});

export const ZChallengeOptions = z.object({
  challenge_id: ZUuidId,
  options: ZWebAuthnOptions,
  expires_at: z.string(),
});

export const ZCpSession = z.object({
  session_id: ZUuidId,
  auth_method: z.string(),
  created_at: z.string(),
  last_seen_at: z.string(),
  /** When it ends if unused: last_seen_at + the idle timeout, capped by its absolute lifetime. */
  idle_expires_at: z.string(),
  expires_at: z.string(),
  user_agent: z.string().nullable(),
  current: z.boolean(),
});

export const ZTotpEnrolment = z.object({
  /** Shown once, to put into an authenticator app (as a QR code or by hand); never returned again. */
  otpauth_uri: z.string(),
});

export const ZStepUpOptionsRequest = z.strictObject({ intent_hash: ZIntentHash });
export const ZStepUpOptions = z.object({
  nonce_id: ZUuidId,
  options: ZWebAuthnOptions,
  expires_at: z.string(),
});

/** What a step-up proves, kept with the approval it allowed. */
export const ZStepUpEvidence = z.union([
  z.strictObject({ kind: z.literal('webauthn'), nonce_id: ZUuidId, response: ZPasskeyAssertion }),
  z.strictObject({ kind: z.literal('totp'), code: ZTotpCode }),
]);
export type TStepUpEvidence = z.infer<typeof ZStepUpEvidence>;

export const ZStepUpRecord = z.object({
  method: z.enum(['webauthn', 'totp']),
  credential_id: z.string().nullable(),
  nonce_id: ZUuidId.nullable(),
  intent_hash: ZIntentHash,
  verified_at: z.string(),
});
export type TStepUpRecord = z.infer<typeof ZStepUpRecord>;

/** PP's answer to POST /api/customers/:customer_id/cp-invites. */
export const ZCpInvite = z.object({ invite_url: z.string(), expires_at: z.string(), jti: ZUuidId });
