import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import { useAddPasskey, useBeginTotp, useConfirmTotp, useMe } from '../api/queries.ts';
import { ErrorNotice } from './Notices.tsx';

/** The secret inside an otpauth:// URI, grouped by four for typing into an app by hand. */
export function totpSecretOf(uri: string): string {
  try {
    const secret = new URL(uri).searchParams.get('secret') ?? '';
    return secret.replace(/(.{4})/g, '$1 ').trim();
  } catch {
    return '';
  }
}

/** Adding a sign-in method: a passkey (this device), or an authenticator app (the secret is shown once). */
export function FactorSetup() {
  const me = useMe();
  const addPasskey = useAddPasskey();
  const beginTotp = useBeginTotp();
  const confirmTotp = useConfirmTotp();
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const factors = me.data?.factors;

  const confirm = (e: FormEvent) => {
    e.preventDefault();
    if (/^\d{6}$/.test(code)) confirmTotp.mutate(code);
  };

  return (
    <div className="stack">
      <section className="card" aria-labelledby="passkey-title">
        <h2 id="passkey-title">Add a passkey</h2>
        <p>
          A passkey lets you sign in and approve trades with your fingerprint, face or screen lock. Nothing to
          type, nothing to steal.
        </p>
        {factors && factors.passkeys > 0 ? (
          <p className="notice ok" role="status">
            You have {factors.passkeys} passkey{factors.passkeys === 1 ? '' : 's'}.
          </p>
        ) : null}
        <Field label="Name for this passkey (optional)" hint="For example “My phone”.">
          {(a) => <input {...a} maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <ErrorNotice error={addPasskey.error} action="add the passkey" />
        <button
          type="button"
          className="primary"
          disabled={addPasskey.isPending}
          onClick={() => addPasskey.mutate(name)}
        >
          {addPasskey.isPending
            ? 'Waiting for your device…'
            : factors && factors.passkeys > 0
              ? 'Add another passkey'
              : 'Add a passkey'}
        </button>
        {addPasskey.isSuccess ? (
          <p className="notice ok" role="status">
            Passkey added.
          </p>
        ) : null}
      </section>

      <section className="card" aria-labelledby="totp-title">
        <h2 id="totp-title">Use an authenticator app</h2>
        {factors?.totp ? (
          <p className="notice ok" role="status">
            Your authenticator app is set up.
          </p>
        ) : beginTotp.data ? (
          <form onSubmit={confirm} aria-label="Confirm the authenticator app">
            <p>
              Add this account to your authenticator app (Google Authenticator, 1Password, Authy…): open the
              link on this phone, or type the key by hand. It is shown only now.
            </p>
            <p>
              <a href={beginTotp.data.otpauth_uri}>Open in authenticator app</a>
            </p>
            <p className="mono break secret" data-testid="totp-secret">
              {totpSecretOf(beginTotp.data.otpauth_uri)}
            </p>
            <Field label="6-digit code the app shows">
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
            <ErrorNotice error={confirmTotp.error} action="confirm the code" />
            <button type="submit" className="primary" disabled={confirmTotp.isPending || code.length !== 6}>
              {confirmTotp.isPending ? 'Checking…' : 'Confirm'}
            </button>
          </form>
        ) : (
          <>
            <p>No passkey on this device? Use 6-digit codes from an authenticator app instead.</p>
            <ErrorNotice error={beginTotp.error} action="start" />
            <button type="button" disabled={beginTotp.isPending} onClick={() => beginTotp.mutate()}>
              {beginTotp.isPending ? 'Starting…' : 'Use an authenticator app'}
            </button>
          </>
        )}
      </section>
    </div>
  );
}
