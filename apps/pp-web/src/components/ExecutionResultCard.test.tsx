import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { executedResult } from '../test-fixtures.tsx';
import { ExecutionResultCard } from './ExecutionResultCard.tsx';

const execution = executedResult.execution!;

describe('ExecutionResultCard', () => {
  it('shows the exchange order id, state, fill price and fees', () => {
    render(<ExecutionResultCard execution={execution} correlationId={executedResult.correlation_id} />);
    expect(screen.getByRole('heading', { name: 'Order filled' })).toBeTruthy();
    expect(screen.getByTestId('order-id').textContent).toBe('1048576');
    expect(screen.getByTestId('order-state').textContent).toBe('closed');
    expect(screen.getByTestId('fill-price').textContent).toBe('$65,012.5');
    expect(screen.getByTestId('fees').textContent).toContain('0.0780075');
    expect(screen.getByText(execution.client_order_id)).toBeTruthy();
    expect(screen.getByText('apr_q3xzb6jtkd4mfwa2n7ptr5hyle')).toBeTruthy();
    const link = screen.getByRole('link', { name: executedResult.correlation_id });
    expect(link.getAttribute('href')).toBe('#/audit?correlation_id=9d8c7b6a-2e3f-4a5b-9c6d-7e8f9a0b1c2d');
  });

  it('uses the fills read back from the exchange when the response has no fill fields', () => {
    const bare = { ...execution, average_fill_price: undefined, fees: undefined };
    render(
      <ExecutionResultCard
        execution={bare}
        correlationId="corr-exec-1"
        fill={{ average_price: '65010.00', fees: '0.078', filled: 2 }}
      />,
    );
    expect(screen.getByTestId('fill-price').textContent).toBe('$65,010.00');
    expect(screen.getByTestId('fees').textContent).toContain('0.078');
  });

  it('says plainly when the order is not filled and the exchange id is not known yet', () => {
    const pending = {
      ...execution,
      exchange_order_id: null,
      state: 'pending',
      average_fill_price: null,
      fees: null,
    };
    render(<ExecutionResultCard execution={pending} correlationId="corr-exec-2" />);
    expect(screen.getByRole('heading', { name: 'Order pending' })).toBeTruthy();
    expect(screen.getByTestId('order-id').textContent).toBe('not known yet');
    expect(screen.getByTestId('fill-price').textContent).toBe('not filled yet');
  });
});

describe('ExecutionResultCard, outcome unknown', () => {
  it('says the order may still be placed and not to approve the same trade again', () => {
    const pending = { ...execution, state: 'unknown', exchange_order_id: null, reason: 'outcome_unknown' };
    render(<ExecutionResultCard execution={pending} correlationId={executedResult.correlation_id} />);
    expect(screen.getByRole('heading', { name: 'Outcome not known yet' })).toBeTruthy();
    expect(screen.getByTestId('unknown-outcome').textContent).toContain('may still be placed');
    expect(screen.getByTestId('order-id').textContent).toBe('not known yet');
  });

  it('says plainly when nothing was traded, and why', () => {
    render(
      <ExecutionResultCard
        execution={{
          ...execution,
          state: 'rejected',
          reason: 'consumed_not_executed',
          exchange_order_id: null,
        }}
        correlationId="corr-exec-2"
      />,
    );
    expect(screen.getByRole('heading', { name: 'Nothing was traded' })).toBeTruthy();
    expect(screen.getByTestId('not-traded').textContent).toContain(
      'The approval was used, but Plant stopped before it recorded the order: nothing was sent.',
    );
  });
});
