import { act, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { failedCheckProposal, proposalFixture } from '../test-fixtures.tsx';
import { bandEdges, ReviewCard } from './ReviewCard.tsx';

afterEach(() => {
  vi.useRealTimers();
});

describe('ReviewCard', () => {
  it('shows the exact Delta order, the notional in INR and USD at Delta’s rate, margin and leverage', () => {
    render(<ReviewCard proposal={proposalFixture()} />);
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('Open long: Buy 2 BTCUSD');
    expect(screen.getByTestId('order-side-size').textContent).toBe('BUY 2 contracts');
    expect(screen.getByTestId('order-type').textContent).toMatch(/^Market/);
    expect(screen.getByTestId('notional-inr').textContent).toBe('₹11,082.5');
    expect(screen.getByTestId('notional-usd').textContent).toBe('$130');
    expect(screen.getByTestId('inr-rate').textContent).toContain('Delta’s INR rate of ₹85.25 per USD');
    expect(screen.getByText('₹1,108.25 · $13')).toBeTruthy();
    expect(screen.getByText('10×')).toBeTruthy();
  });

  it('shows the price band: the reference price and the edges the mark may move between', () => {
    render(<ReviewCard proposal={proposalFixture()} />);
    const band = screen.getByTestId('price-band');
    expect(within(band).getByTestId('reference-price').textContent).toBe('$65,000');
    expect(band.textContent).toContain('0.5 %');
    expect(band.textContent).toContain('(50 bps)');
    expect(band.textContent).toContain('$64,675.00');
    expect(band.textContent).toContain('$65,325.00');
    expect(bandEdges('65000', 50)).toEqual({ low: '64675.00', high: '65325.00', percent: '0.5 %' });
  });

  it('counts down to the expiry live, and says expired when it passes', () => {
    vi.useFakeTimers({ now: new Date('2026-12-08T01:00:00Z') });
    const p = proposalFixture({}, Date.now());
    render(<ReviewCard proposal={p} />);
    expect(screen.getByTestId('countdown').textContent).toBe('Expires in 5 min 07 s');
    act(() => vi.advanceTimersByTime(2_000));
    expect(screen.getByTestId('countdown').textContent).toBe('Expires in 5 min 05 s');
    act(() => vi.advanceTimersByTime(5 * 60_000 + 5_000));
    expect(screen.getByTestId('countdown').textContent).toBe('Expired');
  });

  it('lists a failed risk check first, with its reason, and says the trade cannot be approved', () => {
    render(<ReviewCard proposal={failedCheckProposal()} />);
    expect(screen.getByText(/A risk check failed, so this trade cannot be approved/)).toBeTruthy();
    const items = within(screen.getByRole('list', { name: 'Risk checks' })).getAllByRole('listitem');
    expect(items[0]!.className).toBe('fail');
    expect(items[0]!.textContent).toContain('max notional inr failed: ₹11082.5 exceeds your limit of ₹10000');
    expect(items.slice(1).every((li) => li.className === 'pass')).toBe(true);
  });

  it('an exit without a band says exits are never held back', () => {
    const p = proposalFixture();
    const exit = {
      ...p,
      plan: {
        ...p.plan,
        intent: {
          ...p.plan.intent,
          action: 'exit' as const,
          intent_action: 'close_position' as const,
          price_band: undefined,
        },
        order: { ...p.plan.order, side: 'sell' as const, reduce_only: true },
      },
    };
    render(<ReviewCard proposal={exit} />);
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('Close long: Sell 2 BTCUSD');
    expect(screen.getByTestId('price-band').textContent).toContain('exits are never held back');
  });
});
