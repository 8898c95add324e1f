import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { approvablePlan, draftResult } from '../test-fixtures.tsx';
import { PlanCard } from './PlanCard.tsx';

describe('PlanCard', () => {
  it('shows the exact exchange order, quantity, notional in INR and USD, margin and intent hash', () => {
    render(<PlanCard plan={approvablePlan.plan} />);
    expect(screen.getByText('BUY 2 contracts of BTCUSD (product 27)')).toBeTruthy();
    expect(screen.getByText(/Market, IOC/)).toBeTruthy();
    expect(screen.getByText('2 × 0.001 BTC = 0.002 BTC')).toBeTruthy();
    expect(screen.getByText('$65,000.5')).toBeTruthy();
    expect(screen.getByTestId('notional-inr').textContent).toBe('₹11,050.085');
    expect(screen.getByTestId('notional-usd').textContent).toBe('$130.001');
    expect(screen.getByText(/₹1,105.0085 · \$13.0001/)).toBeTruthy();
    expect(screen.getByText('at 10× leverage')).toBeTruthy();
    expect(screen.getByTestId('intent-hash').textContent).toBe(approvablePlan.plan.intent_hash);
    expect(screen.getByText(/The customer can approve this exact plan/)).toBeTruthy();
  });

  it('lists every risk check with its result and reason, and says a failing plan cannot be approved', () => {
    render(<PlanCard plan={draftResult.plan} />);
    const list = screen.getByRole('list', { name: 'Risk checks' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(items[0]?.textContent).toContain('coin allowed — passed: BTC is in allowed_coins');
    expect(items[1]?.textContent).toContain('max units per order — passed: 2 ≤ 10');
    expect(items[2]?.textContent).toContain('max notional inr — failed: ₹11050.085 exceeds ₹10000');
    expect(items[2]?.className).toBe('fail');
    expect(screen.getByText(/A risk check failed: this plan cannot be approved or executed/)).toBeTruthy();
  });

  it('shows a limit order with its price and reduce-only for an exit', () => {
    const plan = {
      ...approvablePlan.plan,
      order: {
        ...approvablePlan.plan.order,
        side: 'sell' as const,
        order_type: 'limit_order' as const,
        limit_price: '66000',
        reduce_only: true,
        time_in_force: 'gtc' as const,
      },
    };
    render(<PlanCard plan={plan} />);
    expect(screen.getByText(/Limit at \$66,000, GTC, reduce-only/)).toBeTruthy();
    expect(screen.getByText('SELL 2 contracts of BTCUSD (product 27)')).toBeTruthy();
  });

  it('shows a cancel as the exact DELETE it sends and the resting order it takes off the book', () => {
    const plan = {
      ...approvablePlan.plan,
      intent: {
        ...approvablePlan.plan.intent,
        action: 'cancel' as const,
        intent_action: 'cancel_order' as const,
        side: 'short' as const,
        units: 5,
        order_type: 'limit' as const,
        limit_price: '66000',
        order_id: '1042',
      },
      order: {
        ...approvablePlan.plan.order,
        side: 'sell' as const,
        size: 3,
        order_type: 'limit_order' as const,
        limit_price: '66000',
        time_in_force: 'gtc' as const,
      },
    };
    render(<PlanCard plan={plan} />);
    expect(
      screen.getByRole('heading', { name: 'Draft plan: cancel order 1042 (sell 5 × BTC)' }),
    ).toBeTruthy();
    expect(screen.getByText('DELETE /v2/orders { id: 1042, product_id: 27 }')).toBeTruthy();
    expect(screen.getByText('Order it cancels')).toBeTruthy();
    expect(
      screen.getByText(/SELL 3 contracts of BTCUSD \(product 27\) still unfilled of 5 placed/),
    ).toBeTruthy();
  });
});
