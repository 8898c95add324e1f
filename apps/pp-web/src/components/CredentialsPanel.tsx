import { dateTime } from '@delta/web-ui';
import { useState } from 'react';
import {
  useCredentials,
  useRevokeCredential,
  useRotateCredential,
  useStoreCredential,
} from '../api/queries.ts';
import type { TCredentialView } from '../api/schemas.ts';
import { useCan } from '../lib/session.tsx';
import { ConfirmButton } from './ConfirmButton.tsx';
import { CredentialForm } from './CredentialForm.tsx';
import { ErrorNotice } from './ErrorNotice.tsx';
import { Empty, Loading } from './States.tsx';

function CredentialRow({ c, customerId }: { c: TCredentialView; customerId: string }) {
  const can = useCan('operator');
  const rotate = useRotateCredential(customerId);
  const revoke = useRevokeCredential(customerId);
  const [rotating, setRotating] = useState(false);
  const active = c.state === 'active';
  return (
    <li className={`credential${active ? '' : ' revoked'}`}>
      <div className="credential-head">
        <strong>{c.label}</strong> <span className="tag">{c.environment}</span>{' '}
        <span className={`tag ${active ? 'tag-ok' : 'tag-bad'}`}>{c.state}</span>
      </div>
      <dl className="facts compact">
        <dt>Key</dt>
        <dd className="mono" data-testid="key-masked">
          {c.key_masked}
        </dd>
        <dt>Account id</dt>
        <dd className="mono break">{c.exchange_account_id}</dd>
        <dt>Last verified</dt>
        <dd>{dateTime(c.last_verified_at)}</dd>
        <dt>Permissions</dt>
        <dd>{permissionsInWords(c.verified_permissions)}</dd>
        {c.rotated_at ? (
          <>
            <dt>Rotated</dt>
            <dd>{dateTime(c.rotated_at)}</dd>
          </>
        ) : null}
        {c.revoked_at ? (
          <>
            <dt>Revoked</dt>
            <dd>{dateTime(c.revoked_at)}</dd>
          </>
        ) : null}
      </dl>
      {active ? (
        <div className="actions">
          <button
            type="button"
            disabled={!can.allowed}
            title={can.why || undefined}
            aria-expanded={rotating}
            onClick={() => setRotating((r) => !r)}
          >
            {rotating ? 'Cancel rotation' : 'Rotate keys'}
          </button>
          <ConfirmButton
            label="Revoke"
            question={`Revoke “${c.label}”? The agent can no longer trade with it; this cannot be undone.`}
            busy={revoke.isPending}
            disabled={!can.allowed}
            disabledReason={can.why}
            onConfirm={() => revoke.mutate(c.credential_ref)}
          />
        </div>
      ) : null}
      {rotating && active ? (
        <CredentialForm
          mode="rotate"
          busy={rotate.isPending}
          disabledReason={can.allowed ? undefined : can.why}
          onSubmit={(v) =>
            rotate.mutateAsync(
              { ref: c.credential_ref, api_key: v.api_key, api_secret: v.api_secret },
              { onSuccess: () => setRotating(false) },
            )
          }
        />
      ) : null}
      <ErrorNotice error={rotate.error} action="rotate the keys" />
      <ErrorNotice error={revoke.error} action="revoke the keys" />
    </li>
  );
}

/** The customer's exchange accounts: add keys (write-only), then only masked keys, rotation and revocation. */
export function CredentialsPanel({ customerId }: { customerId: string }) {
  const can = useCan('operator');
  const list = useCredentials(customerId);
  const store = useStoreCredential(customerId);
  return (
    <section className="card" aria-labelledby="creds-title">
      <h3 id="creds-title">Exchange credentials</h3>
      <p className="small muted">
        Keys go to PP’s encrypted vault. Plant only ever sees the account reference; the secret is never shown
        again.
      </p>
      {list.isPending ? <Loading what="exchange accounts" /> : null}
      <ErrorNotice error={list.error} action="load the exchange accounts" />
      {list.data?.items.length === 0 ? (
        <Empty>No exchange account yet. Add the customer’s keys below.</Empty>
      ) : null}
      {list.data && list.data.items.length > 0 ? (
        <ul className="credentials">
          {list.data.items.map((c) => (
            <CredentialRow key={c.credential_ref} c={c} customerId={customerId} />
          ))}
        </ul>
      ) : null}
      <h4>Add an exchange account</h4>
      <CredentialForm
        mode="store"
        busy={store.isPending}
        disabledReason={can.allowed ? undefined : can.why}
        onSubmit={(v) => store.mutateAsync(v)}
      />
      <ErrorNotice error={store.error} action="save the keys" />
      {store.isSuccess ? (
        <p className="notice ok" role="status">
          Saved “{store.data.label}” ({store.data.key_masked}). The secret is stored encrypted and will not be
          shown again.
        </p>
      ) : null}
    </section>
  );
}

const PERMISSION_WORDS: Record<string, string> = {
  read_data: 'read data (checked)',
  trading_unverified:
    'trading: not verified yet — no read can prove it; the first approved order does (tick "Trading" for this key on Delta)',
  trading: 'trading (checked)',
};

/** What the key check established, in words an operator can act on. */
export function permissionsInWords(permissions: readonly string[]): string {
  return permissions.map((p) => PERMISSION_WORDS[p] ?? p).join('; ') || '—';
}
