import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { isApiError, setUnauthorizedHandler } from './api/http.ts';
import { keys, useLogout, useMe } from './api/queries.ts';
import { ErrorNotice, Loading } from './components/Notices.tsx';
import { href, type PageName, useHashRoute } from './lib/route.ts';
import { InboxPage } from './pages/Inbox.tsx';
import { InvitePage } from './pages/Invite.tsx';
import { ProposalPage } from './pages/Proposal.tsx';
import { SignInPage } from './pages/SignIn.tsx';

// The pages a customer opens less often load on demand: the first screen stays small on a phone.
const NewTradePage = lazy(() => import('./pages/NewTrade.tsx').then((m) => ({ default: m.NewTradePage })));
const KeysPage = lazy(() => import('./pages/Keys.tsx').then((m) => ({ default: m.KeysPage })));
const SettingsPage = lazy(() => import('./pages/Settings.tsx').then((m) => ({ default: m.SettingsPage })));
const HistoryPage = lazy(() => import('./pages/History.tsx').then((m) => ({ default: m.HistoryPage })));
const AccountPage = lazy(() => import('./pages/Account.tsx').then((m) => ({ default: m.AccountPage })));
const SecurePage = lazy(() => import('./pages/Secure.tsx').then((m) => ({ default: m.SecurePage })));

const NAV: { page: PageName; label: string }[] = [
  { page: 'inbox', label: 'Trades' },
  { page: 'new', label: 'New' },
  { page: 'keys', label: 'Keys' },
  { page: 'settings', label: 'Agent' },
  { page: 'history', label: 'History' },
  { page: 'account', label: 'Account' },
];

const TITLES: Partial<Record<PageName, string>> = {
  inbox: 'Proposed trades',
  proposal: 'Review trade',
  new: 'New trade',
  keys: 'Exchange keys',
  settings: 'Agent settings',
  history: 'History',
  account: 'Account',
  secure: 'Secure your account',
  invite: 'Welcome',
  signin: 'Sign in',
};

export function App() {
  const qc = useQueryClient();
  const me = useMe();
  const logout = useLogout();
  const route = useHashRoute();
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      // Any 401 means the session is gone: drop cached data and show the sign-in page.
      if (qc.getQueryData(keys.me)) setExpired(true);
      qc.setQueryData(keys.me, null);
    });
  }, [qc]);

  useEffect(() => {
    document.title = `${TITLES[route.page] ?? 'Trading desk'} · Trading desk`;
  }, [route.page]);

  if (me.isPending) return <Loading what="your session" />;
  if (me.isError && !(isApiError(me.error) && me.error.status === 401)) {
    return (
      <main className="auth">
        <ErrorNotice error={me.error} action="reach CP" />
        <button type="button" onClick={() => me.refetch()}>
          Try again
        </button>
      </main>
    );
  }
  if (!me.data) {
    return (
      <main id="main" className="signed-out">
        <p className="brand-mark auth">Trading desk · your agent’s trades, your approval</p>
        {route.page === 'invite' ? <InvitePage token={route.arg} /> : <SignInPage expired={expired} />}
      </main>
    );
  }
  const unsecured = me.data.factors.passkeys === 0 && !me.data.factors.totp;
  const active = route.page === 'proposal' ? 'inbox' : route.page;

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href={href('inbox')}>
          Trading desk
        </a>
        <button
          type="button"
          className="small-button"
          disabled={logout.isPending}
          onClick={() => {
            setExpired(false);
            logout.mutate();
          }}
        >
          {logout.isPending ? 'Signing out…' : 'Sign out'}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {unsecured && route.page !== 'secure' ? (
          <p className="notice info" role="note">
            Add a passkey or an authenticator app to approve trades.{' '}
            <a href={href('secure')}>Secure your account</a>
          </p>
        ) : null}
        <Suspense fallback={<Loading what="the page" />}>
          <Page page={route.page} arg={route.arg} />
        </Suspense>
      </main>
      {/* After the page in the document: on a phone it sits at the bottom of the screen (sticky), on a wide
          screen in the left column. */}
      <nav className="tabs" aria-label="Main">
        <ul>
          {NAV.map((n) => (
            <li key={n.page}>
              <a href={href(n.page)} aria-current={active === n.page ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </div>
  );
}

function Page({ page, arg }: { page: PageName; arg: string }) {
  switch (page) {
    case 'proposal':
      return <ProposalPage id={arg} />;
    case 'new':
      return <NewTradePage />;
    case 'keys':
      return <KeysPage />;
    case 'settings':
      return <SettingsPage />;
    case 'history':
      return <HistoryPage />;
    case 'account':
      return <AccountPage />;
    case 'secure':
      return <SecurePage />;
    case 'invite':
      return <InvitePage token={arg} />;
    default:
      return <InboxPage />;
  }
}
