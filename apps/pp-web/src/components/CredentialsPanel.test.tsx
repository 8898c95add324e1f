import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CUSTOMER_ID, credential, renderAs, stubFetch } from '../test-fixtures.tsx';
import { CredentialsPanel } from './CredentialsPanel.tsx';

describe('CredentialsPanel', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('lists accounts with the masked key only and asks before revoking', async () => {
    const stub = stubFetch({
      [`GET /api/customers/${CUSTOMER_ID}/credentials`]: () => [200, { items: [credential] }],
      [`POST /api/credentials/${credential.credential_ref}/revoke`]: () => [
        200,
        { ...credential, state: 'revoked', revoked_at: '2025-01-11T10:00:00.000Z' },
      ],
    });
    vi.stubGlobal('fetch', stub.fn);
    renderAs('operator', <CredentialsPanel customerId={CUSTOMER_ID} />);
    expect((await screen.findByTestId('key-masked')).textContent).toBe('••••9f3a');
    expect(screen.getByText('Main futures')).toBeTruthy();

    const u = userEvent.setup();
    await u.click(screen.getByRole('button', { name: 'Revoke' }));
    expect(screen.getByText(/Revoke “Main futures”\? The agent can no longer trade with it/)).toBeTruthy();
    expect(stub.calls.some((c) => c.path.endsWith('/revoke'))).toBe(false);
    await u.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(stub.calls.some((c) => c.path.endsWith('/revoke'))).toBe(false);

    await u.click(screen.getByRole('button', { name: 'Revoke' }));
    await u.click(screen.getByRole('button', { name: 'Yes, revoke' }));
    await waitFor(() => expect(stub.calls.filter((c) => c.path.endsWith('/revoke'))).toHaveLength(1));
  });

  it('a viewer sees the accounts but the actions are disabled with the reason', async () => {
    vi.stubGlobal(
      'fetch',
      stubFetch({ [`GET /api/customers/${CUSTOMER_ID}/credentials`]: () => [200, { items: [credential] }] })
        .fn,
    );
    renderAs('viewer', <CredentialsPanel customerId={CUSTOMER_ID} />);
    await screen.findByTestId('key-masked');
    expect((screen.getByRole('button', { name: 'Revoke' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Rotate keys' }) as HTMLButtonElement).disabled).toBe(true);
    expect(
      (screen.getByRole('button', { name: 'Save keys to the vault' }) as HTMLButtonElement).disabled,
    ).toBe(true);
  });

  it('shows an empty state when the customer has no account', async () => {
    vi.stubGlobal(
      'fetch',
      stubFetch({ [`GET /api/customers/${CUSTOMER_ID}/credentials`]: () => [200, { items: [] }] }).fn,
    );
    renderAs('operator', <CredentialsPanel customerId={CUSTOMER_ID} />);
    expect(await screen.findByText(/No exchange account yet/)).toBeTruthy();
  });
});
