import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import { useLogin } from '../api/queries.ts';
import { ErrorNotice } from '../components/ErrorNotice.tsx';

export function LoginPage({ expired }: { expired?: boolean }) {
  const login = useLogin();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ username?: string; password?: string }>({});

  function submit(e: FormEvent) {
    e.preventDefault();
    if (login.isPending) return;
    const found: typeof errors = {};
    if (!username.trim()) found.username = 'Enter your user name.';
    if (!password) found.password = 'Enter your password.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    login.mutate({ username: username.trim(), password }, { onSettled: () => setPassword('') });
  }

  return (
    <main className="login">
      <form className="card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <h1 id="login-title">PP — ops portal</h1>
        <p className="muted">Sign in to run and approve the Delta futures trading agent.</p>
        {expired ? (
          <p className="notice info" role="status">
            Your session ended. Sign in again to continue.
          </p>
        ) : null}
        <Field label="User name" error={errors.username}>
          {(a) => (
            <input
              {...a}
              autoComplete="username"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              // biome-ignore lint/a11y/noAutofocus: the login page has one job; focus its first field
              autoFocus
            />
          )}
        </Field>
        <Field label="Password" error={errors.password}>
          {(a) => (
            <input
              {...a}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <ErrorNotice error={login.error} action="sign in" />
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
