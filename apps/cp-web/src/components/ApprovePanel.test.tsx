import { CP_CSRF_HEADER, REFUSAL_REASONS } from '@delta/contracts';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from '../api/http.ts';
import { useProposal } from '../api/queries.ts';
import {
  executedFixture,
  INTENT_HASH,
  mockFetch,
  PROPOSAL_ID,
  problem,
  proposalFixture,
  renderWithClient,
} from '../test-fixtures.tsx';
import { ApprovePanel } from './ApprovePanel.tsx';

const ASSERTION = {
  id: 'Y3JlZGVudGlhbC1pZC0xMjM0NTY',
  rawId: 'Y3JlZGVudGlhbC1pZC0xMjM0NTY',
  type: 'public-key',
  clientExtensionResults: {},
  response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'c2ln' },
};

const webauthn = vi.hoisted(() => ({ startAuthentication: vi.fn() }));
vi.mock('@simplewebauthn/browser', () => ({
  browserSupportsWebAuthn: () => true,
  startAuthentication: webauthn.startAuthentication,
  startRegistration: vi.fn(),
  WebAuthnError: class extends Error {},
}));

/** The panel as the page shows it: fed by the proposal query, so an approval's answer re-renders it. */
function Panel() {
  const q = useProposal(PROPOSAL_ID);
  return q.data ? <ApprovePanel proposal={q.data} /> : null;
}

beforeEach(() => {
  setCsrfToken('csrf-token-of-this-session');
  webauthn.startAuthentication.mockReset();
  webauthn.startAuthentication.mockResolvedValue(ASSERTION);
});

const OPTIONS = {
  nonce_id: '6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b',
  options: { challenge: 'Y2hhbGxlbmdl', allowCredentials: [] },
  expires_at: new Date(Date.now() + 120_000).toISOString(),
};

