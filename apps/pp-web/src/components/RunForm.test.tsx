import type { TPositionTradeRequest, TTradeRunRequest } from '@delta/contracts';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { RunFormValues } from '../lib/run-form.ts';
import { ACCOUNT_REF, CUSTOMER_ID, credential } from '../test-fixtures.tsx';
import { RunForm } from './RunForm.tsx';

const initial: RunFormValues = {
  customer_id: CUSTOMER_ID,
  exchange_account_id: ACCOUNT_REF,
  coin: 'BTC',
  units: '1',
  side: 'long',
  action: 'enter',
  price_mode: 'market',
  limit_price: '',
};

function setup(overrides: Partial<RunFormValues> = {}, allowed = ['BTC', 'ETH']) {
  const onDraft = vi.fn<(r: TTradeRunRequest) => void>();
  render(
    <RunForm
      initial={{ ...initial, ...overrides }}
      accounts={[credential]}
      allowedCoins={allowed}
      onDraft={onDraft}
      busy={false}
    />,
  );
  return { onDraft, u: userEvent.setup() };
}

async function typeUnits(u: ReturnType<typeof userEvent.setup>, value: string) {
  const units = screen.getByLabelText('Units (contracts)');
  await u.clear(units);
  if (value) await u.type(units, value);
}

describe('RunForm validation', () => {
  it('drafts a market order with whole units and the chosen account', async () => {
    const { onDraft, u } = setup();
    await typeUnits(u, '3');
    await u.click(screen.getByLabelText('short'));
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));
    expect(onDraft).toHaveBeenCalledWith({
      customer_id: CUSTOMER_ID,
      exchange_account_id: ACCOUNT_REF,
      coin: 'BTC',
      units: 3,
      side: 'short',
      action: 'enter',
      market: true,
    });
  });

  it.each([
    ['', 'Enter the number of contracts.'],
    ['0', 'Units must be at least 1.'],
    ['1.5', 'Units must be a whole number of contracts, such as 1 or 5.'],
    ['-2', 'Units must be a whole number of contracts, such as 1 or 5.'],
    ['abc', 'Units must be a whole number of contracts, such as 1 or 5.'],
  ])('refuses units %j with a message and does not draft', async (value, message) => {
    const { onDraft, u } = setup();
    await typeUnits(u, value);
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));
    expect(screen.getByText(message)).toBeTruthy();
    expect(screen.getByLabelText('Units (contracts)').getAttribute('aria-invalid')).toBe('true');
    expect(onDraft).not.toHaveBeenCalled();
  });

  it('asks for a limit price when the order is a limit order, and sends limit_price instead of market', async () => {
    const { onDraft, u } = setup();
    await u.click(screen.getByLabelText('limit'));
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));
    expect(screen.getByText('Enter a limit price, or choose a market order.')).toBeTruthy();
    expect(onDraft).not.toHaveBeenCalled();

    await u.type(screen.getByLabelText('Limit price (USD)'), '64,000');
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));
    expect(screen.getByText(/must be a positive number such as 65000.5/)).toBeTruthy();

    await u.clear(screen.getByLabelText('Limit price (USD)'));
    await u.type(screen.getByLabelText('Limit price (USD)'), '64000.5');
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));
    expect(onDraft).toHaveBeenCalledTimes(1);
    const sent = onDraft.mock.calls[0]?.[0] as TPositionTradeRequest | undefined;
    expect(sent?.limit_price).toBe('64000.5');
    expect(sent?.market).toBeUndefined();
  });

  it('hides the limit price for a market order', async () => {
    setup();
    expect(screen.queryByLabelText('Limit price (USD)')).toBeNull();
  });

  it('offers only the allowed coins and refuses a coin outside the list', async () => {
    const { onDraft, u } = setup({ coin: 'SOL' }, ['BTC', 'ETH']);
    const options = Array.from(
      (screen.getByLabelText('Coin') as HTMLSelectElement).options,
      (o) => o.value,
    ).filter(Boolean);
    expect(options).toEqual(['BTC', 'ETH']);
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));
    expect(screen.getByText('SOL is not allowed for this agent. Allowed: BTC, ETH.')).toBeTruthy();
    expect(onDraft).not.toHaveBeenCalled();
  });

  it('requires an exchange account', async () => {
    const { onDraft, u } = setup({ exchange_account_id: '' });
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));
    expect(screen.getByText('Choose one of the customer’s exchange accounts.')).toBeTruthy();
    expect(onDraft).not.toHaveBeenCalled();
  });

  it('is disabled with the reason for a viewer', () => {
    render(
      <RunForm
        initial={initial}
        accounts={[credential]}
        allowedCoins={['BTC']}
        onDraft={() => {}}
        busy={false}
        disabledReason="Your role (viewer) can view but not act; this needs operator or admin."
      />,
    );
    expect((screen.getByRole('button', { name: 'Draft plan' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/Your role \(viewer\) can view but not act/)).toBeTruthy();
  });

  it('drafts a cancel of one order by its exchange id, with no units, side or price', async () => {
    const { onDraft, u } = setup({ coin: 'ETH' }, ['BTC']);
    await u.click(screen.getByLabelText('cancel (a resting order)'));
    expect(screen.queryByLabelText('Units (contracts)')).toBeNull();
    expect(screen.queryByLabelText('long')).toBeNull();
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));
    expect(screen.getByText(/Enter the exchange order id of the resting order/)).toBeTruthy();
    await u.type(screen.getByLabelText('Order id (exchange)'), '12a');
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));
    expect(screen.getByText(/The order id is the exchange’s number/)).toBeTruthy();
    await u.clear(screen.getByLabelText('Order id (exchange)'));
    await u.type(screen.getByLabelText('Order id (exchange)'), '1042');
    await u.click(screen.getByRole('button', { name: 'Draft plan' }));
    // A cancel only takes risk off the book: a coin outside allowed_coins does not stop it.
    expect(onDraft).toHaveBeenCalledWith({
      customer_id: CUSTOMER_ID,
      exchange_account_id: ACCOUNT_REF,
      coin: 'ETH',
      action: 'cancel',
      order_id: '1042',
    });
  });
});
