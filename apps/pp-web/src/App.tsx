import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { isApiError, setUnauthorizedHandler } from './api/http.ts';
import { keys, useLogout, useMe } from './api/queries.ts';
import { ErrorNotice } from './components/ErrorNotice.tsx';
import { Loading } from './components/States.tsx';
import { href, type PageName, useHashRoute } from './lib/hash-route.ts';
import { SessionProvider } from './lib/session.tsx';
import { AgentSetupPage } from './pages/AgentSetup.tsx';
import { ApprovalsPage } from './pages/Approvals.tsx';
import { AuditPage } from './pages/Audit.tsx';
import { CustomersPage } from './pages/Customers.tsx';
import { LoginPage } from './pages/Login.tsx';
import { ReferenceAgentsPage } from './pages/ReferenceAgents.tsx';

// The chart library is the heaviest dependency; only the Positions page needs it.
const PositionsPage = lazy(() => import('./pages/Positions.tsx'));

const NAV: { page: PageName; label: string }[] = [
  { page: 'reference-agents', label: 'Reference Agents' },
  { page: 'customers', label: 'Customers' },
  { page: 'setup', label: 'Agent setup' },
  { page: 'approvals', label: 'Approvals' },
  { page: 'positions', label: 'Positions' },
  { page: 'audit', label: 'Audit' },
];

export function App() {
  const qc = useQueryClient();
  const me = useMe();
  const logout = useLogout();
  const route = useHashRoute();
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      // Any 401 means the session is gone: drop cached data and show the login page.
      if (qc.getQueryData(keys.me)) setExpired(true);
      qc.setQueryData(keys.me, null);
    });
  }, [qc]);

  // Keep page titles in step with the page for history and screen readers.
  useEffect(() => {
    const label = NAV.find((n) => n.page === route.page)?.label ?? 'PP';
    document.title = `${label} · PP`;
  }, [route.page]);

  if (me.isPending) return <Loading what="your session" />;
  if (me.isError && !(isApiError(me.error) && me.error.status === 401)) {
    return (
      <main className="login">
        <ErrorNotice error={me.error} action="reach PP" />
        <button type="button" onClick={() => me.refetch()}>
          Try again
        </button>
      </main>
    );
  }
  if (!me.data) return <LoginPage expired={expired} />;
  const user = me.data;

  return (
    <SessionProvider user={user}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">PP · ops portal</div>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.page}>
                <a href={href(n.page)} aria-current={route.page === n.page ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {user.display_name} <span className={`tag role-${user.role}`}>{user.role}</span>
          </span>
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
        </div>
      </header>
      {user.role === 'viewer' ? (
        <p className="banner" role="note">
          You are signed in as a viewer: you can see everything but cannot change or execute anything.
        </p>
      ) : null}
      <main id="main" tabIndex={-1}>
        {route.page === 'reference-agents' ? <ReferenceAgentsPage route={route} /> : null}
        {route.page === 'customers' ? <CustomersPage /> : null}
        {route.page === 'setup' ? <AgentSetupPage route={route} /> : null}
        {route.page === 'approvals' ? <ApprovalsPage route={route} /> : null}
        {route.page === 'audit' ? <AuditPage route={route} /> : null}
        {route.page === 'positions' ? (
          <Suspense fallback={<Loading what="the Positions page" />}>
            <PositionsPage route={route} />
          </Suspense>
        ) : null}
      </main>
    </SessionProvider>
  );
}
