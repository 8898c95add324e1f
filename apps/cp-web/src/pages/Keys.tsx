import type { TCredentialView } from '@delta/contracts';
import { dateTime } from '@delta/web-ui';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useState } from 'react';
import {
  useAddCredential,
  useCredentials,
  useRevokeCredential,
  useRotateCredential,
} from '../api/queries.ts';
import { Empty, ErrorNotice, fieldError, Loading } from '../components/Notices.tsx';

/** What we could check of a key's rights on Delta, in words (Trading cannot be proven without placing an order). */
const PERMISSION: Record<string, string> = {
  read_data: 'read your account (checked)',
  trading: 'trade (checked)',
  trading_unverified: 'trade (checked at the first order)',
};
const permissionWords = (p: string[]) =>
  p.map((x) => PERMISSION[x] ?? x.replace(/_/g, ' ')).join(', ') || 'nothing checked yet';

/** Exchange keys: connect (kept encrypted here, never shown again), rotate, revoke. */
export function KeysPage() {
  const list = useCredentials();
  const add = useAddCredential();
  const [label, setLabel] = useState('');
  const [environment, setEnvironment] = useState<'paper' | 'live'>('live');
  const [apiKey, setApiKey] = useState('');
  const [apiSecret, setApiSecret] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (add.isPending) return;
    add.mutate(
      { label: label.trim(), environment, api_key: apiKey.trim(), api_secret: apiSecret.trim() },
      {
        // The secret leaves the page as soon as it is stored.
        onSuccess: () => {
          setApiKey('');
          setApiSecret('');
          setLabel('');
        },
      },
    );
  };

  return (
    <>
      <h1>Exchange keys</h1>
      <details className="card help" open={list.data?.items.length === 0}>
        <summary>How to make a key on Delta Exchange</summary>
        <ol>
          <li>
            On Delta Exchange India, open your profile → <strong>API Keys</strong> →{' '}
            <strong>Create new API key</strong>.
          </li>
          <li>
            Tick <strong>Read Data</strong> and <strong>Trading</strong>. Leave withdrawals and transfers off:
            your agent never needs them.
          </li>
          <li>
            Under <strong>IP whitelist</strong>, add our server’s address (ask support for it) so the key
            works only from us.
          </li>
          <li>
            Copy the key and the secret here. We check them with Delta, encrypt them, and never show the
            secret again.
          </li>
        </ol>
      </details>

      <form className="card" onSubmit={submit} aria-label="Connect exchange keys">
        <h2>Connect a key</h2>
        <Field label="Name" hint="For you, e.g. “Main account”." error={fieldError(add.error, 'label')}>
          {(a) => (
            <input {...a} required maxLength={100} value={label} onChange={(e) => setLabel(e.target.value)} />
          )}
        </Field>
        <fieldset className="choice">
          <legend>Account</legend>
          {(['live', 'paper'] as const).map((env) => (
            <label key={env} className={environment === env ? 'on' : ''}>
              <input
                type="radio"
                name="environment"
                checked={environment === env}
                onChange={() => setEnvironment(env)}
              />
              {env === 'live' ? 'Live (real money)' : 'Paper (practice)'}
            </label>
          ))}
        </fieldset>
        <Field label="API key" error={fieldError(add.error, 'api_key')}>
          {(a) => (
            <input
              {...a}
              required
              autoComplete="off"
              spellCheck={false}
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
            />
          )}
        </Field>
        <Field label="API secret" error={fieldError(add.error, 'api_secret')}>
          {(a) => (
            <input
              {...a}
              type="password"
              required
              autoComplete="off"
              value={apiSecret}
              onChange={(e) => setApiSecret(e.target.value)}
            />
          )}
        </Field>
        <ErrorNotice error={add.error} action="connect the key" />
        {add.isSuccess ? (
          <p className="notice ok" role="status">
            Connected {add.data ? `“${(add.data as TCredentialView).label}”` : ''}. The secret is stored
            encrypted and will not be shown again.
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={add.isPending}>
          {add.isPending ? 'Checking with Delta…' : 'Connect key'}
        </button>
      </form>

      <h2>Your keys</h2>
      {list.isPending ? <Loading what="your keys" /> : null}
      <ErrorNotice error={list.error} action="load your keys" />
      {list.data?.items.length === 0 ? <Empty>No keys connected yet.</Empty> : null}
      <ul className="cards">
        {list.data?.items.map((c) => (
          <KeyCard key={c.credential_ref} credential={c} />
        ))}
      </ul>
    </>
  );
}

function KeyCard({ credential: c }: { credential: TCredentialView }) {
  const rotate = useRotateCredential();
  const revoke = useRevokeCredential();
  const [rotating, setRotating] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [apiKey, setApiKey] = useState('');
  const [apiSecret, setApiSecret] = useState('');
  const busy = rotate.isPending || revoke.isPending;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    rotate.mutate(
      { ref: c.credential_ref, api_key: apiKey.trim(), api_secret: apiSecret.trim() },
      { onSuccess: () => setRotating(false) },
    );
  };
  return (
    <li className={`card key state-${c.state}`}>
      <div className="page-head">
        <strong>{c.label}</strong>
        <span className={`badge env-${c.environment}`}>{c.environment}</span>
      </div>
      <p className="mono">{c.key_masked}</p>
      <p className="small muted">
        {c.state === 'active' ? 'Active' : `Revoked ${dateTime(c.revoked_at)}`} · can{' '}
        {permissionWords(c.verified_permissions)} · added {dateTime(c.created_at)}
        {c.rotated_at ? ` · replaced ${dateTime(c.rotated_at)}` : ''}
      </p>
      <ErrorNotice error={rotate.error ?? revoke.error} action="change the key" />
      {c.state === 'active' && !rotating && !confirming ? (
        <div className="row">
          <button type="button" disabled={busy} onClick={() => setRotating(true)}>
            Replace key
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
            Revoke
          </button>
        </div>
      ) : null}
      {confirming ? (
        <div className="row">
          <span>Your agent stops trading with this key. Sure?</span>
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => revoke.mutate(c.credential_ref)}
          >
            {revoke.isPending ? 'Revoking…' : 'Yes, revoke'}
          </button>
          <button type="button" className="link" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      ) : null}
      {rotating ? (
        <form onSubmit={submit} aria-label={`Replace ${c.label}`}>
          <Field label="New API key">
            {(a) => (
              <input
                {...a}
                required
                autoComplete="off"
                value={apiKey}
                onChange={(e) => setApiKey(e.target.value)}
              />
            )}
          </Field>
          <Field label="New API secret">
            {(a) => (
              <input
                {...a}
                type="password"
                required
                autoComplete="off"
                value={apiSecret}
                onChange={(e) => setApiSecret(e.target.value)}
              />
            )}
          </Field>
          <div className="row">
            <button type="submit" className="primary" disabled={busy}>
              {rotate.isPending ? 'Checking…' : 'Replace'}
            </button>
            <button type="button" className="link" onClick={() => setRotating(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </li>
  );
}
