import { dateTime } from '@delta/web-ui';
import { useMe, useRevokeSession, useSessions, useSignOutEverywhere } from '../api/queries.ts';
import { FactorSetup } from '../components/FactorSetup.tsx';
import { ErrorNotice, Loading } from '../components/Notices.tsx';

const METHOD: Record<string, string> = {
  passkey: 'passkey',
  'password+totp': 'password and code',
  'password+passkey': 'password and passkey',
  signup: 'sign-up',
};

/** Who is signed in, where, and the ways to sign in. */
export function AccountPage() {
  const me = useMe();
  const sessions = useSessions();
  const revoke = useRevokeSession();
  const everywhere = useSignOutEverywhere();
  return (
    <>
      <h1>Account</h1>
      <section className="card">
        <p>
          Signed in as <strong>{me.data?.email}</strong>
        </p>
        <p className="small muted">
          {(me.data?.factors.passkeys ?? 0) === 1
            ? '1 passkey'
            : `${me.data?.factors.passkeys ?? 0} passkeys`}{' '}
          · authenticator app {me.data?.factors.totp ? 'on' : 'off'}
        </p>
      </section>
      <h2>Where you are signed in</h2>
      {sessions.isPending ? <Loading what="your sessions" /> : null}
      <ErrorNotice error={sessions.error ?? revoke.error ?? everywhere.error} action="change your sessions" />
      <ul className="cards" aria-label="Sessions">
        {sessions.data?.items.map((s) => (
          <li key={s.session_id} className="card row-card">
            <div className="page-head">
              <strong>{s.current ? 'This device' : (s.user_agent?.slice(0, 60) ?? 'Unknown device')}</strong>
              {!s.current ? (
                <button
                  type="button"
                  className="small-button"
                  disabled={revoke.isPending}
                  onClick={() => revoke.mutate(s.session_id)}
                >
                  Sign out
                </button>
              ) : null}
            </div>
            <p className="small muted">
              Signed in with {METHOD[s.auth_method] ?? s.auth_method} · {dateTime(s.created_at)} · last used{' '}
              {dateTime(s.last_seen_at)}
            </p>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="danger"
        disabled={everywhere.isPending}
        onClick={() => everywhere.mutate()}
      >
        {everywhere.isPending ? 'Signing out…' : 'Sign out everywhere'}
      </button>
      <h2>Ways to sign in</h2>
      <FactorSetup />
    </>
  );
}
