import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnError,
} from '@simplewebauthn/browser';
import { ApiError } from './http.ts';

type Options = Record<string, unknown> & { challenge: string };

/** The browser's passkey prompt failing (closed, not supported) becomes an ApiError with words of its own. */
function browserError(err: unknown): ApiError {
  if (err instanceof WebAuthnError && err.code === 'ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY') {
    return new ApiError({ status: 0, reason: 'passkey_cancelled', detail: err.message });
  }
  const name = err instanceof Error ? err.name : '';
  if (name === 'NotAllowedError' || name === 'AbortError' || err instanceof WebAuthnError)
    return new ApiError({ status: 0, reason: 'passkey_cancelled', detail: (err as Error).message });
  return new ApiError({ status: 0, reason: 'passkey_unsupported', detail: String(err) });
}

function ensureSupported() {
  if (!browserSupportsWebAuthn())
    throw new ApiError({ status: 0, reason: 'passkey_unsupported', detail: 'No WebAuthn in this browser.' });
}

/** navigator.credentials.create() with CP's registration options; its JSON goes back to CP as is. */
export async function createPasskey(options: Options) {
  ensureSupported();
  try {
    // biome-ignore lint/suspicious/noExplicitAny: the server library's options JSON, passed through unchanged
    return await startRegistration({ optionsJSON: options as any });
  } catch (err) {
    throw browserError(err);
  }
}

/** navigator.credentials.get() with CP's options (sign-in or a step-up bound to a trade). */
export async function getPasskeyAssertion(options: Options) {
  ensureSupported();
  try {
    // biome-ignore lint/suspicious/noExplicitAny: the server library's options JSON, passed through unchanged
    return await startAuthentication({ optionsJSON: options as any });
  } catch (err) {
    throw browserError(err);
  }
}
