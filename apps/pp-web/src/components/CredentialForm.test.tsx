import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { CredentialForm, type CredentialInput } from './CredentialForm.tsx';

const KEY = 'dk_live_9Q2mX7pL4sT8';
const SECRET = 'ds_R4nd0mS3cr3tV4lu3xYz';

describe('CredentialForm', () => {
  it('requires the label, the key and the secret', async () => {
    const onSubmit = vi.fn(async (_: CredentialInput) => {});
    render(<CredentialForm mode="store" onSubmit={onSubmit} busy={false} />);
    await userEvent.click(screen.getByRole('button', { name: 'Save keys to the vault' }));
    expect(screen.getByText('Give the account a label, e.g. "Main futures".')).toBeTruthy();
    expect(screen.getByText('Paste the API key from Delta Exchange.')).toBeTruthy();
    expect(screen.getByText('Paste the API secret.')).toBeTruthy();
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('refuses a key with spaces or too short', async () => {
    const onSubmit = vi.fn(async (_: CredentialInput) => {});
    render(<CredentialForm mode="store" onSubmit={onSubmit} busy={false} />);
    const u = userEvent.setup();
    await u.type(screen.getByLabelText('Label'), 'Main');
    await u.type(screen.getByLabelText('API key'), 'short');
    await u.type(screen.getByLabelText('API secret'), 'has a space in it');
    await u.click(screen.getByRole('button', { name: 'Save keys to the vault' }));
    expect(screen.getByText('The key is 8–256 characters without spaces.')).toBeTruthy();
    expect(screen.getByText('The secret is 8–256 characters without spaces.')).toBeTruthy();
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('sends the keys once, then clears both key inputs so the secret is never shown again', async () => {
    const onSubmit = vi.fn(async (_: CredentialInput) => {});
    render(<CredentialForm mode="store" onSubmit={onSubmit} busy={false} />);
    const u = userEvent.setup();
    await u.type(screen.getByLabelText('Label'), 'Main futures');
    await u.selectOptions(screen.getByLabelText('Environment'), 'india-testnet');
    await u.type(screen.getByLabelText('API key'), KEY);
    await u.type(screen.getByLabelText('API secret'), SECRET);
    expect(screen.getByLabelText('API secret').getAttribute('type')).toBe('password');
    await u.click(screen.getByRole('button', { name: 'Save keys to the vault' }));
    expect(onSubmit).toHaveBeenCalledWith({
      label: 'Main futures',
      environment: 'india-testnet',
      api_key: KEY,
      api_secret: SECRET,
    });
    expect((screen.getByLabelText('API key') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('API secret') as HTMLInputElement).value).toBe('');
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it('clears the secret even when saving fails, keeping the key to correct', async () => {
    const onSubmit = vi.fn(async (_: CredentialInput) => {
      throw new Error('exchange refused');
    });
    render(<CredentialForm mode="store" onSubmit={onSubmit} busy={false} />);
    const u = userEvent.setup();
    await u.type(screen.getByLabelText('Label'), 'Main');
    await u.type(screen.getByLabelText('API key'), KEY);
    await u.type(screen.getByLabelText('API secret'), SECRET);
    await u.click(screen.getByRole('button', { name: 'Save keys to the vault' }));
    expect((screen.getByLabelText('API secret') as HTMLInputElement).value).toBe('');
    expect((screen.getByLabelText('API key') as HTMLInputElement).value).toBe(KEY);
  });

  it('in rotate mode asks only for the new key and secret', async () => {
    const onSubmit = vi.fn(async (_: CredentialInput) => {});
    render(<CredentialForm mode="rotate" onSubmit={onSubmit} busy={false} />);
    expect(screen.queryByLabelText('Label')).toBeNull();
    const u = userEvent.setup();
    await u.type(screen.getByLabelText('New API key'), KEY);
    await u.type(screen.getByLabelText('New API secret'), SECRET);
    await u.click(screen.getByRole('button', { name: 'Rotate keys' }));
    expect(onSubmit).toHaveBeenCalledTimes(1);
  });

  it('cannot be submitted twice while the request runs', async () => {
    const onSubmit = vi.fn(async (_: CredentialInput) => {});
    render(<CredentialForm mode="store" onSubmit={onSubmit} busy={true} />);
    const button = screen.getByRole('button', {
      name: 'Checking keys with the exchange…',
    }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
  });
});
