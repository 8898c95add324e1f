import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { EXECUTION_DENIAL_REASONS } from '../lib/denial-reasons.ts';
import { denial } from '../test-fixtures.tsx';
import { DenialCard } from './DenialCard.tsx';

const PLAIN: Record<(typeof EXECUTION_DENIAL_REASONS)[number], RegExp> = {
  approval_required: /needs the customer’s approval first/,
  approval_invalid: /approval could not be used for this trade/,
  intent_mismatch: /approval was given for a different trade/,
  expired: /approval has expired/,
  revoked: /approval was revoked/,
  already_consumed: /approval was already used/,
  risk_check_failed: /fails a risk check/,
};

describe('DenialCard', () => {
  it.each(EXECUTION_DENIAL_REASONS)('explains %s in plain words and links its correlation id', (reason) => {
    const err = denial(reason);
    render(<DenialCard error={err} />);
    expect(screen.getByRole('heading').textContent).toMatch(PLAIN[reason]);
    expect(screen.getByTestId('denial-reason').textContent).toBe(reason);
    const link = screen.getByRole('link', { name: err.correlationId! });
    expect(link.getAttribute('href')).toBe(`#/audit?correlation_id=${err.correlationId}`);
  });

  it('tells the operator what to do next for approval_required', () => {
    render(<DenialCard error={denial('approval_required')} />);
    expect(screen.getByText(/Record the customer’s consent for this draft plan/)).toBeTruthy();
  });

  it('falls back to the server’s words for a reason it does not know', () => {
    render(<DenialCard error={denial('some_new_rule')} />);
    expect(screen.getByRole('heading').textContent).toContain(
      'Denied by policy (ApprovalRequiredHook): some_new_rule.',
    );
    expect(screen.getByRole('link', { name: 'corr-some-new-rule-01' })).toBeTruthy();
  });
});
