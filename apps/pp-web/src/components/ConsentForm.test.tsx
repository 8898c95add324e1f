import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ConsentForm, type ConsentInput } from './ConsentForm.tsx';

describe('ConsentForm', () => {
  it('requires the channel and the reference', async () => {
    const onSubmit = vi.fn((_: ConsentInput) => {});
    render(<ConsentForm onSubmit={onSubmit} busy={false} />);
    await userEvent.click(screen.getByRole('button', { name: 'Record consent and approve this plan' }));
    expect(screen.getByText('Choose how the customer gave consent.')).toBeTruthy();
    expect(screen.getByText(/Enter a reference to the consent/)).toBeTruthy();
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('does not accept a reference of only spaces', async () => {
    const onSubmit = vi.fn((_: ConsentInput) => {});
    render(<ConsentForm onSubmit={onSubmit} busy={false} />);
    const u = userEvent.setup();
    await u.selectOptions(screen.getByLabelText('Consent channel'), 'phone');
    await u.type(screen.getByLabelText('Consent reference'), '   ');
    await u.click(screen.getByRole('button', { name: 'Record consent and approve this plan' }));
    expect(screen.getByText(/Enter a reference to the consent/)).toBeTruthy();
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('sends channel, trimmed reference and the optional note', async () => {
    const onSubmit = vi.fn((_: ConsentInput) => {});
    render(<ConsentForm onSubmit={onSubmit} busy={false} />);
    const u = userEvent.setup();
    await u.selectOptions(screen.getByLabelText('Consent channel'), 'video_call');
    await u.type(screen.getByLabelText('Consent reference'), ' call-2025-01-10-1432 ');
    await u.type(screen.getByLabelText('Note (optional)'), 'Customer confirmed 2 BTC long at market');
    await u.click(screen.getByRole('button', { name: 'Record consent and approve this plan' }));
    expect(onSubmit).toHaveBeenCalledWith({
      channel: 'video_call',
      reference: 'call-2025-01-10-1432',
      note: 'Customer confirmed 2 BTC long at market',
    });
  });

  it('leaves the note out when it is empty', async () => {
    const onSubmit = vi.fn((_: ConsentInput) => {});
    render(<ConsentForm onSubmit={onSubmit} busy={false} />);
    const u = userEvent.setup();
    await u.selectOptions(screen.getByLabelText('Consent channel'), 'email');
    await u.type(screen.getByLabelText('Consent reference'), 'Re: BTC trade');
    await u.click(screen.getByRole('button', { name: 'Record consent and approve this plan' }));
    expect(onSubmit).toHaveBeenCalledWith({ channel: 'email', reference: 'Re: BTC trade' });
  });

  it('is disabled while the approval is being minted', () => {
    render(<ConsentForm onSubmit={() => {}} busy={true} />);
    expect((screen.getByRole('button', { name: 'Minting approval…' }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });
});
