import { CP_CSRF_HEADER } from '@delta/contracts';
import { createApiClient } from '@delta/web-ui';

export { ApiError, isApiError } from '@delta/web-ui';

/**
 * The anti-forgery token of the current session (from /api/auth/me or a sign-in). Before any session CP only asks
 * that the header is there (another site cannot send it), so a placeholder goes until a token is known.
 */
let csrfToken = '';
export function setCsrfToken(token: string | null): void {
  csrfToken = token ?? '';
}

/** 401s that are a failed sign-in, not a lost session: they must not bounce the page to the sign-in form. */
const SIGN_IN_FAILURES = [
  'invalid_credentials',
  'passkey_login_failed',
  'second_factor_failed',
  'challenge_invalid',
];

const client = createApiClient({
  service: 'CP',
  unsafeHeaders: () => ({ [CP_CSRF_HEADER]: csrfToken || '1' }),
  signInFailures: SIGN_IN_FAILURES,
});
export const api = client.api;
export const setUnauthorizedHandler = client.setUnauthorizedHandler;
