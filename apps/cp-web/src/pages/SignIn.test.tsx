import { CP_CSRF_HEADER, REFUSAL_REASONS } from '@delta/contracts';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from '../api/http.ts';
import { keys } from '../api/queries.ts';
import { meFixture, mockFetch, passwordAnswerFixture, problem, renderWithClient } from '../test-fixtures.tsx';
import { InvitePage } from './Invite.tsx';
import { SignInPage } from './SignIn.tsx';

const webauthn = vi.hoisted(() => ({ startAuthentication: vi.fn() }));
vi.mock('@simplewebauthn/browser', () => ({
  browserSupportsWebAuthn: () => true,
  startAuthentication: webauthn.startAuthentication,
  startRegistration: vi.fn(),
  WebAuthnError: class extends Error {},
}));

const ASSERTION = {
  id: 'Y3JlZGVudGlhbC1pZC0xMjM0NTY',
  rawId: 'Y3JlZGVudGlhbC1pZC0xMjM0NTY',
  type: 'public-key',
  clientExtensionResults: {},
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'c2ln', userHandle: 'dXNlcg' },
};

beforeEach(() => {
  setCsrfToken(null);
  webauthn.startAuthentication.mockReset();
});

function fillPassword(email: string, password: string) {
  fireEvent.change(screen.getByLabelText('E-mail'), { target: { value: email } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
}

describe('sign in', () => {
  it('with a password and then the authenticator app’s code: the customer is signed in', async () => {
    const { calls } = mockFetch((c) => {
      if (c.path === '/api/auth/login/password') return { status: 200, body: passwordAnswerFixture };
      if (c.path === '/api/auth/login/second-factor') return { status: 200, body: meFixture };
      return { status: 404, body: problem(404, 'not_found') };
    });
    const { qc } = renderWithClient(<SignInPage />);
    fillPassword('asha@example.com', 'correct horse battery staple');
    fireEvent.change(await screen.findByLabelText('6-digit code from your authenticator app'), {
      target: { value: '654321' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(qc.getQueryData(keys.me)).toEqual(meFixture));
    expect(calls[0]!.body).toEqual({ email: 'asha@example.com', password: 'correct horse battery staple' });
    // No session yet: the anti-forgery header is there (CP asks for it on every POST) without a token.
    expect(calls[0]!.headers[CP_CSRF_HEADER]).toBe('1');
    expect(calls[1]!.body).toEqual({
      login_challenge_id: passwordAnswerFixture.login_challenge_id,
      totp_code: '654321',
    });
  });

  it('a wrong password is said in words, and stays on the form', async () => {
    mockFetch(() => ({
      status: 401,
      body: problem(401, 'invalid_credentials', 'Wrong e-mail or password.'),
    }));
    renderWithClient(<SignInPage />);
    fillPassword('asha@example.com', 'not the password');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(REFUSAL_REASONS.invalid_credentials.title);
    expect(alert.textContent).not.toContain('invalid_credentials');
    expect(screen.getByLabelText('E-mail')).toBeTruthy();
  });

  it('a wrong code asks for the password again (the sign-in is used up)', async () => {
    mockFetch((c) => {
      if (c.path === '/api/auth/login/password') return { status: 200, body: passwordAnswerFixture };
      return { status: 401, body: problem(401, 'second_factor_failed') };
    });
    renderWithClient(<SignInPage />);
    fillPassword('asha@example.com', 'correct horse battery staple');
    fireEvent.change(await screen.findByLabelText('6-digit code from your authenticator app'), {
      target: { value: '000000' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      REFUSAL_REASONS.second_factor_failed.title,
    );
    expect(screen.getByLabelText('Password')).toBeTruthy();
  });

  it('with a passkey: options, the browser’s assertion, then verify', async () => {
    webauthn.startAuthentication.mockResolvedValue(ASSERTION);
    const options = {
      challenge_id: '0f8fad5b-d9cb-469f-a165-70867728950e',
      options: { challenge: 'Y2hhbGxlbmdl' },
      expires_at: new Date(Date.now() + 300_000).toISOString(),
    };
    const { calls } = mockFetch((c) =>
      c.path.endsWith('/options') ? { status: 200, body: options } : { status: 200, body: meFixture },
    );
    const { qc } = renderWithClient(<SignInPage />);
    fireEvent.click(screen.getByRole('button', { name: 'Sign in with a passkey' }));
    await waitFor(() => expect(qc.getQueryData(keys.me)).toEqual(meFixture));
    expect(calls.map((c) => c.path)).toEqual([
      '/api/auth/login/passkey/options',
      '/api/auth/login/passkey/verify',
    ]);
    expect(calls[1]!.body).toEqual({ challenge_id: options.challenge_id, response: ASSERTION });
  });
});

describe('sign up from an invitation', () => {
  it('sends the invitation token with the e-mail and password; a weak password is explained before sending', async () => {
    const { calls } = mockFetch(() => ({
      status: 201,
      body: { ...meFixture, factors: { passkeys: 0, totp: false } },
    }));
    renderWithClient(<InvitePage token="aaaaaaaaaa.bbbbbbbbbb.cccccccccc" />);
    fireEvent.change(screen.getByLabelText('E-mail'), { target: { value: 'asha@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'short' } });
    expect(screen.getByText('Use at least 12 characters.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Password'), {
      target: { value: 'correct horse battery staple' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(window.location.hash).toBe('#/secure'));
    expect(calls[0]!.body).toEqual({
      invite: 'aaaaaaaaaa.bbbbbbbbbb.cccccccccc',
      email: 'asha@example.com',
      password: 'correct horse battery staple',
    });
  });
});
