import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './App.tsx';
import { problem, stubFetch, user } from './test-fixtures.tsx';

function renderApp() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <App />
    </QueryClientProvider>,
  );
}

describe('App session', () => {
  beforeEach(() => {
    window.location.hash = '#/approvals';
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows the login page when signed out, then the portal with the role after signing in', async () => {
    let signedIn = false;
    const stub = stubFetch({
      'GET /api/auth/me': () =>
        signedIn
          ? [200, user('viewer')]
          : [401, problem(401, 'login_required', 'Sign in to PP first.', 'corr-me-1')],
      'POST /api/auth/login': (body) => {
        const b = body as { username: string; password: string };
        if (b.password !== 'right-password')
          return [401, problem(401, 'invalid_credentials', 'Wrong user name or password.', 'corr-login-1')];
        signedIn = true;
        return [200, { user: user('viewer'), expires_at: '2030-01-01T00:00:00.000Z' }];
      },
      'GET /api/approvals': () => [200, { items: [], next_cursor: null }],
      'GET /api/customers': () => [200, { items: [] }],
    });
    vi.stubGlobal('fetch', stub.fn);
    renderApp();
    const u = userEvent.setup();
    await screen.findByRole('heading', { name: 'PP — ops portal' });

    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByText('Enter your user name.')).toBeTruthy();
    expect(stub.calls.some((c) => c.path === '/api/auth/login')).toBe(false);

    await u.type(screen.getByLabelText('User name'), 'viewer');
    await u.type(screen.getByLabelText('Password'), 'wrong');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText(/Wrong user name or password/)).toBeTruthy();
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');

    await u.type(screen.getByLabelText('Password'), 'right-password');
    await u.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Approvals' })).toBeTruthy();
    expect(screen.getByText('viewer', { selector: '.tag' })).toBeTruthy();
    expect(screen.getByRole('note').textContent).toMatch(/cannot change or execute anything/);
    expect(screen.getByRole('link', { name: 'Approvals' }).getAttribute('aria-current')).toBe('page');
  });

  it('goes back to the login page when any request answers 401', async () => {
    let expired = false;
    const stub = stubFetch({
      'GET /api/auth/me': () =>
        expired ? [401, problem(401, 'login_required', 'Sign in.', 'c-1')] : [200, user('operator')],
      'GET /api/approvals': () => {
        expired = true;
        return [401, problem(401, 'login_required', 'Sign in to PP first.', 'corr-exp-1')];
      },
      'GET /api/customers': () => [200, { items: [] }],
    });
    vi.stubGlobal('fetch', stub.fn);
    renderApp();
    expect(await screen.findByText(/Your session ended/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
  });
});
