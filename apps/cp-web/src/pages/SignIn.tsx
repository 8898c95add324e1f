import type { ZPasswordLoginAnswer } from '@delta/contracts';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import type { z } from 'zod';
import { usePasskeyLogin, usePasswordLogin, useSecondFactor } from '../api/queries.ts';
import { ErrorNotice } from '../components/Notices.tsx';

type Challenge = z.infer<typeof ZPasswordLoginAnswer>;

/** Sign in: a passkey alone, or the password and then a second factor (a code, or a passkey). */
export function SignInPage({ expired = false }: { expired?: boolean }) {
  const passkey = usePasskeyLogin();
  const password = usePasswordLogin();
  const second = useSecondFactor();
  const [email, setEmail] = useState('');
  const [secret, setSecret] = useState('');
  const [code, setCode] = useState('');
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const busy = passkey.isPending || password.isPending || second.isPending;

  const submitPassword = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    second.reset();
    password.mutate({ email, password: secret }, { onSuccess: (c) => setChallenge(c) });
  };
  const submitCode = (e: FormEvent) => {
    e.preventDefault();
    if (busy || !challenge || !/^\d{6}$/.test(code)) return;
    second.mutate(
      { login_challenge_id: challenge.login_challenge_id, totp_code: code },
      // A wrong code uses the sign-in up: the password is asked again.
      { onError: () => setChallenge(null) },
    );
  };

  return (
    <div className="auth">
      <h1>Sign in</h1>
      {expired ? (
        <p className="notice info" role="status">
          You were signed out. Sign in again to continue.
        </p>
      ) : null}
      <section className="card">
        <button type="button" className="primary big" disabled={busy} onClick={() => passkey.mutate()}>
          {passkey.isPending ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
        </button>
        <ErrorNotice error={passkey.error} action="sign in" />
      </section>
      <p className="or">or</p>
      {!challenge ? (
        <form className="card" onSubmit={submitPassword} aria-label="Sign in with password">
          <Field label="E-mail">
            {(a) => (
              <input
                {...a}
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <Field label="Password">
            {(a) => (
              <input
                {...a}
                type="password"
                autoComplete="current-password"
                required
                value={secret}
                onChange={(e) => setSecret(e.target.value)}
              />
            )}
          </Field>
          <ErrorNotice error={password.error ?? second.error} action="sign in" />
          <button type="submit" disabled={busy}>
            {password.isPending ? 'Checking…' : 'Continue'}
          </button>
        </form>
      ) : (
        <section className="card" aria-label="Second step">
          {challenge.factors.includes('totp') ? (
            <form onSubmit={submitCode} aria-label="Code from your authenticator app">
              <Field label="6-digit code from your authenticator app">
                {(a) => (
                  <input
                    {...a}
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    maxLength={6}
                    value={code}
                    onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
                  />
                )}
              </Field>
              <button type="submit" className="primary" disabled={busy || code.length !== 6}>
                {second.isPending ? 'Signing in…' : 'Sign in'}
              </button>
            </form>
          ) : null}
          {challenge.factors.includes('passkey') && challenge.passkey_options ? (
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                second.mutate(
                  { login_challenge_id: challenge.login_challenge_id, options: challenge.passkey_options! },
                  { onError: () => setChallenge(null) },
                )
              }
            >
              Use my passkey
            </button>
          ) : null}
          <ErrorNotice error={second.error} action="sign in" />
        </section>
      )}
    </div>
  );
}
