import type { ApiError } from '../api/http.ts';
import { reasonText } from '../lib/denial-reasons.ts';
import { CorrelationLink } from './CorrelationLink.tsx';

/** A refused run: the reason in plain words, what to do next, and the correlation id that tells the story. */
export function DenialCard({ error }: { error: ApiError }) {
  const text = reasonText(error.reason, error.detail);
  return (
    <section className="card result-denied" role="alert" aria-labelledby="denial-title">
      <h3 id="denial-title">Denied: {text.title}</h3>
      <p>{text.next}</p>
      <dl className="facts">
        <dt>Reason</dt>
        <dd className="mono" data-testid="denial-reason">
          {error.reason}
        </dd>
        {error.detail ? (
          <>
            <dt>Server said</dt>
            <dd>{error.detail}</dd>
          </>
        ) : null}
        <dt>Correlation id</dt>
        <dd>
          {error.correlationId ? (
            <CorrelationLink id={error.correlationId} />
          ) : (
            <span>none was returned</span>
          )}
        </dd>
      </dl>
    </section>
  );
}