describe('approving a proposal', () => {
  it('asks for a step-up bound to the plan’s intent hash, approves with the assertion, and shows the fill', async () => {
    const open = proposalFixture();
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let now: object = open;
    const { calls } = mockFetch(async (c) => {
      if (c.path === `/api/proposals/${PROPOSAL_ID}` && c.method === 'GET') return { status: 200, body: now };
      if (c.path === '/api/step-up/options') return { status: 200, body: OPTIONS };
      if (c.path.endsWith('/approve')) {
        await held;
        const done = executedFixture(open);
        now = { ...done.proposal, execution: done.run.execution };
        return { status: 200, body: done };
      }
      return { status: 404, body: problem(404, 'not_found') };
    });
    renderWithClient(<Panel />);
    const button = await screen.findByRole('button', { name: 'Approve with passkey' });
    fireEvent.click(button);
    fireEvent.click(button); // a double tap
    await waitFor(() => expect(calls.some((c) => c.path.endsWith('/approve'))).toBe(true));
    // Pending: every answer is disabled until the server says what happened.
    expect((screen.getByRole('button', { name: 'Approving…' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Reject' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Re-quote' }) as HTMLButtonElement).disabled).toBe(true);
    release();
    await screen.findByText('Filled on Delta.');
    expect(screen.getByTestId('execution-result').textContent).toContain('2 contracts at $65,010.5');

    const stepUps = calls.filter((c) => c.path === '/api/step-up/options');
    const approves = calls.filter((c) => c.path.endsWith('/approve'));
    expect(stepUps).toHaveLength(1);
    expect(approves).toHaveLength(1);
    expect(stepUps[0]!.body).toEqual({ intent_hash: INTENT_HASH });
    expect(webauthn.startAuthentication).toHaveBeenCalledWith({ optionsJSON: OPTIONS.options });
    expect(approves[0]!.body).toEqual({
      step_up: { kind: 'webauthn', nonce_id: OPTIONS.nonce_id, response: ASSERTION },
    });
    expect(approves[0]!.headers[CP_CSRF_HEADER]).toBe('csrf-token-of-this-session');
  });

  it('a refusal is shown in words with what to do next, never as a raw code, and the proposal stays open', async () => {
    const open = proposalFixture();
    mockFetch((c) => {
      if (c.path === `/api/proposals/${PROPOSAL_ID}`) return { status: 200, body: open };
      if (c.path === '/api/step-up/options') return { status: 200, body: OPTIONS };
      return { status: 409, body: problem(409, 'price_moved', 'The mark left the band.') };
    });
    renderWithClient(<Panel />);
    fireEvent.click(await screen.findByRole('button', { name: 'Approve with passkey' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(REFUSAL_REASONS.price_moved.title);
    expect(alert.textContent).toContain(REFUSAL_REASONS.price_moved.next);
    expect(alert.textContent).not.toContain('price_moved');
    expect(alert.textContent).toContain('5b1e0c7a-1d2e-4f3a-8b4c-5d6e7f8a9b0c');
    // Ready to try again (after a re-quote).
    await waitFor(() =>
      expect(
        (screen.getByRole('button', { name: 'Approve with passkey' }) as HTMLButtonElement).disabled,
      ).toBe(false),
    );
  });

  it('“Use a code instead” approves with the authenticator app’s code', async () => {
    const open = proposalFixture();
    let now: object = open;
    const { calls } = mockFetch((c) => {
      if (c.path === `/api/proposals/${PROPOSAL_ID}` && c.method === 'GET') return { status: 200, body: now };
      if (c.path.endsWith('/approve')) {
        const done = executedFixture(open);
        now = { ...done.proposal, execution: done.run.execution };
        return { status: 200, body: done };
      }
      return { status: 404, body: problem(404, 'not_found') };
    });
    renderWithClient(<Panel />);
    fireEvent.click(await screen.findByRole('button', { name: 'Use a code instead' }));
    fireEvent.change(screen.getByLabelText('6-digit code from your authenticator app'), {
      target: { value: '12 34 56' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Approve with code' }));
    await screen.findByText('Filled on Delta.');
    expect(calls.find((c) => c.path.endsWith('/approve'))!.body).toEqual({
      step_up: { kind: 'totp', code: '123456' },
    });
    expect(calls.some((c) => c.path === '/api/step-up/options')).toBe(false);
    expect(webauthn.startAuthentication).not.toHaveBeenCalled();
  });

  it('closing the passkey prompt sends nothing and says what to do', async () => {
    webauthn.startAuthentication.mockRejectedValue(
      Object.assign(new Error('closed'), { name: 'NotAllowedError' }),
    );
    const { calls } = mockFetch((c) => {
      if (c.path === `/api/proposals/${PROPOSAL_ID}`) return { status: 200, body: proposalFixture() };
      return { status: 200, body: OPTIONS };
    });
    renderWithClient(<Panel />);
    fireEvent.click(await screen.findByRole('button', { name: 'Approve with passkey' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The passkey prompt was closed.');
    expect(calls.some((c) => c.path.endsWith('/approve'))).toBe(false);
  });

  it('after a reload an answered proposal shows the server’s outcome, with no buttons to answer again', async () => {
    const approved = executedFixture(proposalFixture());
    mockFetch(() => ({
      status: 200,
      body: { ...approved.proposal, execution: approved.run.execution },
    }));
    renderWithClient(<Panel />);
    await screen.findByText('Filled on Delta.');
    expect(screen.queryByRole('button', { name: /approve/i })).toBeNull();
  });

  it('rejects with a reason, and re-quotes', async () => {
    const open = proposalFixture();
    const { calls } = mockFetch((c) => {
      if (c.path.endsWith('/reject'))
        return { status: 200, body: { ...open, state: 'rejected', reject_reason: 'too late in the day' } };
      if (c.path.endsWith('/requote')) return { status: 200, body: open };
      return { status: 200, body: open };
    });
    renderWithClient(<Panel />);
    fireEvent.click(await screen.findByRole('button', { name: 'Re-quote' }));
    await waitFor(() => expect(calls.some((c) => c.path.endsWith('/requote'))).toBe(true));
    fireEvent.click(await screen.findByRole('button', { name: 'Reject' }));
    fireEvent.change(screen.getByLabelText('Why are you rejecting it?'), {
      target: { value: 'too late in the day' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Reject this trade' }));
    await screen.findByText(/You rejected this trade: “too late in the day”/);
    expect(calls.find((c) => c.path.endsWith('/reject'))!.body).toEqual({ reason: 'too late in the day' });
  });
});
