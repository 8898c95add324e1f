import { PASSWORD_MIN_LENGTH } from '@delta/contracts';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import { useSignup } from '../api/queries.ts';
import { ErrorNotice, fieldError } from '../components/Notices.tsx';
import { href, navigate } from '../lib/route.ts';

/** Sign-up from the invitation link ops sent: e-mail and password, then a passkey or an authenticator app. */
export function InvitePage({ token }: { token: string }) {
  const signup = useSignup(() => navigate('secure'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const tooShort = password.length > 0 && [...password].length < PASSWORD_MIN_LENGTH;
  // CP's own rule, said before sending: not the e-mail, nor its name part (4+ characters).
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  const hasEmail =
    password.length > 0 &&
    ((email.length > 0 && password.toLowerCase().includes(email.toLowerCase())) ||
      (local.length >= 4 && password.toLowerCase().includes(local)));
  const problem = tooShort
    ? `Use at least ${PASSWORD_MIN_LENGTH} characters.`
    : hasEmail
      ? 'The password must not contain your e-mail address or its name part.'
      : undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (signup.isPending || problem) return;
    signup.mutate({ invite: token, email, password });
  };

  return (
    <div className="auth">
      <h1>Welcome</h1>
      <p>You were invited to approve your trading agent’s trades. Create your login.</p>
      {!token ? (
        <p className="notice error" role="alert">
          This link has no invitation in it. Open the link from your invitation again.
        </p>
      ) : null}
      <form className="card" onSubmit={submit} aria-label="Create your account">
        <Field label="E-mail" error={fieldError(signup.error, 'email')}>
          {(a) => (
            <input
              {...a}
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters, and not your e-mail.`}
          error={problem}
        >
          {(a) => (
            <input
              {...a}
              type="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <ErrorNotice error={signup.error} action="create your account" />
        <button type="submit" className="primary big" disabled={signup.isPending || !token}>
          {signup.isPending ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p className="small">
        Already have an account? <a href={href('signin')}>Sign in</a>
      </p>
    </div>
  );
}
