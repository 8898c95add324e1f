import type { ReactNode } from 'react';
import { isApiError } from '../api/http.ts';
import { reasonText } from '../lib/reasons.ts';

/** Any failed request in the customer's words: what happened, what to do next, and a reference for support. */
export function ErrorNotice({ error, action }: { error: unknown; action?: string }) {
  if (!error) return null;
  if (!isApiError(error)) {
    return (
      <div className="notice error" role="alert">
        <strong>{action ? `Could not ${action}.` : 'Something went wrong.'}</strong>
        <p>{error instanceof Error ? error.message : String(error)} Reload the page and try again.</p>
      </div>
    );
  }
  const text = reasonText(error.reason, error.detail);
  return (
    <div className="notice error" role="alert" data-reason={error.reason}>
      <strong>
        {action ? `Could not ${action}: ` : ''}
        {text.title}
      </strong>
      {error.fieldErrors.length > 0 ? (
        <ul>
          {error.fieldErrors.map((f) => (
            <li key={`${f.path}:${f.code}`}>{f.message}</li>
          ))}
        </ul>
      ) : null}
      <p>{text.next}</p>
      {error.correlationId ? (
        <p className="small muted">
          Reference for support: <span className="mono">{error.correlationId}</span>
        </p>
      ) : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** A field error from a 422, by its path (e.g. `setup.risk_limits.max_units_per_order`). */
export function fieldError(error: unknown, path: string): string | undefined {
  if (!isApiError(error)) return undefined;
  return error.fieldErrors.find((f) => f.path === path || f.path.endsWith(`.${path}`))?.message;
}
