import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderAs } from '../test-fixtures.tsx';
import { ExecutePanel } from './ExecutePanel.tsx';

describe('ExecutePanel', () => {
  it('a viewer cannot see Execute and is told why', () => {
    renderAs('viewer', <ExecutePanel approvalId="" onExecute={() => {}} busy={false} stale={false} />);
    expect(screen.queryByRole('button', { name: 'Execute' })).toBeNull();
    expect(screen.queryByLabelText('Approval id')).toBeNull();
    expect(screen.getByTestId('execute-hidden').textContent).toMatch(/viewer\) can view but not act/);
  });

  it('an operator executes with the approval id', async () => {
    const onExecute = vi.fn();
    renderAs(
      'operator',
      <ExecutePanel
        approvalId="apr_q3xzb6jtkd4mfwa2n7ptr5hyle"
        onExecute={onExecute}
        busy={false}
        stale={false}
      />,
    );
    expect((screen.getByLabelText('Approval id') as HTMLInputElement).value).toBe(
      'apr_q3xzb6jtkd4mfwa2n7ptr5hyle',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Execute' }));
    expect(onExecute).toHaveBeenCalledWith('apr_q3xzb6jtkd4mfwa2n7ptr5hyle');
  });

  it('lets an operator execute without an approval id (to see the policy deny)', async () => {
    const onExecute = vi.fn();
    renderAs('admin', <ExecutePanel approvalId="" onExecute={onExecute} busy={false} stale={false} />);
    await userEvent.click(screen.getByRole('button', { name: 'Execute' }));
    expect(onExecute).toHaveBeenCalledWith('');
  });

  it('refuses a malformed approval id', async () => {
    const onExecute = vi.fn();
    renderAs('operator', <ExecutePanel approvalId="" onExecute={onExecute} busy={false} stale={false} />);
    await userEvent.type(screen.getByLabelText('Approval id'), 'not an id!');
    await userEvent.click(screen.getByRole('button', { name: 'Execute' }));
    expect(screen.getByText(/does not look like an approval id/)).toBeTruthy();
    expect(onExecute).not.toHaveBeenCalled();
  });

  it('is disabled while executing and when the inputs changed since the draft', () => {
    const { unmount } = renderAs(
      'operator',
      <ExecutePanel approvalId="apr_1" onExecute={() => {}} busy={true} stale={false} />,
    );
    expect((screen.getByRole('button', { name: 'Executing…' }) as HTMLButtonElement).disabled).toBe(true);
    unmount();
    renderAs('operator', <ExecutePanel approvalId="apr_1" onExecute={() => {}} busy={false} stale={true} />);
    expect((screen.getByRole('button', { name: 'Execute' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/Draft again first/)).toBeTruthy();
  });
});
