import { isApiError } from '../api/http.ts';
import { reasonText } from '../lib/denial-reasons.ts';
import { CorrelationLink } from './CorrelationLink.tsx';

/** Any failed request, in words: what happened, what to do next, which fields, and the correlation id. */
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
    <div className="notice error" role="alert">
      <strong>
        {action ? `Could not ${action}: ` : ''}
        {text.title}
      </strong>
      {error.detail && error.detail !== text.title ? <p>{error.detail}</p> : null}
      {error.fieldErrors.length > 0 ? (
        <ul>
          {error.fieldErrors.map((f) => (
            <li key={`${f.path}:${f.code}`}>
              <code>{f.path || 'body'}</code>: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      <p>{text.next}</p>
      {error.correlationId ? (
        <p className="small">
          Correlation id: <CorrelationLink id={error.correlationId} />
        </p>
      ) : null}
    </div>
  );
}
