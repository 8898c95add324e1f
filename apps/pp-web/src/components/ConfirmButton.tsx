import { useEffect, useRef, useState } from 'react';

/**
 * A destructive action in two steps: the first click asks, the second does it. Inline rather than
 * window.confirm so it is keyboard- and screen-reader-friendly and says exactly what will happen.
 */
export function ConfirmButton({
  label,
  question,
  onConfirm,
  busy,
  disabled,
  disabledReason,
}: {
  label: string;
  question: string;
  onConfirm: () => void;
  busy?: boolean;
  disabled?: boolean;
  disabledReason?: string;
}) {
  const [asking, setAsking] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  // Keyboard users land on the safe choice once the question appears.
  useEffect(() => {
    if (asking) cancel.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button
        type="button"
        className="danger"
        disabled={disabled || busy}
        title={disabled ? disabledReason : undefined}
        onClick={() => setAsking(true)}
      >
        {busy ? `${label}…` : label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <span role="status">{question}</span>
      <button
        type="button"
        className="danger"
        disabled={busy}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        Yes, {label.toLowerCase()}
      </button>
      <button type="button" ref={cancel} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
