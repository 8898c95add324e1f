import { APPROVAL_ID_PATTERN } from '@delta/contracts';
import { Field } from '@delta/web-ui/field';
import { type FormEvent, useEffect, useState } from 'react';
import { useCan } from '../lib/session.tsx';

/**
 * The approval id and the Execute button. Executing without an approval id is allowed on purpose: Plant
 * answers `approval_required` with a correlation id, which is exactly what an operator should see.
 */
export function ExecutePanel({
  approvalId,
  onExecute,
  busy,
  stale,
}: {
  approvalId: string;
  onExecute: (approvalId: string) => void;
  busy: boolean;
  /** The form changed since the draft: the approval (bound to the old plan) would not match. */
  stale: boolean;
}) {
  const can = useCan('operator');
  const [id, setId] = useState(approvalId);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => setId(approvalId), [approvalId]);

  if (!can.allowed) {
    return (
      <p className="notice info" data-testid="execute-hidden">
        Executing trades is not available to you. {can.why}
      </p>
    );
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const trimmed = id.trim();
    if (trimmed !== '' && !APPROVAL_ID_PATTERN.test(trimmed)) {
      setError('That does not look like an approval id. Copy it from the approval you minted.');
      return;
    }
    setError(undefined);
    onExecute(trimmed);
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Execute">
      <Field
        label="Approval id"
        error={error}
        hint="Minted from the customer’s consent for this exact plan. Single use; expires in minutes."
      >
        {(a) => (
          <input
            {...a}
            className="mono"
            value={id}
            onChange={(e) => setId(e.target.value)}
            placeholder="leave empty to see the policy deny"
            spellCheck={false}
          />
        )}
      </Field>
      {stale ? (
        <p className="notice warn">
          The trade inputs changed since this plan was drafted. Draft again first.
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={busy || stale}>
        {busy ? 'Executing…' : 'Execute'}
      </button>
    </form>
  );
}
